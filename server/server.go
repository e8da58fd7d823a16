package server

// This file holds the Server type, its configuration, routes and the
// middleware every response goes through.

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/registry"
	"github.com/tamgasign/tamga/verify"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults for the zero fields of a Config.
const (
	DefaultMaxUpload   = 20 << 20
	DefaultLookupRate  = 0.2 // tokens per second: one lookup per 5 s sustained
	DefaultLookupBurst = 10
	DefaultQueueWait   = 10 * time.Second
)

// Config configures a Server.
type Config struct {
	// Registry is the register of issued documents and the audit log.
	// Required.
	Registry *registry.Registry
	// Policy validates uploaded signatures: its Roots are the trust
	// anchors (--trust), its OnlineHosts the hosts revocation data may be
	// fetched from (none: nothing is fetched; New sets Online from it).
	Policy verify.Policy
	// SealTrustList is the checked seal trust list; nil makes the seal
	// page answer that seals cannot be checked. ReloadSealTrustList and
	// WatchSealTrustList replace it while the server runs.
	SealTrustList *seal.TrustList

	// MaxUpload is the largest request body of an upload, in bytes;
	// 0 means DefaultMaxUpload.
	MaxUpload int64
	// Workers is how many verifications run at once (0: twice the number
	// of CPUs, as a worker also waits for its upload to arrive and its
	// audit record to commit), Queue how many more may wait for one (0:
	// 2×Workers) and QueueWait how long they wait (0: DefaultQueueWait).
	// Anything past that is answered 503 at once.
	Workers, Queue int
	QueueWait      time.Duration
	// LookupRate (per second) and LookupBurst set each client's token
	// bucket for lookups by number and code; 0 means the defaults.
	LookupRate  float64
	LookupBurst int

	// TrustedProxies are the reverse proxies (e.g. the portal's load
	// balancer) whose X-Forwarded-For is believed: for a request from one
	// of them, the client is the right-most address in the header that is
	// not itself a trusted proxy. Without them the header is ignored, as
	// anyone can send it.
	TrustedProxies []netip.Prefix

	// Logger receives one line per request, without personal data; nil
	// means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the public verifier; it is an http.Handler.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	pages   *template.Template
	slots   chan struct{}
	waiting atomic.Int64
	lookups *rateLimiter
	log     *slog.Logger
	now     func() time.Time

	sealList atomic.Pointer[seal.TrustList] // the seal trust list in use
	reloadMu sync.Mutex                     // one reload at a time
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, errors.New("server: Config.Registry is required")
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2 * runtime.NumCPU()
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 2 * cfg.Workers
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = DefaultQueueWait
	}
	if cfg.LookupRate <= 0 {
		cfg.LookupRate = DefaultLookupRate
	}
	if cfg.LookupBurst <= 0 {
		cfg.LookupBurst = DefaultLookupBurst
	}
	// Nothing an uploaded file names is fetched unless hosts are
	// allow-listed.
	cfg.Policy.Online = len(cfg.Policy.OnlineHosts) > 0
	if cfg.Policy.Cache == nil { // one cache of paths and revocation checks serves every upload
		cfg.Policy.Cache = verify.NewCache(4096)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), slots: make(chan struct{}, cfg.Workers),
		lookups: newRateLimiter(cfg.LookupRate, cfg.LookupBurst), log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.sealList.Store(cfg.SealTrustList)
	var err error
	s.pages, err = template.New("").Funcs(template.FuncMap{
		"t":         text,
		"languages": func() []string { return languages },
		"inc":       func(i int) int { return i + 1 },
		"localize":  func(m verify.Message, lang string) string { return m.Localize(lang) },
		"date":      func(t time.Time) string { return t.Format(time.DateOnly) },
		"datetime":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("POST /api/v1/verify", s.handleVerifyAPI)
	s.mux.HandleFunc("POST /verify", s.handleVerifyPage)
	// The result page's language links and a reload of it arrive here as
	// GETs: send them to the upload page in that language.
	s.mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		target := "/"
		if lang := r.URL.Query().Get("lang"); lang != "" {
			target += "?" + url.Values{"lang": {lang}}.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /api/v1/documents/{number}", s.handleLookupAPI)
	s.mux.HandleFunc("GET /lookup", s.handleLookupPage)
	s.mux.HandleFunc("GET /s/{seal}", s.handleSeal)
	s.mux.HandleFunc("GET /S/{seal}", s.handleSeal)
	s.mux.HandleFunc("/", s.handleNotFound)
	return s, nil
}

// ServeHTTP sets the security headers, serves the request and logs it
// without personal data: the route pattern, not the path (which may hold a
// document number or a seal with a name).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("route", r.Pattern),
		slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// acquire takes a verification worker, waiting at most QueueWait behind at
// most Queue others; false means answer 503.
func (s *Server) acquire(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	if s.waiting.Add(1) > int64(s.cfg.Queue) {
		s.waiting.Add(-1)
		return false
	}
	defer s.waiting.Add(-1)
	t := time.NewTimer(s.cfg.QueueWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (s *Server) release() { <-s.slots }

// clientHash is the registry's salted hash of the client's IP address
// (without the port, so one client's connections share a bucket).
func (s *Server) clientHash(r *http.Request) string {
	return s.cfg.Registry.ClientHash(s.clientAddr(r))
}

// clientAddr is the client's IP address: the peer's, or behind a trusted
// proxy the right-most untrusted X-Forwarded-For entry.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-32; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // a malformed entry: stop at the last address we can name
		}
		host = hop
		if !s.trusted(hop) {
			break
		}
	}
	return host
}

func (s *Server) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// recordCheck writes the audit entry; a failure is logged, not shown to
// the public, whose answer is already decided.
func (s *Server) recordCheck(r *http.Request, kind, subject, outcome string) {
	// Not cancelled with the request: a client that hangs up has still
	// made a check, and the rules require every access to be recorded.
	err := s.cfg.Registry.RecordCheck(context.WithoutCancel(r.Context()), registry.Check{Kind: kind, Subject: subject, Outcome: outcome, ClientHash: s.clientHash(r)})
	if err != nil {
		s.log.Error("audit log write failed", slog.String("kind", kind), slog.String("error", err.Error()))
	}
}

// apiError is an error answer: the HTTP status, a stable code for
// programs, and the UI string key (err.<code>) for people.
type apiError struct {
	status     int
	code       string
	retryAfter time.Duration
}

func (e *apiError) writeJSON(w http.ResponseWriter, lang string) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.retryAfter.Seconds())+1))
	}
	writeJSON(w, e.status, map[string]string{"code": e.code, "message": text(lang, "err."+e.code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// page is what every template gets.
type page struct {
	Lang  string
	Error string // a UI key
	Data  any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	if err := s.pages.ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("template failed", slog.String("template", name), slog.String("error", err.Error()))
	}
}

func lang(r *http.Request) string {
	return pickLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "index.html", page{Lang: lang(r)})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error.html", page{Lang: lang(r), Error: "err.not_found"})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Registry.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
