package sign

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// FuzzStampLayout lays out arbitrary text in arbitrary boxes: the result
// is an *AppearanceError or a content stream whose every line starts
// inside the frame and, at the chosen size, ends inside it too.
func FuzzStampLayout(f *testing.F) {
	f.Add("Кол койгон / Подписал / Signed by", "Айгүл Жеңишбековна Төлөгөнова", "Бишкек", 260.0, 100.0)
	f.Add("", "王小明", "", 10.0, 10.0)
	f.Add("a\nb\tc\u2028", "Жеңишбекова Өмүрзакова Жеңишбекова Өмүрзакова Жеңишбекова", "x", 160.0, 40.0)
	f.Add("é\u0301й", "", "", 1e6, 0.5)
	tm := regexp.MustCompile(`1 0 0 1 ([0-9.]+) ([0-9.-]+) Tm <([0-9A-F]*)> Tj`)
	size := regexp.MustCompile(`/F1 ([0-9.]+) Tf`)
	f.Fuzz(func(t *testing.T, label, name, org string, w, h float64) {
		cert := &x509.Certificate{Subject: pkix.Name{CommonName: name, Organization: []string{org}}}
		ap := &Appearance{Page: 1, Rect: [4]float64{0, 0, w, h}, Labels: []string{label}}
		s, err := newStamp(ap, cert, time.Unix(1795000000, 0), "", "")
		if err != nil {
			if !errors.Is(err, ErrAppearance) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		content, _, err := s.layout(w, h)
		if err != nil {
			if !errors.Is(err, ErrAppearance) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		m := size.FindSubmatch(content)
		if m == nil {
			t.Fatalf("no font size in %q", content)
		}
		sz, _ := strconv.ParseFloat(string(m[1]), 64)
		met := s.font.Metrics()
		em := float64(met.UnitsPerEm)
		for _, l := range tm.FindAllSubmatch(content, -1) {
			x, _ := strconv.ParseFloat(string(l[1]), 64)
			y, _ := strconv.ParseFloat(string(l[2]), 64)
			adv := 0
			for i := 0; i+4 <= len(l[3]); i += 4 {
				g, _ := strconv.ParseUint(string(l[3][i:i+4]), 16, 16)
				adv += s.font.Width1000(uint16(g))
			}
			right := x + float64(adv)/1000*sz
			top, bottom := y+float64(met.Ascent)/em*sz, y+float64(met.Descent)/em*sz
			if x < 0 || right > w-stampLine-stampPad+0.01 || bottom < stampLine+stampPad-0.02 || top > h+0.01 {
				t.Fatalf("line %q at %v,%v size %v (right %v, bottom %v, top %v) leaves the %v × %v box", l[3], x, y, sz, right, bottom, top, w, h)
			}
		}
	})
}
