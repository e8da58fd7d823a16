package verify_test

// Tests of Cache: a cached validation reports exactly what an uncached one
// does, tampered validation data is rejected whatever the cache holds, and
// one cache serves concurrent validations.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// cacheCase is one file to validate and the verdict it must get.
type cacheCase struct {
	name    string
	pdf     bool
	sig     []byte
	content []byte
	want    verify.Indication
}

// cacheCorpus signs files that exercise every cached check: paths to the
// root (executor, TSA), embedded OCSP responses and CRLs, and failures of
// each kind.
func cacheCorpus(t *testing.T) (*testpki.PKI, []cacheCase) {
	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	require.NoError(t, err)
	p := srv.PKI
	ocspGood, err := p.OCSPResponse(p.Executor.Cert, nil)
	require.NoError(t, err)
	rootCRL, err := p.CRL(p.Root.Cert)
	require.NoError(t, err)
	revoked, err := p.Issue(testpki.LeafSpec{Name: "revoked-cache"})
	require.NoError(t, err)
	require.NoError(t, p.Revoke(revoked.Cert, time.Now().Add(-time.Minute), 1))
	ocspRevoked, err := p.OCSPResponse(revoked.Cert, nil)
	require.NoError(t, err)
	expired, err := p.Issue(testpki.LeafSpec{Name: "expired-cache", NotBefore: time.Now().Add(-50 * time.Minute), NotAfter: time.Now().Add(-10 * time.Minute)})
	require.NoError(t, err)
	stranger, err := p.Stranger()
	require.NoError(t, err)

	blt := signPDFBytes(t, p.Executor, pdftest.OnePage("cache"), &sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots()})
	tampered := bytes.Clone(blt)
	i := bytes.Index(tampered, []byte("cache"))
	require.Positive(t, i)
	tampered[i] = 'C'
	return p, []cacheCase{
		{name: "CAdES with OCSP and CRL", sig: signBBWith(t, p.Executor, content, ocspGood, rootCRL), content: content, want: verify.TotalPassed},
		{name: "CAdES revoked", sig: signBBWith(t, revoked, content, ocspRevoked, rootCRL), content: content, want: verify.Indeterminate},
		{name: "CAdES without revocation data", sig: signBBWith(t, p.Executor, content, rootCRL), content: content, want: verify.Indeterminate},
		{name: "CAdES expired", sig: signBBWith(t, expired, content), content: content, want: verify.Indeterminate},
		{name: "CAdES unknown root", sig: signBBWith(t, stranger, content), content: content, want: verify.Indeterminate},
		{name: "PAdES B-LT", pdf: true, sig: blt, want: verify.TotalPassed},
		{name: "PAdES B-LT changed", pdf: true, sig: tampered, want: verify.TotalFailed},
	}
}

func validate(t testing.TB, c cacheCase, p *verify.Policy) *verify.Report {
	var r *verify.Report
	var err error
	if c.pdf {
		r, err = verify.PDF(context.Background(), bytes.NewReader(c.sig), int64(len(c.sig)), p)
	} else {
		r, err = verify.CMS(context.Background(), c.sig, bytes.NewReader(c.content), p)
	}
	require.NoError(t, err)
	return r
}

func reportJSON(t testing.TB, r *verify.Report) string {
	b, err := json.Marshal(r)
	require.NoError(t, err)
	return string(b)
}

func TestCacheSameReport(t *testing.T) {
	if verify.SharedTestCache() {
		t.Log("runs in the first pass only: in the second, a Policy without a Cache is not uncached")
		return
	}
	p, cases := cacheCorpus(t)
	now := time.Now()
	clock := func() time.Time { return now }
	plain := &verify.Policy{Roots: p.Roots(), Now: clock}
	cached := &verify.Policy{Roots: p.Roots(), Now: clock, Cache: verify.NewCache(1000)}
	// tiny evicts all the time; the rounds are cold, warm and warm again.
	tiny := &verify.Policy{Roots: p.Roots(), Now: clock, Cache: verify.NewCache(2)}
	for round := range 3 {
		for _, c := range cases {
			want := validate(t, c, plain)
			require.Equal(t, c.want, want.Indication, c.name)
			for _, pol := range []*verify.Policy{cached, tiny} {
				got := validate(t, c, pol)
				require.Equal(t, reportJSON(t, want), reportJSON(t, got), "%s, round %d", c.name, round)
			}
		}
	}
	require.Positive(t, cached.Cache.Len())
	require.LessOrEqual(t, tiny.Cache.Len(), 2)

	// Validated later, the expired signer's path is out of its span and
	// must not be served from the cache: the same report as uncached.
	later := now.Add(time.Hour)
	plain.Now = func() time.Time { return later }
	cached.Now = plain.Now
	for _, c := range cases {
		require.Equal(t, reportJSON(t, validate(t, c, plain)), reportJSON(t, validate(t, c, cached)), c.name)
	}
}

