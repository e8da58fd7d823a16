//go:build unix

package server

// Load test and parallel benchmark of POST /api/v1/verify over real HTTP on
// loopback (unix only: they read the process's CPU time with getrusage): a ~100 KB PAdES-B-LT result PDF whose revocation data is
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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// corpusSize is how many distinct signed PDFs the load test and the
// benchmark rotate among: enough that a cache of per-document results
// (the report of a file already seen) would miss, as the portal's traffic
// of many different result documents does.
const corpusSize = 48

// signedCorpus makes n distinct uncompressed PDFs of at least size bytes
// (each page carries a different document number) and signs each at B-LT
// with the fixture's executor and time-stamp authority, so that each
// verifies with no network. sharedOCSP makes every signing reuse one OCSP
// response per certificate, as a responder that pre-produces responses
// (RFC 5019) answers in practice; without it each document embeds OCSP
// responses of its own, the worst case for the verifier's cache.
func signedCorpus(t testing.TB, f *fixture, n, size int, sharedOCSP bool) [][]byte {
	t.Helper()
	tsa, err := f.pki.ServeTSA()
	require.NoError(t, err)
	client := &http.Client{Timeout: 30 * time.Second}
	if sharedOCSP {
		client.Transport = &memoTransport{next: http.DefaultTransport, seen: map[string][]byte{}}
	}
	opts := &sign.Options{Level: sign.LevelBLT, TSA: tsa, Roots: f.pki.PKI.Roots(), HTTPClient: client}
	// A page of this text is about 9 KB and the B-LT signature with its
	// certificates, OCSP responses and CRLs about 40 KB.
	pages := 1 + max(0, size-40<<10)/(9<<10)
	out := make([][]byte, n)
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range out {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var err error
			if out[i], err = signOne(f, dir, opts, pages, size, i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return out
}

func signOne(f *fixture, dir string, opts *sign.Options, pages, size, i int) ([]byte, error) {
	for ; ; pages++ {
		doc := fpdf.New("P", "mm", "A4", "")
		doc.SetCompression(false)
		doc.SetFont("Helvetica", "", 9)
		line := fmt.Sprintf("Certificate of residence 2025041700%04d: the applicant lives at the registered address. ", i)
		for range pages {
			doc.AddPage()
			for range 60 {
				doc.CellFormat(0, 4, line, "", 1, "L", false, 0, "")
			}
		}
		var in bytes.Buffer
		if err := doc.Output(&in); err != nil {
			return nil, err
		}
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("signed-%d.pdf", i)))
		if err != nil {
			return nil, err
		}
		err = sign.PAdES(context.Background(), f.pki.PKI.Executor.Signer(), bytes.NewReader(in.Bytes()), int64(in.Len()), out, opts, nil)
		out.Close()
		if err != nil {
			return nil, err
		}
		signed, err := os.ReadFile(out.Name())
		if err != nil || len(signed) >= size {
			return signed, err
		}
	}
}

// memoTransport answers a request it has seen before (same method, URL
// and body) with the first answer, as a caching OCSP responder does.
type memoTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string][]byte
}

func (m *memoTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	memo := strings.HasSuffix(req.URL.Path, "/ocsp") || strings.Contains(req.URL.Path, "/ocsp/")
	key := req.Method + " " + req.URL.String() + "\x00" + string(body)
	m.mu.Lock()
	raw, ok := m.seen[key]
	m.mu.Unlock()
	if !memo || !ok {
		resp, err := m.next.RoundTrip(req)
		if err != nil || !memo || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		if prev, ok := m.seen[key]; ok {
			raw = prev
		} else {
			m.seen[key] = raw
		}
		m.mu.Unlock()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"application/ocsp-response"}},
		Body: io.NopCloser(bytes.NewReader(raw)), ContentLength: int64(len(raw)), Request: req}, nil
}

// loadTarget is a verifier on a loopback port with revocation fetching
// off, and the multipart bodies that upload a corpus of distinct signed
// PDFs to it, with one tampered copy among them.
type loadTarget struct {
	url     string
	uploads []upload1
	client  *http.Client
	fetches func() int // requests the test PKI's OCSP and CRL endpoints have had
}

// upload1 is one multipart body and the indication it must get.
type upload1 struct {
	ctype string
	body  []byte
	want  verify.Indication
}

