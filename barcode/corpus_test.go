package barcode

// The zxing black-box images in ../shared/signed-corpus/barcode: each must
// decode to exactly its .expected.txt, and the no-barcode photos to nothing.

import (
	"bufio"
	"context"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

// corpusUnreadable lists corpus images Decode cannot read, with the reason:
// our known limitations. It is empty: every image decodes at 0 degrees. The
// test fails if a listed image starts decoding, so the list stays exact.
var corpusUnreadable = map[string]string{}

// corpusUnreadableRotated lists images Decode cannot read at some right-angle
// rotation ("file@degrees"). zxing's own suite does not demand these
// either (its photo thresholds are below 100% at 90-270 degrees).
var corpusUnreadableRotated = map[string]string{}

type corpusCase struct {
	file     string // path relative to the corpus directory
	expected *string
	notes    string
}

// corpusCases reads the barcode rows of MANIFEST.tsv.
func corpusCases(t *testing.T) []corpusCase {
	t.Helper()
	corpusDir := testtool.Shared(t, "signed-corpus")
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.tsv"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cases []corpusCase
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 5 || col[1] != "barcode" {
			continue
		}
		c := corpusCase{file: col[0], notes: col[4]}
		switch {
		case strings.HasPrefix(col[3], "decodes to:"):
			want, err := os.ReadFile(filepath.Join(corpusDir, strings.TrimSuffix(col[0], ".png")+".expected.txt"))
			require.NoError(t, err)
			s := string(want)
			c.expected = &s
		case strings.HasPrefix(col[3], "no-barcode"):
		default:
			t.Fatalf("%s: unknown expectation %q", col[0], col[3])
		}
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	require.Len(t, cases, 32, "the corpus README promises 32 barcode images")
	return cases
}

func readCorpusImage(t *testing.T, file string) image.Image {
	t.Helper()
	fh, err := os.Open(filepath.Join(testtool.Shared(t, "signed-corpus"), file))
	require.NoError(t, err)
	defer fh.Close()
	img, err := ReadImage(fh, 0)
	require.NoError(t, err)
	return img
}

func TestCorpus(t *testing.T) {
	for _, c := range corpusCases(t) {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			img := readCorpusImage(t, c.file)
			syms, err := Decode(context.Background(), img)
			checkCorpusResult(t, c, syms, err, corpusUnreadable[filepath.Base(c.file)])
		})
	}
}

// TestCorpusRotated turns every image by 90, 180 and 270 degrees: a symbol
// on a page fed into the scanner sideways or upside down.
func TestCorpusRotated(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	for _, c := range corpusCases(t) {
		img := readCorpusImage(t, c.file)
		for _, deg := range []int{90, 180, 270} {
			img = rotate90(img)
			name := filepath.Base(c.file) + "@" + strconv.Itoa(deg)
			t.Run(name, func(t *testing.T) {
				syms, err := Decode(context.Background(), img)
				checkCorpusResult(t, c, syms, err, corpusUnreadableRotated[name])
			})
		}
	}
}

func checkCorpusResult(t *testing.T, c corpusCase, syms []Symbol, err error, limitation string) {
	t.Helper()
	if c.expected == nil {
		require.ErrorIs(t, err, ErrNotFound, "false positive: %v", syms)
		return
	}
	if limitation != "" {
		// A known limitation may fail to decode, but never decode wrongly.
		if err == nil {
			t.Errorf("listed as unreadable (%s) but decodes now: remove it from the list", limitation)
		}
		require.ErrorIs(t, err, ErrNotFound)
		return
	}
	require.NoError(t, err, c.notes)
	require.Len(t, syms, 1, "%v", syms)
	assert.Equal(t, *c.expected, syms[0].Text)
	want := Code128
	switch {
	case strings.Contains(c.file, "-qr-"):
		want = QR
	case strings.Contains(c.file, "-dm-"):
		want = DataMatrix
	}
	assert.Equal(t, want, syms[0].Format)
}

// rotate90 turns an image a quarter turn clockwise.
func rotate90(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.Y-1-y, x-b.Min.X, img.At(x, y))
		}
	}
	return out
}
