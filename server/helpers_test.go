package server

// Test fixtures: a test PKI published over HTTP, a registry (a temporary
// SQLite file unless a test names another database), seal keys and a signed
// seal trust list, all made at run time.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/registry"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

type fixture struct {
	pki      *testpki.Server
	dsn      string // where reg is, for a second handle on the same database
	reg      *registry.Registry
	srv      *Server
	sealKey  *ecdsa.PrivateKey
	tl       *seal.TrustList
	cfg      Config
	logs     *bytes.Buffer
	content  []byte
	detached []byte // a CAdES-B-B detached signature over content
}

// newFixture is newFixtureOn a fresh SQLite file.
func newFixture(t testing.TB, edit ...func(*Config)) *fixture {
	t.Helper()
	return newFixtureOn(t, "sqlite:"+filepath.Join(t.TempDir(), "registry.db"), edit...)
}

// newFixtureOn makes a server whose registry is the empty database dsn
// (any DSN registry.Open takes); edit may change its Config before New.
func newFixtureOn(t testing.TB, dsn string, edit ...func(*Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pki: testpki.NewTestServer(t), dsn: dsn, logs: &bytes.Buffer{}}
	var err error
	f.reg, err = registry.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { f.reg.Close() })

	f.content = []byte("<application><service>certificate of residence</service></application>")
	f.detached, err = sign.CAdES(ctx, f.pki.PKI.Executor.Signer(), bytes.NewReader(f.content), nil)
	require.NoError(t, err)

	f.sealKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	f.tl = trustList(t, f.sealKey, seal.KeyActive)

	u, err := url.Parse(f.pki.URL)
	require.NoError(t, err)
	f.cfg = Config{
		Registry:      f.reg,
		Policy:        pkiPolicy(f.pki.PKI.Roots(), u.Host),
		SealTrustList: f.tl,
		Workers:       2,
		Logger:        slog.New(slog.NewTextHandler(f.logs, nil)),
	}
	for _, e := range edit {
		e(&f.cfg)
	}
	f.srv, err = New(f.cfg)
	require.NoError(t, err)
	return f
}

func pkiPolicy(roots *x509.CertPool, host string) (p verify.Policy) {
	p.Roots = roots
	p.OnlineHosts = []string{host}
	return p
}

var today = time.Now().UTC().Truncate(24 * time.Hour)

func trustList(t testing.TB, key *ecdsa.PrivateKey, status seal.KeyStatus) *seal.TrustList {
	t.Helper()
	op, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	kid, err := seal.KeyIDOf(&key.PublicKey)
	require.NoError(t, err)
	tl := &seal.TrustList{Sequence: 1, Issued: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour),
		Keys: []seal.TrustedKey{{KeyID: kid, IssuerID: "GRS", Algorithm: seal.ECDSAP256, PublicKey: &key.PublicKey,
			NotBefore: today.AddDate(0, -1, 0), NotAfter: today.AddDate(1, 0, 0), Status: status,
			Names: map[string]string{"ky": "Мамлекеттик каттоо кызматы", "ru": "Государственная регистрационная служба", "en": "State Registration Service"}}}}
	payload, sig, err := seal.SignTrustList(context.Background(), tl, op)
	require.NoError(t, err)
	parsed, err := seal.ParseTrustList(payload, sig, &op.PublicKey)
	require.NoError(t, err)
	return parsed
}

// sealPath seals a document and returns the path its QR code opens.
func (f *fixture) sealPath(t testing.TB, number string) string {
	return f.sealPathExpiring(t, number, time.Time{})
}

// sealPathExpiring is sealPath for a document valid until expiry.
func (f *fixture) sealPathExpiring(t testing.TB, number string, expiry time.Time) string {
	t.Helper()
	b, err := seal.Sign(context.Background(), &seal.Document{IssuerID: "GRS", DocType: 101, Number: number, IssueDate: today.AddDate(0, 0, -2),
		ExpiryDate: expiry, HolderName: "Асанова Айгүл Бакытбековна", Data: []byte(`{"number":"` + number + `"}`)}, f.sealKey)
	require.NoError(t, err)
	u, err := seal.EncodeURL("check.tunduk.kg", b)
	require.NoError(t, err)
	return u[strings.Index(u, "/S/"):]
}

// register adds a document matching sealPath's seal and returns its code.
func (f *fixture) register(t testing.TB, number string) string {
	t.Helper()
	kid, err := seal.KeyIDOf(&f.sealKey.PublicKey)
	require.NoError(t, err)
	code, err := f.reg.Register(context.Background(), registry.Document{Number: number, Type: 101, Issuer: "GRS",
		HolderName: "Асанова Айгүл Бакытбековна", IssueDate: today.AddDate(0, 0, -2), SealKeyID: kid.String()})
	require.NoError(t, err)
	return code
}

// upload builds a multipart request with the given parts (name → bytes).
func upload(t testing.TB, target string, parts ...[2]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		w, err := mw.CreateFormFile(p[0], p[0]+".bin")
		require.NoError(t, err)
		w.Write([]byte(p[1]))
	}
	require.NoError(t, mw.Close())
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func (f *fixture) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}
