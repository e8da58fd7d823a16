// Tests against the shared corpus of published PDF-signature attacks and
// denial-of-service files (../shared/pdf-attacks, never copied here):
// every file ends in a result or a typed error, in bounded time and
// memory, and the structure each attack relies on is visible.

package pdf

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

const attackDir = "../../../shared/pdf-attacks"

type corpusFile struct {
	path, class string
}

// attackFiles reads MANIFEST.tsv.
func attackFiles(t *testing.T) []corpusFile {
	t.Helper()
	fh, err := os.Open(filepath.Join(attackDir, "MANIFEST.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		if testtool.InCI() {
			t.Fatalf("%s is missing: CI runs with shared/ beside the repository", attackDir)
		}
		t.Skipf("%s not present", attackDir)
	}
	require.NoError(t, err)
	defer fh.Close()
	var files []corpusFile
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		col := strings.Split(sc.Text(), "\t")
		if first || len(col) < 6 {
			continue
		}
		files = append(files, corpusFile{path: col[0], class: col[4]})
	}
	require.NoError(t, sc.Err())
	require.Len(t, files, 74, "the corpus README promises 74 files")
	return files
}

// typed fails the test unless err is nil or one of the package's errors.
func typed(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []error{ErrMalformed, ErrLimit, ErrUnsupported, ErrEncrypted, ErrNotFound} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Errorf("%s: untyped error %T: %v", what, err, err)
}

// exercise runs every reader operation on f, as a verifier would, and
// checks that each result is a value or a typed error.
func exercise(t *testing.T, f *File) {
	t.Helper()
	latest := f.Latest()
	_, err := f.Pages(latest)
	typed(t, "Pages", err)
	_, err = f.Fields(latest)
	typed(t, "Fields", err)
	_, unreadable, err := f.Signatures()
	typed(t, "Signatures", err)
	for _, e := range unreadable {
		typed(t, "Signatures: unreadable", e)
	}
	err = f.Walk(latest, f.Revisions()[latest].Trailer.Get("Root"), func(Ref, Object) error { return nil })
	typed(t, "Walk", err)
	for r := 1; r <= latest; r++ {
		_, err := f.Diff(r-1, r)
		typed(t, "Diff", err)
	}
	for _, rv := range f.Revisions() {
		for _, e := range rv.Entries {
			if e.Type == EntryFree {
				continue
			}
			ind, err := f.ObjectAt(rv.Index, Ref{Num: e.Num, Gen: e.Gen})
			typed(t, "ObjectAt", err)
			if err != nil {
				continue
			}
			if s, ok := ind.Value.(*Stream); ok {
				r, err := f.StreamReader(s)
				if err == nil {
					_, err = io.Copy(io.Discard, r)
				}
				typed(t, "decode", err)
				if errors.Is(err, ErrLimit) {
					return // the budget is spent; further streams fail alike
				}
			}
		}
	}
}

// peakHeap samples the heap while fn runs.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}

