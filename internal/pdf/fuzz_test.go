// Fuzz targets: Open with everything a verifier does after it, and the
// object parser with a write-and-reparse round trip.

package pdf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"testing"
)

// fuzzLimits keep each input cheap.
var fuzzLimits = Limits{
	MaxStreamSize:   1 << 20,
	MaxTotalDecoded: 4 << 20,
	MaxObjectSize:   1 << 20,
	MaxObjects:      1 << 16,
	MaxXRefEntries:  1 << 16,
	MaxStringLen:    1 << 16,
	MaxRevisions:    64,
}

func isTyped(err error) bool {
	for _, s := range []error{ErrMalformed, ErrLimit, ErrUnsupported, ErrEncrypted, ErrNotFound} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzOpen(f *testing.F) {
	f.Add(minimalPDF())
	f.Add(twoRevisions(false))
	f.Add(twoRevisions(true))
	f.Add(hybridPDF())
	f.Add(formPDF())
	f.Add(junkFirst())
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		// Seeds in qpdf's layouts, when qpdf is there to make them.
		for _, args := range [][]string{{"--object-streams=generate"}, {"--linearize"}, {"--qdf"}} {
			cmd := exec.Command(qpdf, append(args, "--deterministic-id", "-", "-")...)
			cmd.Stdin = bytes.NewReader(minimalPDF())
			if out, err := cmd.Output(); err == nil {
				f.Add(out)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := fuzzLimits
		file, err := Open(bytes.NewReader(data), int64(len(data)), &lim)
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("Open: untyped error %T: %v", err, err)
			}
			return
		}
		revs := file.Revisions()
		start := int64(0)
		for _, rv := range revs {
			if rv.Start != start || rv.End < rv.Start || rv.End > int64(len(data)) || rv.EOF > rv.End {
				t.Fatalf("revision %d spans [%d,%d) after %d in %d bytes", rv.Index, rv.Start, rv.End, start, len(data))
			}
			start = rv.End
		}
		check := func(what string, err error) {
			if err != nil && !isTyped(err) {
				t.Fatalf("%s: untyped error %T: %v", what, err, err)
			}
		}
		latest := file.Latest()
		_, err = file.Pages(latest)
		check("Pages", err)
		_, err = file.Fields(latest)
		check("Fields", err)
		sigs, unreadable, err := file.Signatures()
		check("Signatures", err)
		for _, e := range unreadable {
			check("Signatures", e)
		}
		_, _, err = file.Certification(latest)
		check("Certification", err)
		for _, s := range sigs {
			_, err := file.Transforms(s.Revision, s.Dict)
			check("Transforms", err)
		}
		if fields, err := file.Fields(latest); err == nil {
			for _, fd := range fields {
				_, err := file.FieldLockOf(latest, fd.Dict)
				check("FieldLockOf", err)
			}
		}
		for _, s := range sigs {
			if s.ContentsSpan.Valid() && (s.ContentsSpan.End > int64(len(data)) || data[s.ContentsSpan.Start] != '<' || data[s.ContentsSpan.End-1] != '>') {
				t.Fatalf("contents span %v does not hold a hex string", s.ContentsSpan)
			}
		}
		check("Walk", file.Walk(latest, revs[latest].Trailer.Get("Root"), func(Ref, Object) error { return nil }))
		for r := 1; r <= latest; r++ {
			_, err := file.Diff(r-1, r)
			check("Diff", err)
		}
		for _, e := range revs[latest].Entries {
			ind, err := file.Object(Ref{Num: e.Num, Gen: e.Gen})
			check("Object", err)
			if err != nil {
				continue
			}
			if s, ok := ind.Value.(*Stream); ok {
				r, err := file.StreamReader(s)
				if err == nil {
					_, err = io.Copy(io.Discard, r)
				}
				check("decode", err)
			}
		}
		// Whatever opens can be updated, and the update reads back.
		u := file.Update()
		d := NewDict()
		d.Set("Contents", Placeholder{Name: "c", Kind: PlaceholderHex, Size: 8})
		u.Add(d)
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		if _, err := u.Write(context.Background(), bw); err != nil {
			check("Write", err)
			return
		}
		bw.Flush()
		if !bytes.HasPrefix(out.Bytes(), data) {
			t.Fatal("the update changed the original bytes")
		}
		g, err := Open(bytes.NewReader(out.Bytes()), int64(out.Len()), &lim)
		if err != nil {
			t.Fatalf("the updated file does not open: %v", err)
		}
		if len(g.Revisions()) != len(revs)+1 {
			t.Fatalf("%d revisions after the update, want %d", len(g.Revisions()), len(revs)+1)
		}
	})
}

func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		"<< /Type /Sig /Contents <0102> /ByteRange [0 1 2 3] >>",
		"[1 2 0 R (a\\)b) /N#20ame 3.5 -2 true false null << >> <>]",
		"(\\101\\n\\\r\n)",
		"<</A<</B[[[1]]]>>>>",
		"/#41",
		"12 0 R",
		"%comment\n5",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := fuzzLimits
		lim = lim.withDefaults()
		p := &parser{buf: data, inFile: true, lim: &lim}
		v, err := p.parseValue(0)
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if d, ok := v.(*Dict); ok {
			for _, e := range d.Entries() {
				if e.Span.Start < 0 || e.Span.End > int64(len(data)) || e.Span.End <= e.Span.Start {
					t.Fatalf("span %v of /%s outside the input", e.Span, e.Key)
				}
			}
		}
		// What we write reads back as the same value.
		var b bytes.Buffer
		s := &serializer{w: &b, marks: map[string]Span{}}
		s.object(v, 0)
		s.flush()
		if s.err != nil {
			t.Fatalf("cannot write a parsed value: %v", s.err)
		}
		q := &parser{buf: b.Bytes(), lim: &lim}
		w, err := q.parseValue(0)
		if err != nil {
			t.Fatalf("written %q does not parse: %v", b.Bytes(), err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip changed %#v into %#v (%q)", v, w, b.Bytes())
		}
	})
}

// FuzzTransforms reads a signature dictionary's /Reference and a /Lock
// from arbitrary dictionaries, resolved against a small file.
func FuzzTransforms(f *testing.F) {
	for _, s := range []string{
		"<< /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] >>",
		"<< /Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Action /Include /Fields [(a) (b.c)] >> /Data 1 0 R >>] >>",
		"<< /Reference [<< /TransformMethod /DocMDP >> << /TransformMethod /UR3 >>] >>",
		"<< /Reference 1 0 R /Lock << /Type /SigFieldLock /Action /Exclude /Fields [(x)] >> >>",
		"<< /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 7 >> >>] /Lock << /Action /All >> >>",
	} {
		f.Add([]byte(s))
	}
	base := minimalPDF()
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := fuzzLimits
		file, err := Open(bytes.NewReader(base), int64(len(base)), &lim)
		if err != nil {
			t.Fatal(err)
		}
		l := lim.withDefaults()
		p := &parser{buf: data, lim: &l}
		v, err := p.parseValue(0)
		if err != nil {
			return
		}
		d, ok := v.(*Dict)
		if !ok {
			return
		}
		tr, err := file.Transforms(0, d)
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("Transforms: untyped error %T: %v", err, err)
			}
		} else if tr.DocMDP < 0 || tr.DocMDP > 3 {
			t.Fatalf("DocMDP level %d", tr.DocMDP)
		}
		lk, err := file.FieldLockOf(0, d)
		if err != nil && !isTyped(err) {
			t.Fatalf("FieldLockOf: untyped error %T: %v", err, err)
		}
		if lk != nil {
			lk.Locks("a.b")
		}
	})
}
