package barcode

// This file holds the search for DataMatrix candidates on a page.
//
// gozxing's DataMatrix detector grows a white rectangle outwards from the
// image's centre, so it reads a symbol only when the symbol straddles the
// centre row and column of the image it is given. To read a symbol
// elsewhere on a page, the page is binarized once, its dark pixels grouped
// into connected blobs, and the blobs that are shaped like a symbol
// (roughly square or a 1:4 rectangle, half dark) cut out, each centred in
// its own small image with a margin.

import (
	"image"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// Bounds on the blob search: the number of crops tried per page, the size
// of the image searched (larger pages are box-downsampled first), and the
// number of blobs (a noisy photo has a blob per speck; past this many the
// search gives up rather than spend memory).
const (
	maxCandidates = 24
	blobPixels    = 1_500_000
	maxBlobs      = 100_000
)

// symbolBlobs returns up to maxCandidates rectangles (in g's coordinates)
// around dark blobs that could be 2D symbols, largest first.
func symbolBlobs(g *grayBuf) []image.Rectangle {
	k := 1
	for g.w*g.h/(k*k) > blobPixels {
		k++
	}
	if k > 1 {
		g = toGray(&image.Gray{Pix: g.pix, Stride: g.w, Rect: image.Rect(0, 0, g.w, g.h)}, k)
	}
	var bm *gozxing.BitMatrix
	safely(func() error {
		var err error
		bm, err = gozxing.NewHybridBinarizer(lumSource{g}).GetBlackMatrix()
		return err
	})
	if bm == nil {
		return nil
	}
	w, h := g.w, g.h
	// Union-find over pixel labels, 8-connected, in one pass.
	parent := make([]int32, w*h)
	for i := range parent {
		parent[i] = -1 // white
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[rb] = ra
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !bm.Get(x, y) {
				continue
			}
			i := int32(y*w + x)
			parent[i] = i
			if x > 0 && parent[i-1] >= 0 {
				union(i-1, i)
			}
			if y > 0 {
				up := i - int32(w)
				for _, j := range [3]int32{up - 1, up, up + 1} {
					if (j == up-1 && x == 0) || (j == up+1 && x == w-1) {
						continue
					}
					if parent[j] >= 0 {
						union(j, i)
					}
				}
			}
		}
	}
	type blob struct {
		r    image.Rectangle
		dark int
	}
	blobs := map[int32]*blob{}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := int32(y*w + x)
			if parent[i] < 0 {
				continue
			}
			root := find(i)
			b := blobs[root]
			if b == nil {
				if len(blobs) >= maxBlobs {
					return nil
				}
				b = &blob{r: image.Rect(x, y, x+1, y+1)}
				blobs[root] = b
			}
			b.r = b.r.Union(image.Rect(x, y, x+1, y+1))
			b.dark++
		}
	}
	var out []blob
	for _, b := range blobs {
		bw, bh := b.r.Dx(), b.r.Dy()
		if bw*k < 12 || bh*k < 12 || bw*5 < bh || bh*5 < bw {
			continue
		}
		if bw > w*9/10 && bh > h*9/10 {
			continue // the page's border or a frame, not a symbol
		}
		if d := float64(b.dark) / float64(bw*bh); d < 0.25 || d > 0.85 {
			continue
		}
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool {
		ai, aj := out[i].r.Dx()*out[i].r.Dy(), out[j].r.Dx()*out[j].r.Dy()
		if ai != aj {
			return ai > aj
		}
		return out[i].r.Min.Y*w+out[i].r.Min.X < out[j].r.Min.Y*w+out[j].r.Min.X
	})
	rects := make([]image.Rectangle, 0, min(len(out), maxCandidates))
	for _, b := range out[:min(len(out), maxCandidates)] {
		m := max(b.r.Dx(), b.r.Dy())/2 + 8
		r := b.r.Inset(-m)
		rects = append(rects, image.Rect(r.Min.X*k, r.Min.Y*k, r.Max.X*k, r.Max.Y*k))
	}
	return rects
}