func multipartPDF(t testing.TB, pdf []byte) (ctype string, body []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile("file", "result.pdf")
	require.NoError(t, err)
	w.Write(pdf)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

func newLoadTarget(t testing.TB, clients int, sharedOCSP bool, edit ...func(*Config)) *loadTarget {
	t.Helper()
	f := newFixture(t, append([]func(*Config){func(c *Config) {
		c.Policy.OnlineHosts = nil // offline: only what the PDF embeds
		c.Workers = 0              // the default, as tamga serve runs
		c.Queue = 2 * clients      // every client may wait for a worker; none is refused
	}}, edit...)...)
	corpus := signedCorpus(t, f, corpusSize, 100<<10, sharedOCSP)
	lt := &loadTarget{}
	for _, pdf := range corpus {
		ctype, body := multipartPDF(t, pdf)
		lt.uploads = append(lt.uploads, upload1{ctype, body, verify.TotalPassed})
	}
	// One document with a byte of its signed text changed must fail among
	// the others: a cache must never carry a pass over to it.
	bad := bytes.Clone(corpus[0])
	i := bytes.Index(bad, []byte("Certificate of residence"))
	require.Positive(t, i)
	bad[i] = 'c'
	ctype, body := multipartPDF(t, bad)
	lt.uploads = append(lt.uploads, upload1{ctype, body, verify.TotalFailed})

	ts := httptest.NewServer(f.srv)
	t.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	t.Cleanup(tr.CloseIdleConnections)
	lt.url = ts.URL + "/api/v1/verify"
	lt.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lt.fetches = func() int { return f.pki.Requests("/ocsp") + f.pki.Requests("/crl") }
	// The fixture's PKI is not needed while verifying: prove it by
	// counting its requests around a first check of each upload.
	before := lt.fetches()
	for i := range lt.uploads {
		require.NoError(t, lt.check(t.Context(), i))
	}
	require.Equal(t, before, lt.fetches(), "the verifier fetched revocation data")
	return lt
}

// check posts upload i (modulo their number) once and fails unless the
// answer has the indication that upload must get.
func (lt *loadTarget) check(ctx context.Context, i int) error {
	u := lt.uploads[i%len(lt.uploads)]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lt.url, bytes.NewReader(u.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", u.ctype)
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
	if r.Indication != u.want {
		return fmt.Errorf("upload %d: indication %s/%s, want %s", i%len(lt.uploads), r.Indication, r.SubIndication, u.want)
	}
	return nil
}

// TestLoadVerifyPDF sends at most maxRequests uploads of corpusSize
// distinct signed PDFs (and a tampered one) from 8 concurrent clients
// within a time budget, requires every one to get its verdict, and logs
// the rate and latency percentiles. It asserts no throughput figure: the
// machine's load varies; the benchmark below and the logs are the measure.
func TestLoadVerifyPDF(t *testing.T) {
	const clients = 8
	maxRequests, budget := 3000, 15*time.Second
	if testing.Short() {
		maxRequests, budget = 200, 5*time.Second
	}
	lt := newLoadTarget(t, clients, true)
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
	start, cpu0 := time.Now(), cpuTime(t)
	for range clients {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(maxRequests) && ctx.Err() == nil; i = next.Add(1) {
				t0 := time.Now()
				err := lt.check(ctx, int(i))
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
	elapsed, cpu := time.Since(start), cpuTime(t)-cpu0
	require.Empty(t, errs, "%d of %d requests failed", len(errs), len(errs)+len(latencies))
	require.NotEmpty(t, latencies)
	require.Equal(t, fetchesBefore, lt.fetches(), "the verifier fetched revocation data under load")
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	perOp := cpu / time.Duration(len(latencies)+len(errs))
	t.Logf("%d verifications of %d distinct ~%d-byte PAdES-B-LT uploads by %d clients in %v (GOMAXPROCS=%d): %.0f/s, p50 %v, p99 %v, max %v; CPU %v per verification (server and clients), at most %.0f/s on %d cores",
		len(latencies), len(lt.uploads), len(lt.uploads[0].body), clients, elapsed.Round(time.Millisecond), runtime.GOMAXPROCS(0), float64(len(latencies))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond),
		perOp.Round(time.Microsecond), float64(runtime.NumCPU())/perOp.Seconds(), runtime.NumCPU())
}

// BenchmarkVerifyEndpointParallel measures uploads of the corpus over
// loopback HTTP from GOMAXPROCS×8 goroutines (b.SetParallelism(8)): the
// server's throughput including HTTP, multipart parsing, PAdES-B-LT
// verification, the audit write and the JSON report. sharedOCSP: the
// documents share their OCSP responses (a pre-producing responder);
// ownOCSP: each embeds its own.
func BenchmarkVerifyEndpointParallel(b *testing.B) {
	for _, shared := range []bool{true, false} {
		name := "ownOCSP"
		if shared {
			name = "sharedOCSP"
		}
		b.Run(name, func(b *testing.B) {
			lt := newLoadTarget(b, 8*runtime.GOMAXPROCS(0), shared)
			b.SetBytes(int64(len(lt.uploads[0].body)))
			b.ReportAllocs()
			b.SetParallelism(8)
			var next atomic.Int64
			cpu0 := cpuTime(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := lt.check(context.Background(), int(next.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time the process (server and clients) has used: on a
// machine shared with other work it measures the cost of a verification
// where wall-clock rates measure the neighbours. The 2-core capacity is
// about 2 s divided by the CPU time per verification.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
