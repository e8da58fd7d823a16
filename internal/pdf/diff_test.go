// Tests of Diff: what counts as added, changed, removed and unchanged.

package pdf

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	content := []byte("0 0 m 100 100 l S")
	base := func() *builder {
		return newBuilder().
			obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
			obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
			obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << >> >> >>").
			stream(4, "", content).
			obj(5, "(five)").
			stream(6, "/Filter /DCTDecode", []byte("jpeg")).
			table(7, "/Root 1 0 R /Info 5 0 R")
	}
	tests := []struct {
		name   string
		update func(b *builder)
		// expected Added, Changed, Removed, Unchanged
		added, changed, removed, unchanged []uint32
		trailer                            []Name
		root, catalog                      bool
	}{
		{"re-saved with other formatting", func(b *builder) {
			b.obj(3, "<</Resources<</Font<<>>>>/Contents 4 0 R/Parent 2 0 R/Type/Page>>")
			b.obj(5, "<66697665>")
		}, nil, nil, nil, []uint32{3, 5}, nil, false, false},
		{"content recompressed", func(b *builder) {
			b.stream(4, "/Filter /FlateDecode", zlibBytes(content))
		}, nil, nil, nil, []uint32{4}, nil, false, false},
		{"content changed", func(b *builder) {
			b.stream(4, "", []byte("0 0 m 1 1 l S"))
		}, nil, []uint32{4}, nil, nil, nil, false, false},
		{"undecodable stream rewritten", func(b *builder) {
			b.stream(6, "/Filter /DCTDecode", []byte("jpeg"))
		}, nil, nil, nil, []uint32{6}, nil, false, false},
		{"undecodable stream changed", func(b *builder) {
			b.stream(6, "/Filter /DCTDecode /Decode [1 0]", []byte("jpeg"))
		}, nil, []uint32{6}, nil, nil, nil, false, false},
		{"catalog entry added", func(b *builder) {
			b.obj(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 8 0 R >>").obj(8, "<< /S /JavaScript >>")
		}, []uint32{8}, []uint32{1}, nil, nil, nil, false, true},
		{"new root", func(b *builder) {
			b.obj(9, "<< /Type /Catalog /Pages 2 0 R >>")
		}, []uint32{9}, nil, nil, nil, []Name{"Root"}, true, true},
		{"info changed", func(b *builder) {
			b.obj(8, "(new info)")
		}, []uint32{8}, nil, nil, nil, []Name{"Info"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			tt.update(b)
			trailer := "/Root 1 0 R /Info 5 0 R"
			switch tt.name {
			case "new root":
				trailer = "/Root 9 0 R /Info 5 0 R"
			case "info changed":
				trailer = "/Root 1 0 R /Info 8 0 R"
			}
			f := openBytes(t, b.table(10, trailer).bytes())
			d, err := f.Diff(0, 1)
			require.NoError(t, err)
			assert.Equal(t, tt.added, nums(d.Added), "added")
			assert.Equal(t, tt.changed, nums(d.Changed), "changed")
			assert.Equal(t, tt.removed, nums(d.Removed), "removed")
			assert.Equal(t, tt.unchanged, nums(d.Unchanged), "unchanged")
			assert.Equal(t, tt.trailer, d.TrailerChanged, "trailer")
			assert.Equal(t, tt.root, d.RootChanged, "root")
			assert.Equal(t, tt.catalog, d.CatalogChanged, "catalog")
		})
	}
}

func nums(rs []Ref) []uint32 {
	var ns []uint32
	for _, r := range rs {
		ns = append(ns, r.Num)
	}
	return ns
}

// An update made of nothing but an xref section that points an object
// number at an older object (hide-and-replace shadow attacks) is a change.
func TestDiffXRefOnlyUpdate(t *testing.T) {
	// The signed revision holds an unreferenced "shadow" version of
	// object 5 before the referenced one.
	b := minimal()
	shadowAt := b.buf.Len()
	b.obj(5, "(shadow text)").obj(5, "(signed text)")
	data := b.table(6, "/Root 1 0 R").bytes()
	f0 := openBytes(t, data)
	x := len(data)
	data = append(data, fmt.Sprintf("xref\n5 1\n%010d 00000 n\r\ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		shadowAt, f0.Revisions()[0].XRefOffset, x)...)
	f := openBytes(t, data)
	assert.Empty(t, f.Findings(), "nothing structural: the attack is in the content")
	d, err := f.Diff(0, 1)
	require.NoError(t, err)
	assert.Equal(t, []uint32{5}, nums(d.Changed))

	// An entry that points at another object number is refused.
	data = bytes.Replace(data, []byte(fmt.Sprintf("xref\n5 1\n%010d", shadowAt)), []byte(fmt.Sprintf("xref\n1 1\n%010d", shadowAt)), 1)
	f = openBytes(t, data)
	_, err = f.Diff(0, 1)
	assert.ErrorIs(t, err, ErrMalformed)

	// Freeing an object is a removal.
	data = minimalPDF()
	g := openBytes(t, data)
	x = len(data)
	data = append(data, fmt.Sprintf("xref\n4 1\n0000000000 00001 f\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", g.Revisions()[0].XRefOffset, x)...)
	f = openBytes(t, data)
	d, err = f.Diff(0, 1)
	require.NoError(t, err)
	assert.Equal(t, []uint32{4}, nums(d.Removed))
}

// Redefining an object stream changes the objects read from it, though
// their own entries stay.
func TestDiffObjectStreamRedefined(t *testing.T) {
	data := objStmPDF(t)
	f0 := openBytes(t, data)
	b := &builder{offs: map[int]int64{}, lastXRef: f0.Revisions()[0].XRefOffset}
	b.buf.Write(data)
	hdr := "1 0 2 40 "
	body := "<< /Type /Catalog /Pages 2 0 R /X 1 >>  " + "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d", len(hdr)), []byte(hdr+body))
	data = b.xrefStream(7, 8, "/Root 1 0 R", nil).bytes()
	f := openBytes(t, data)
	d, err := f.Diff(0, 1)
	require.NoError(t, err)
	assert.Equal(t, []uint32{1, 5}, nums(d.Changed), "the catalog inside, and the stream")
	assert.Equal(t, []uint32{2}, nums(d.Unchanged))
	assert.Equal(t, []uint32{7}, nums(d.XRefStreams))
	assert.True(t, d.CatalogChanged)
}