// TestCacheRejectsTampered warms a cache with valid validation data, then
// offers look-alikes: the same OCSP response or CRL with one byte of its
// signature changed, and an intermediate with the same subject, serial
// and validity but another key. Each must fail as it does uncached.
func TestCacheRejectsTampered(t *testing.T) {
	p := testpki.NewTest(t)
	ocspGood, err := p.OCSPResponse(p.Executor.Cert, nil)
	require.NoError(t, err)
	rootCRL, err := p.CRL(p.Root.Cert)
	require.NoError(t, err)
	cache := verify.NewCache(100)
	pol := &verify.Policy{Roots: p.Roots(), Cache: cache}
	good := signBBWith(t, p.Executor, content, ocspGood, rootCRL)
	requireVerdict(t, run(t, good, content, pol), verify.TotalPassed, "")

	flipLast := func(der []byte) []byte { // the last byte is in the signature value
		b := bytes.Clone(der)
		b[len(b)-1] ^= 1
		return b
	}
	t.Run("OCSP response signature", func(t *testing.T) {
		r := run(t, signBBWith(t, p.Executor, content, flipLast(ocspGood), rootCRL), content, pol)
		requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	})
	t.Run("CRL signature", func(t *testing.T) {
		r := run(t, signBBWith(t, p.Executor, content, ocspGood, flipLast(rootCRL)), content, pol)
		requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	})
	t.Run("OCSP responder the issuer did not certify", func(t *testing.T) {
		// A responder certificate with the delegated responder's names
		// and extensions, certified by a look-alike of the intermediate
		// with another key: the response's own signature verifies, the
		// responder's certificate does not.
		resp, err := ocsp.ParseResponse(ocspGood, nil)
		require.NoError(t, err)
		require.NotNil(t, resp.Certificate, "the test PKI's responder is delegated")
		fakeKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		fakeIssuer := *p.Intermediate.Cert
		fakeIssuer.PublicKey = fakeKey.Public()
		tmpl := *resp.Certificate
		der, err := x509.CreateCertificate(rand.Reader, &tmpl, &fakeIssuer, fakeKey.Public(), fakeKey)
		require.NoError(t, err)
		fake, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		forged, err := p.OCSPResponse(p.Executor.Cert, &testpki.OCSPOptions{Signer: &testpki.Identity{Cert: fake, Key: fakeKey}})
		require.NoError(t, err)
		r := run(t, signBBWith(t, p.Executor, content, forged, rootCRL), content, pol)
		requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	})
	t.Run("intermediate with another key", func(t *testing.T) {
		// A twin of the intermediate, self-consistent but signed by a key
		// the root never certified, issues a twin of the executor: same
		// names, serials and validity, other keys and signatures.
		twinKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		fakeRoot := *p.Root.Cert // the root's names and key id, another key
		fakeRoot.PublicKey = twinKey.Public()
		interTmpl := *p.Intermediate.Cert
		twinInterDER, err := x509.CreateCertificate(rand.Reader, &interTmpl, &fakeRoot, twinKey.Public(), twinKey)
		require.NoError(t, err)
		twinInter, err := x509.ParseCertificate(twinInterDER)
		require.NoError(t, err)
		leafTmpl := *p.Executor.Cert
		leafTmpl.SerialNumber = new(big.Int).Set(p.Executor.Cert.SerialNumber)
		twinLeafDER, err := x509.CreateCertificate(rand.Reader, &leafTmpl, twinInter, p.Executor.Key.Public(), twinKey)
		require.NoError(t, err)
		twinLeaf, err := x509.ParseCertificate(twinLeafDER)
		require.NoError(t, err)
		require.Equal(t, p.Executor.Cert.RawSubject, twinLeaf.RawSubject)

		twin := &testpki.Identity{Cert: twinLeaf, Key: p.Executor.Key, Chain: []*x509.Certificate{twinLeaf, twinInter}}
		sd, err := cms.Parse(signBBWith(t, twin, content, ocspGood, rootCRL))
		require.NoError(t, err)
		sig, err := sd.Marshal()
		require.NoError(t, err)
		want := run(t, sig, content, &verify.Policy{Roots: p.Roots()})
		require.NotEqual(t, verify.TotalPassed, want.Indication)
		got := run(t, sig, content, pol)
		require.Equal(t, want.Indication, got.Indication)
		require.Equal(t, want.Signatures[0].SubIndication, got.Signatures[0].SubIndication)
	})
	// The genuine file still passes after the look-alikes.
	requireVerdict(t, run(t, good, content, pol), verify.TotalPassed, "")
}

// TestCacheConcurrent validates the corpus from many goroutines through
// one small cache (so entries are evicted while others read them); run
// with -race.
func TestCacheConcurrent(t *testing.T) {
	p, cases := cacheCorpus(t)
	now := time.Now()
	pol := &verify.Policy{Roots: p.Roots(), Now: func() time.Time { return now }, Cache: verify.NewCache(8)}
	want := make([]string, len(cases))
	for i, c := range cases {
		want[i] = reportJSON(t, validate(t, c, &verify.Policy{Roots: p.Roots(), Now: pol.Now}))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 3 * len(cases) {
				c := (i + g) % len(cases)
				if got := reportJSON(t, validate(t, cases[c], pol)); got != want[c] && !verify.SharedTestCache() {
					t.Errorf("%s: cached report differs", cases[c].name)
				}
			}
		})
	}
	wg.Wait()
}

func TestStableSpan(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := func(from, to int) *x509.Certificate {
		return &x509.Certificate{NotBefore: t0.AddDate(0, 0, from), NotAfter: t0.AddDate(0, 0, to)}
	}
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	tests := []struct {
		name        string
		at          time.Time
		certs       []*x509.Certificate
		from, until time.Time
	}{
		{"all valid", day(5), []*x509.Certificate{cert(0, 10), cert(2, 20)}, day(2), day(10)},
		{"one expired", day(15), []*x509.Certificate{cert(0, 10), cert(2, 20)}, day(10).Add(time.Nanosecond), day(20)},
		{"one not yet valid", day(1), []*x509.Certificate{cert(0, 10), cert(2, 20)}, day(0), day(2).Add(-time.Nanosecond)},
		{"on NotAfter", day(10), []*x509.Certificate{cert(0, 10)}, day(0), day(10)},
	}
	for _, tt := range tests {
		from, until := verify.StableSpan(tt.at, tt.certs)
		require.True(t, from.Equal(tt.from), "%s: from %v, want %v", tt.name, from, tt.from)
		require.True(t, until.Equal(tt.until), "%s: until %v, want %v", tt.name, until, tt.until)
	}
}
