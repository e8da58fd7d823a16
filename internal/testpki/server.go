// This file holds the HTTP side: Handler, which publishes a PKI, and
// Server, an httptest server that counts what clients fetch.

package testpki

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
)

// Handler returns an http.Handler that publishes the PKI in the layout
// Config.BaseURL describes:
//
//	POST /ocsp, GET /ocsp/<base64 request>  OCSP (see OCSPHandler)
//	GET  /crl/<name>.crl                    a fresh DER CRL of identity <name>
//	GET  /ca/<name>.cer                     the DER certificate of identity <name>
//
// It dispatches on the path itself rather than through http.ServeMux,
// whose path cleaning would turn "//" inside an unescaped base64 OCSP GET
// request into "/"; mount it at the server root.
func (p *PKI) Handler() http.Handler {
	return http.HandlerFunc(p.serveHTTP)
}

// pkiPath reports whether Handler serves path.
func pkiPath(path string) bool {
	return path == "/ocsp" || strings.HasPrefix(path, "/ocsp/") ||
		strings.HasPrefix(path, "/crl/") || strings.HasPrefix(path, "/ca/")
}

func (p *PKI) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/ocsp" || strings.HasPrefix(path, "/ocsp/") {
		p.serveOCSP(w, r, strings.TrimPrefix(strings.TrimPrefix(path, "/ocsp"), "/"))
		return
	}
	var name, ext string
	switch {
	case strings.HasPrefix(path, "/crl/") && strings.HasSuffix(path, ".crl"):
		name, ext = path[len("/crl/"):len(path)-len(".crl")], ".crl"
	case strings.HasPrefix(path, "/ca/") && strings.HasSuffix(path, ".cer"):
		name, ext = path[len("/ca/"):len(path)-len(".cer")], ".cer"
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	id := p.byName[name]
	p.mu.Unlock()
	if id == nil {
		http.NotFound(w, r)
		return
	}
	if ext == ".cer" {
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(id.Cert.Raw)
		return
	}
	crl, err := p.CRL(id.Cert)
	if err != nil {
		// An identity without cRLSign (an end entity) has no CRL.
		http.Error(w, "no CRL for "+name, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(crl)
}

// Server is a running HTTP server (net/http/httptest) that publishes a PKI
// whose certificates point at it, and counts the requests it gets, so a
// test can assert that a verifier fetched revocation data, or that it did
// not. Further handlers, such as a time-stamp authority at /tsa, can be
// added with Handle.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:39113"; it is
	// the PKI's Config.BaseURL.
	URL string
	// PKI is the PKI the server publishes.
	PKI *PKI

	srv    *httptest.Server
	mux    *http.ServeMux
	pki    atomic.Pointer[PKI] // what the handler goroutines read
	mu     sync.Mutex
	counts map[string]int // requests by path
}

// NewServer starts a server, then builds a PKI with New(cfg) whose
// Config.BaseURL is the server's URL (cfg.BaseURL is ignored). Close the
// server when done.
func NewServer(cfg Config) (*Server, error) {
	s := &Server{mux: http.NewServeMux(), counts: make(map[string]int)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	cfg.BaseURL = s.URL
	p, err := New(cfg)
	if err != nil {
		s.srv.Close()
		return nil, err
	}
	s.PKI = p
	s.pki.Store(p)
	return s, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.URL.Path]++
	s.mu.Unlock()
	if p := s.pki.Load(); p != nil && pkiPath(r.URL.Path) {
		p.serveHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Handle registers a handler for a pattern (as http.ServeMux.Handle does)
// beside the PKI's paths, for example a time-stamp authority at "/tsa".
// Paths under /ocsp, /crl/ and /ca/ always go to the PKI.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Requests returns how many requests the server has received whose path
// starts with prefix: Requests("/ocsp") counts OCSP requests,
// Requests("/crl/") CRL downloads, Requests("/") everything.
func (s *Server) Requests(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for path, c := range s.counts {
		if strings.HasPrefix(path, prefix) {
			n += c
		}
	}
	return n
}

// Close shuts the server down and waits for its requests to finish.
func (s *Server) Close() { s.srv.Close() }
