// Tests of the document-level helpers: pages, fields, signatures, walks.

package pdf

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPagesInheritance(t *testing.T) {
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /MediaBox [0 0 100 100] /Resources << /Font << >> >> /Rotate 90 >>").
		obj(3, "<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 /MediaBox [0 0 50 50] >>").
		obj(4, "<< /Type /Page /Parent 3 0 R >>").
		obj(5, "<< /Type /Page /Parent 3 0 R /Rotate 0 /CropBox [1 1 2 2] >>").
		obj(6, "<< /Type /Page /Parent 2 0 R /Resources 7 0 R >>").
		obj(7, "<< >>").
		table(8, "/Root 1 0 R").bytes()
	f := openBytes(t, data)
	pages, err := f.Pages(0)
	require.NoError(t, err)
	require.Len(t, pages, 3)
	assert.Equal(t, []Ref{{4, 0}, {5, 0}, {6, 0}}, []Ref{pages[0].Ref, pages[1].Ref, pages[2].Ref})
	assert.True(t, Equal(Array{Int(0), Int(0), Int(50), Int(50)}, pages[0].MediaBox))
	assert.True(t, Equal(Int(90), pages[0].Rotate))
	assert.True(t, Equal(Int(0), pages[1].Rotate))
	assert.True(t, Equal(Array{Int(1), Int(1), Int(2), Int(2)}, pages[1].CropBox))
	assert.Nil(t, pages[0].CropBox)
	assert.True(t, Equal(Array{Int(0), Int(0), Int(100), Int(100)}, pages[2].MediaBox))
	assert.Equal(t, Ref{7, 0}, pages[2].Resources)
}

