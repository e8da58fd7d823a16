package server

// Tests and a benchmark of uploads whose signed content is spooled to a
// temporary file.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// bigDetached returns content of n bytes and a detached signature over it.
func bigDetached(tb testing.TB, f *fixture, n int) (content, sig []byte) {
	tb.Helper()
	content = bytes.Repeat([]byte("residence "), n/10+1)[:n]
	sig, err := sign.CAdES(context.Background(), f.pki.PKI.Executor.Signer(), bytes.NewReader(content), nil)
	require.NoError(tb, err)
	return content, sig
}

func TestUploadSpool(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := newFixture(t, func(c *Config) { c.MaxUpload = 8 << 20 })
	content, sig := bigDetached(t, f, 3*spoolAbove)
	changed := bytes.Clone(content)
	changed[len(changed)-1] ^= 1
	for _, tc := range []struct {
		name    string
		parts   [][2]string
		status  int
		want    verify.Indication
		failure string
	}{
		{"at the threshold", nil, http.StatusOK, verify.TotalPassed, ""}, // filled in below
		{"spooled", [][2]string{{"file", string(sig)}, {"content", string(content)}}, http.StatusOK, verify.TotalPassed, ""},
		{"spooled, last byte changed", [][2]string{{"file", string(sig)}, {"content", string(changed)}}, http.StatusOK, verify.TotalFailed, "DIGEST_MISMATCH"},
		{"content before file", [][2]string{{"content", string(content)}, {"file", string(sig)}}, http.StatusOK, verify.TotalPassed, ""},
		{"over the upload limit", [][2]string{{"file", string(sig)}, {"content", string(bytes.Repeat(content, 3))}}, http.StatusRequestEntityTooLarge, "", ""},
		{"two contents", [][2]string{{"file", string(sig)}, {"content", "a"}, {"content", string(content)}}, http.StatusBadRequest, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.parts == nil {
				c, s := bigDetached(t, f, spoolAbove)
				tc.parts = [][2]string{{"file", string(s)}, {"content", string(c)}}
			}
			rec := f.do(upload(t, "/api/v1/verify", tc.parts...))
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.want != "" {
				var report verify.Report
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &report))
				assert.Equal(t, tc.want, report.Indication)
				if tc.failure != "" {
					assert.Contains(t, rec.Body.String(), tc.failure)
				}
			}
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "temporary files left behind")
		})
	}
}

func TestSpoolDiskError(t *testing.T) {
	f := newFixture(t)
	content, sig := bigDetached(t, f, 2*spoolAbove)
	t.Setenv("TMPDIR", "/nonexistent/tamga")
	rec := f.do(upload(t, "/api/v1/verify", [2]string{"file", string(sig)}, [2]string{"content", string(content)}))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, f.logs.String(), "upload spool failed")
}

// BenchmarkUploadBigContent verifies a detached signature over 16 MiB of
// content through the handler; its B/op shows what an upload holds.
func BenchmarkUploadBigContent(b *testing.B) {
	f := newFixture(b, func(c *Config) { c.MaxUpload = 32 << 20 })
	content, sig := bigDetached(b, f, 16<<20)
	reqBody := func() *http.Request {
		return upload(b, "/api/v1/verify", [2]string{"file", string(sig)}, [2]string{"content", string(content)})
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		b.StopTimer()
		req := reqBody()
		b.StartTimer()
		rec := f.do(req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
