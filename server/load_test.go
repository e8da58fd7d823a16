package server

// Load test and parallel benchmark of POST /api/v1/verify over real HTTP on
// loopback: a ~100 KB PAdES-B-LT result PDF whose revocation data is
// embedded, verified offline (nothing fetched), as the portal would send it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// largeBLTPDF makes an uncompressed PDF and signs it at B-LT with the
// fixture's test PKI and time-stamp authority, so that it verifies with no
// network; it adds pages until the signed file is at least size bytes.
func largeBLTPDF(t testing.TB, f *fixture, size int) []byte {
	t.Helper()
	tsa, err := f.pki.ServeTSA()
	require.NoError(t, err)
	opts := &sign.Options{Level: sign.LevelBLT, TSA: tsa, Roots: f.pki.PKI.Roots()}
	line := "Certificate of residence 20250417000123: the applicant lives at the registered address. "
	var signed []byte
	// A page of this text is about 9 KB and the B-LT signature with its
	// certificates, OCSP responses and CRLs about 40 KB.
	for pages := 1; len(signed) < size; pages++ {
		doc := fpdf.New("P", "mm", "A4", "")
		doc.SetCompression(false)
		doc.SetFont("Helvetica", "", 9)
		for range pages {
			doc.AddPage()
			for range 60 {
				doc.CellFormat(0, 4, line, "", 1, "L", false, 0, "")
			}
		}
		var in bytes.Buffer
		require.NoError(t, doc.Output(&in))
		if in.Len()+40<<10 < size {
			continue
		}
		out, err := os.Create(filepath.Join(t.TempDir(), "signed.pdf"))
		require.NoError(t, err)
		require.NoError(t, sign.PAdES(context.Background(), f.pki.PKI.Executor.Signer(), bytes.NewReader(in.Bytes()), int64(in.Len()), out, opts, nil))
		require.NoError(t, out.Close())
		signed, err = os.ReadFile(out.Name())
		require.NoError(t, err)
	}
	return signed
}

// loadTarget is a verifier on a loopback port with revocation fetching off,
// and the multipart body that uploads pdf to it.
type loadTarget struct {
	url, ctype string
	body       []byte
	client     *http.Client
	fetches    func() int // requests the test PKI's OCSP and CRL endpoints have had
}

func newLoadTarget(t testing.TB, clients int) *loadTarget {
	t.Helper()
	f := newFixture(t, func(c *Config) {
		c.Policy.OnlineHosts = nil // offline: only what the PDF embeds
		c.Queue = 2 * clients      // every client may wait for a worker; none is refused
	})
	pdf := largeBLTPDF(t, f, 100<<10)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("file", "result.pdf")
	require.NoError(t, err)
	w.Write(pdf)
	require.NoError(t, mw.Close())
	ts := httptest.NewServer(f.srv)
	t.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	t.Cleanup(tr.CloseIdleConnections)
	lt := &loadTarget{url: ts.URL + "/api/v1/verify", ctype: mw.FormDataContentType(), body: body.Bytes(),
		client:  &http.Client{Transport: tr, Timeout: 30 * time.Second},
		fetches: func() int { return f.pki.Requests("/ocsp") + f.pki.Requests("/crl") }}
	// The fixture's PKI is not needed while verifying: prove it by
	// counting its requests around a first check.
	before := lt.fetches()
	require.NoError(t, lt.check(t.Context()))
	require.Equal(t, before, lt.fetches(), "the verifier fetched revocation data")
	return lt
}

// check posts the PDF once and fails unless the answer is TOTAL_PASSED.
func (lt *loadTarget) check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lt.url, bytes.NewReader(lt.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", lt.ctype)
	resp, err := lt.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	var r verify.Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if r.Indication != verify.TotalPassed {
		return fmt.Errorf("indication %s/%s", r.Indication, r.SubIndication)
	}
	return nil
}

// TestLoadVerifyPDF sends at most maxRequests uploads from 8 concurrent
// clients within a time budget, requires every one to pass, and logs the
// rate and latency percentiles. It asserts no throughput figure: the
// machine's load varies; the benchmark below and the logs are the measure.
func TestLoadVerifyPDF(t *testing.T) {
	const clients = 8
	maxRequests, budget := 3000, 15*time.Second
	if testing.Short() {
		maxRequests, budget = 200, 5*time.Second
	}
	lt := newLoadTarget(t, clients)
	fetchesBefore := lt.fetches()

	ctx, cancel := context.WithTimeout(t.Context(), budget)
	defer cancel()
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		errs      []error
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(maxRequests) && ctx.Err() == nil {
				t0 := time.Now()
				err := lt.check(ctx)
				d := time.Since(t0)
				if ctx.Err() != nil {
					return // the budget ran out mid-request: not the server's error
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	require.Empty(t, errs, "%d of %d requests failed", len(errs), len(errs)+len(latencies))
	require.NotEmpty(t, latencies)
	require.Equal(t, fetchesBefore, lt.fetches(), "the verifier fetched revocation data under load")
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	t.Logf("%d verifications of a %d-byte PAdES-B-LT upload by %d clients in %v (GOMAXPROCS=%d): %.0f/s, p50 %v, p99 %v, max %v",
		len(latencies), len(lt.body), clients, elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), float64(len(latencies))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))
}

// BenchmarkVerifyEndpointParallel measures the same upload over loopback
// HTTP from GOMAXPROCS×8 goroutines (b.SetParallelism(8)): the
// server's throughput including HTTP, multipart parsing, PAdES-B-LT
// verification, the audit write and the JSON report.
func BenchmarkVerifyEndpointParallel(b *testing.B) {
	lt := newLoadTarget(b, 8*runtime.GOMAXPROCS(0))
	b.SetBytes(int64(len(lt.body)))
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := lt.check(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