func TestPagesLoops(t *testing.T) {
	tests := []struct {
		name string
		objs []string
		want error
	}{
		{"self", []string{"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}, ErrMalformed},
		{"cycle", []string{"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}, ErrMalformed},
		{"shared page", []string{"<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>", "<< /Type /Page >>"}, ErrMalformed},
		{"direct kid", []string{"<< /Type /Pages /Kids [<< /Type /Page >>] /Count 1 >>"}, ErrMalformed},
		{"no kids", []string{"<< /Type /Pages /Count 1 >>"}, ErrMalformed},
		{"not a dict", []string{"[1 2 3]"}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder().obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			for i, o := range tt.objs {
				b.obj(2+i, o)
			}
			f := openBytes(t, b.table(2+len(tt.objs), "/Root 1 0 R").bytes())
			_, err := f.Pages(0)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("deep", func(t *testing.T) {
		b := newBuilder().obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		const n = 100
		for i := 2; i < n; i++ {
			b.obj(i, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", i+1))
		}
		b.obj(n, "<< /Type /Page >>")
		f := openBytes(t, b.table(n+1, "/Root 1 0 R").bytes())
		_, err := f.Pages(0)
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, "MaxDepth", e.Limit)
	})
}

// sigDict is a signature dictionary with a 4-byte /Contents.
const sigDict = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /Contents <01020304> >>"

func formPDF() []byte {
	return newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 5 0 R 9 0 R] >> >>").
		obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		obj(3, "<< /Type /Page /Parent 2 0 R /Annots [6 0 R 7 0 R] >>").
		obj(4, "<< /FT /Sig /T (Signature1) /V 8 0 R /Kids [6 0 R] >>").
		obj(5, "<< /T (group) /FT /Tx /V (inherited) /Kids [10 0 R 11 0 R] >>").
		obj(6, "<< /Type /Annot /Subtype /Widget /Parent 4 0 R /Rect [0 0 0 0] >>").
		obj(7, "<< /Type /Annot /Subtype /Widget /FT /Sig /T <feff0041004e0130> /V "+sigDict+" >>").
		obj(8, sigDict).
		obj(9, "7 0 R").
		obj(10, "<< /T (a) /Parent 5 0 R >>").
		obj(11, "<< /T (b) /V (own) /Parent 5 0 R >>").
		table(12, "/Root 1 0 R").bytes()
}

func TestFields(t *testing.T) {
	data := formPDF()
	// Object 9 is a reference to 7: /Fields [... 9 0 R] resolves through it.
	f := openBytes(t, data)
	fields, err := f.Fields(0)
	require.NoError(t, err)
	require.Len(t, fields, 4)
	want := []struct {
		name  string
		typ   Name
		value Object
	}{
		{"Signature1", "Sig", Ref{8, 0}},
		{"group.a", "Tx", String{Value: []byte("inherited")}},
		{"group.b", "Tx", String{Value: []byte("own")}},
		{"ANİ", "Sig", nil},
	}
	for i, w := range want {
		assert.Equal(t, w.name, fields[i].Name)
		assert.Equal(t, w.typ, fields[i].Type)
		if w.value != nil {
			assert.True(t, Equal(w.value, fields[i].Value), "value of %s: %v", w.name, fields[i].Value)
		}
	}
	assert.Equal(t, Ref{7, 0}, fields[3].Ref, "the field object, not the reference to it")
	assert.Equal(t, "ANİ", fields[3].Name, "UTF-16 field names")
	assert.Equal(t, []Ref{{6, 0}}, fields[0].Widgets)
}

func TestFieldLoops(t *testing.T) {
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		obj(3, "<< /T (a) /Kids [4 0 R] >>").
		obj(4, "<< /T (b) /Kids [3 0 R] >>").
		table(5, "/Root 1 0 R").bytes()
	f := openBytes(t, data)
	_, err := f.Fields(0)
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestSignatures(t *testing.T) {
	data := formPDF()
	f := openBytes(t, data)
	sigs, unreadable, err := f.Signatures()
	require.NoError(t, err)
	assert.Empty(t, unreadable)
	require.Len(t, sigs, 2, "the indirect one and the direct /V of field 7")
	for _, s := range sigs {
		assert.Equal(t, []int64{0, 10, 20, 30}, s.ByteRange)
		assert.Equal(t, []byte{1, 2, 3, 4}, s.Contents)
		assert.True(t, s.ContentsHex)
		require.True(t, s.ContentsSpan.Valid())
		assert.Equal(t, "<01020304>", string(data[s.ContentsSpan.Start:s.ContentsSpan.End]))
		assert.Equal(t, 0, s.Revision)
	}
	assert.Equal(t, Ref{7, 0}, sigs[0].Ref)
	assert.Equal(t, Ref{8, 0}, sigs[1].Ref)

	// A USF-style dictionary without /Type or /ByteRange is still found
	// through the field's /V, and reports what it lacks.
	data = newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		obj(3, "<< /FT /Sig /T (s) /V 4 0 R >>").
		obj(4, "<< /Filter /Adobe.PPKLite /Contents (literal) /ByteRange [0 -1 2 3] >>").
		table(5, "/Root 1 0 R").bytes()
	f = openBytes(t, data)
	sigs, _, err = f.Signatures()
	require.NoError(t, err)
	require.Len(t, sigs, 1)
	assert.Nil(t, sigs[0].ByteRange, "a negative value is no byte range")
	assert.False(t, sigs[0].ContentsHex)
	assert.False(t, sigs[0].ContentsSpan.Valid(), "only hex /Contents get a span")
}

func TestWalkLoops(t *testing.T) {
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R /Loop [3 0 R] >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		obj(3, "[3 0 R 1 0 R << /Self 3 0 R >>]").
		obj(4, "<< /First 5 0 R /Last 6 0 R >>").
		obj(5, "<< /Next 6 0 R /Parent 4 0 R >>").
		obj(6, "<< /Next 5 0 R /Prev 5 0 R /Parent 4 0 R /Missing 99 0 R >>").
		table(7, "/Root 1 0 R").bytes()
	f := openBytes(t, data)
	var seen []uint32
	err := f.Walk(0, Ref{1, 0}, func(ref Ref, v Object) error {
		seen = append(seen, ref.Num)
		return nil
	})
	require.NoError(t, err)
	assert.ElementsMatch(t, []uint32{1, 2, 3, 4, 5, 6}, seen)
	stop := errors.New("stop")
	err = f.Walk(0, Ref{1, 0}, func(Ref, Object) error { return stop })
	assert.ErrorIs(t, err, stop)
	lim := Limits{MaxObjects: 3}
	f2, err := Open(strings.NewReader(string(data)), int64(len(data)), &Limits{MaxObjects: 100})
	require.NoError(t, err)
	f2.lim.MaxObjects = lim.MaxObjects
	err = f2.Walk(0, Ref{1, 0}, func(Ref, Object) error { return nil })
	assert.ErrorIs(t, err, ErrLimit)
}

// A File is used from several goroutines by the verifier; run with -race.
func TestConcurrentUse(t *testing.T) {
	f := openBytes(t, formPDF())
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			_, _, err := f.Signatures()
			if err == nil {
				_, err = f.Pages(0)
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		require.NoError(t, <-done)
	}
}