func TestAttackCorpus(t *testing.T) {
	for _, cf := range attackFiles(t) {
		if strings.HasSuffix(cf.path, ".gz") {
			continue // TestDeflateBombs
		}
		t.Run(cf.path, func(t *testing.T) {
			fh, err := os.Open(filepath.Join(attackDir, cf.path))
			require.NoError(t, err)
			defer fh.Close()
			st, err := fh.Stat()
			require.NoError(t, err)
			start := time.Now()
			f, err := Open(fh, st.Size(), nil)
			typed(t, "Open", err)
			if err == nil {
				exercise(t, f)
			}
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// The structure each attack relies on is visible to a verifier.
func TestAttackStructure(t *testing.T) {
	attackFiles(t) // skips or fails when the corpus is absent
	open := func(t *testing.T, path string) *File {
		fh, err := os.Open(filepath.Join(attackDir, path))
		require.NoError(t, err)
		t.Cleanup(func() { fh.Close() })
		st, err := fh.Stat()
		require.NoError(t, err)
		f, err := Open(fh, st.Size(), nil)
		require.NoError(t, err)
		return f
	}
	sigs := func(t *testing.T, f *File) []Signature {
		s, _, err := f.Signatures()
		require.NoError(t, err)
		return s
	}
	hole := func(s Signature) bool {
		return len(s.ByteRange) == 4 && s.ContentsSpan.Valid() &&
			s.ByteRange[0] == 0 && s.ByteRange[1] == s.ContentsSpan.Start && s.ByteRange[2] == s.ContentsSpan.End
	}

	t.Run("benign signatures fill exactly their hole and end a revision", func(t *testing.T) {
		for _, p := range []string{
			"shadow/pdf-attacker/form_v2/form_v2-signed.pdf",
			"certification/benign/minimal_cert.pdf",
			"certification/benign/02_Test_cert_p2_sign_original.pdf",
			"certification/benign/shadowed-certified-visible.pdf",
		} {
			f := open(t, p)
			ss := sigs(t, f)
			require.NotEmpty(t, ss, p)
			for _, s := range ss {
				assert.True(t, hole(s), "%s: %v %v", p, s.ByteRange, s.ContentsSpan)
				end := s.ByteRange[2] + s.ByteRange[3]
				rv := f.Revisions()[s.Revision]
				assert.True(t, end == rv.End || end == rv.EOF, "%s: signature covers [0,%d), its revision ends at %d", p, end, rv.End)
			}
			for _, fd := range f.Findings() {
				assert.NotEqual(t, FindingTrailingBytes, fd.Kind, p)
				assert.NotEqual(t, FindingUnchainedEOF, fd.Kind, p)
			}
		}
	})
	t.Run("ISA: appended bytes without an xref", func(t *testing.T) {
		f := open(t, "isa/isa-3.pdf")
		assert.Contains(t, kinds(f.Findings()), FindingTrailingBytes)
	})
	t.Run("ISA: an unsigned revision after the signed one", func(t *testing.T) {
		f := open(t, "isa/isaValidPdf.pdf")
		require.Len(t, f.Revisions(), 2)
		ss := sigs(t, f)
		require.Len(t, ss, 1)
		assert.Equal(t, 0, ss[0].Revision)
		d, err := f.Diff(0, 1)
		require.NoError(t, err)
		assert.NotEmpty(t, d.Changed)
	})
	t.Run("ISA: the signature dictionary redefined", func(t *testing.T) {
		f := open(t, "isa/pades-spoofing-replaced-reason.pdf")
		ss := sigs(t, f)
		require.Len(t, ss, 2)
		assert.Equal(t, ss[0].Ref, ss[1].Ref)
		assert.Equal(t, []int{1, 2}, []int{ss[0].Revision, ss[1].Revision})
		assert.True(t, hole(ss[0]))
		assert.False(t, hole(ss[1]), "the copy's /Contents is not where its /ByteRange says")
	})
	t.Run("SWA: the gap holds more than /Contents", func(t *testing.T) {
		f := open(t, "swa/siwa.pdf")
		assert.Contains(t, kinds(f.Findings()), FindingOrphanXRef)
		ss := sigs(t, f)
		require.Len(t, ss, 1)
		assert.False(t, hole(ss[0]), "%v %v", ss[0].ByteRange, ss[0].ContentsSpan)
	})
	t.Run("USF: missing, empty or null /Contents or /ByteRange", func(t *testing.T) {
		matches, err := filepath.Glob(filepath.Join(attackDir, "usf/synthesized/*.pdf"))
		require.NoError(t, err)
		require.Len(t, matches, 8)
		for _, m := range matches {
			rel, _ := filepath.Rel(attackDir, m)
			f := open(t, rel)
			ss := sigs(t, f)
			require.NotEmpty(t, ss, rel)
			for _, s := range ss {
				ok := hole(s) && len(s.Contents) > 0 && s.ByteRange[1] > 0
				assert.False(t, ok, "%s looks like a usable signature", rel)
			}
		}
	})
	t.Run("page tree loops", func(t *testing.T) {
		for _, p := range []string{"dos/loop/A3-pages-tree-loop-simple.pdf", "dos/loop/A4-pages-tree-loop-complex.pdf"} {
			_, err := open(t, p).Pages(0)
			assert.ErrorIs(t, err, ErrMalformed, p)
		}
	})
}

// gunzip streams a .gz into a temporary file.
func gunzip(t *testing.T, path string) *os.File {
	t.Helper()
	in, err := os.Open(path)
	require.NoError(t, err)
	defer in.Close()
	zr, err := gzip.NewReader(in)
	require.NoError(t, err)
	out, err := os.Create(filepath.Join(t.TempDir(), filepath.Base(strings.TrimSuffix(path, ".gz"))))
	require.NoError(t, err)
	t.Cleanup(func() { out.Close() })
	_, err = io.Copy(out, io.LimitReader(zr, 1<<30))
	require.NoError(t, err)
	return out
}

// Each bomb claims 10 GiB; reading it must end in ErrLimit (or, for the
// xref-stream bombs, any typed error from Open) quickly and with the heap
// far below the 256 MiB the corpus allows.
func TestDeflateBombs(t *testing.T) {
	var bombs []string
	for _, cf := range attackFiles(t) {
		if strings.HasSuffix(cf.path, ".gz") {
			bombs = append(bombs, cf.path)
		}
	}
	require.Len(t, bombs, 6)
	for _, b := range bombs {
		t.Run(b, func(t *testing.T) {
			fh := gunzip(t, filepath.Join(attackDir, b))
			st, err := fh.Stat()
			require.NoError(t, err)
			runtime.GC()
			start := time.Now()
			var openErr, decodeErr error
			peak := peakHeap(func() {
				f, err := Open(fh, st.Size(), nil)
				openErr = err
				if err != nil {
					return
				}
				for _, rv := range f.Revisions() {
					for _, e := range rv.Entries {
						ind, err := f.ObjectAt(rv.Index, Ref{Num: e.Num, Gen: e.Gen})
						if err != nil {
							continue
						}
						if s, ok := ind.Value.(*Stream); ok {
							r, err := f.StreamReader(s)
							if err == nil {
								_, err = io.Copy(io.Discard, r)
							}
							if err != nil {
								decodeErr = err
								return
							}
						}
					}
				}
			})
			elapsed := time.Since(start)
			if strings.Contains(b, "-xref") {
				require.Error(t, openErr)
				typed(t, "Open", openErr)
			} else {
				require.NoError(t, openErr)
				require.ErrorIs(t, decodeErr, ErrLimit)
			}
			t.Logf("%s: %v, peak heap %d MiB, open: %v, decode: %v", b, elapsed, peak>>20, openErr, decodeErr)
			assert.Less(t, elapsed, 5*time.Second)
			assert.Less(t, peak, uint64(256<<20))
		})
	}
}
