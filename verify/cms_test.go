package verify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/verify"
)

var content = []byte("Өтүнмө: жашаган жери тууралуу маалымкат берүүнү суранам.\n")

// signBB makes a detached CAdES-B-B over content with id, embedding the
// given revocation data.
func signBB(t *testing.T, id *testpki.Identity, data []byte, rev ...[]byte) []byte {
	return signBBWith(t, id, data, rev...)
}

func signBBWith(t testing.TB, id *testpki.Identity, data []byte, rev ...[]byte) []byte {
	t.Helper()
	d := sha256.Sum256(data)
	opts := &cms.SignOptions{Certificates: id.Chain, SigningTime: time.Now()}
	for _, r := range rev {
		if _, err := x509.ParseRevocationList(r); err == nil {
			opts.CRLs = append(opts.CRLs, r)
		} else {
			opts.OCSPResponses = append(opts.OCSPResponses, r)
		}
	}
	sd, err := cms.Sign(context.Background(), id.Key, id.Cert, d[:], opts)
	require.NoError(t, err)
	der, err := sd.Marshal()
	require.NoError(t, err)
	return der
}

func run(t *testing.T, sig, data []byte, p *verify.Policy) *verify.Report {
	t.Helper()
	r, err := verify.CMS(context.Background(), sig, bytes.NewReader(data), p)
	require.NoError(t, err)
	require.Len(t, r.Signatures, 1)
	return r
}

func requireVerdict(t *testing.T, r *verify.Report, ind verify.Indication, sub verify.SubIndication) {
	t.Helper()
	s := r.Signatures[0]
	if s.Indication != ind || s.SubIndication != sub {
		var texts []string
		for _, m := range s.Messages {
			texts = append(texts, string(m.Level)+" "+m.Code+": "+m.Text)
		}
		t.Fatalf("verdict %s/%s, want %s/%s; messages:\n%v", s.Indication, s.SubIndication, ind, sub, texts)
	}
	require.Equal(t, ind, r.Indication, "the file's verdict is its only signature's")
}

func TestCMSVerdicts(t *testing.T) {
	p := testpki.NewTest(t)
	ocspGood, err := p.OCSPResponse(p.Executor.Cert, nil)
	require.NoError(t, err)
	rootCRL, err := p.CRL(p.Root.Cert) // the intermediate's status
	require.NoError(t, err)
	offline := &verify.Policy{Roots: p.Roots()}

	t.Run("valid with embedded OCSP", func(t *testing.T) {
		r := run(t, signBB(t, p.Executor, content, ocspGood, rootCRL), content, offline)
		requireVerdict(t, r, verify.TotalPassed, "")
		s := r.Signatures[0]
		require.True(t, s.Integrity)
		require.True(t, s.CoversWholeDocument)
		require.Equal(t, verify.ChangesNone, s.ChangesAfterSigning)
		require.Equal(t, "CAdES-BASELINE-B", s.Level)
		require.Equal(t, p.Executor.Cert.Subject.CommonName, s.Signer.CommonName)
		require.NotNil(t, s.ClaimedSigningTime)
		require.Nil(t, s.TimestampTime)
	})
	t.Run("no revocation data offline", func(t *testing.T) {
		r := run(t, signBB(t, p.Executor, content, rootCRL), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	})
	t.Run("no revocation data, best effort", func(t *testing.T) {
		r := run(t, signBB(t, p.Executor, content), content, &verify.Policy{Roots: p.Roots(), Revocation: verify.RevocationBestEffort})
		requireVerdict(t, r, verify.TotalPassed, "")
	})
	t.Run("content changed", func(t *testing.T) {
		changed := bytes.Clone(content)
		changed[0] ^= 1
		r := run(t, signBB(t, p.Executor, content, ocspGood, rootCRL), changed, offline)
		requireVerdict(t, r, verify.TotalFailed, verify.HashFailure)
		require.False(t, r.Signatures[0].Integrity)
	})
	t.Run("signature value changed", func(t *testing.T) {
		sig := signBB(t, p.Executor, content, ocspGood, rootCRL)
		sd, err := cms.Parse(sig)
		require.NoError(t, err)
		bad := sd.SignerInfos[0].Signature
		i := bytes.Index(sig, bad)
		require.Positive(t, i)
		sig[i+len(bad)/2] ^= 0x40
		r := run(t, sig, content, offline)
		require.Equal(t, verify.TotalFailed, r.Indication)
		require.Contains(t, []verify.SubIndication{verify.SigCryptoFailure, verify.FormatFailure}, r.Signatures[0].SubIndication)
	})
	t.Run("unknown root", func(t *testing.T) {
		stranger, err := p.Stranger()
		require.NoError(t, err)
		r := run(t, signBB(t, stranger, content), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.NoCertificateChainFound)
	})
	t.Run("no trust anchors configured", func(t *testing.T) {
		r := run(t, signBB(t, p.Executor, content, ocspGood, rootCRL), content, &verify.Policy{})
		requireVerdict(t, r, verify.Indeterminate, verify.NoCertificateChainFound)
	})
	t.Run("expired certificate, no time-stamp", func(t *testing.T) {
		// Within the CAs' validity (from an hour ago), as real leaves are.
		old, err := p.Issue(testpki.LeafSpec{Name: "expired", NotBefore: time.Now().Add(-50 * time.Minute), NotAfter: time.Now().Add(-10 * time.Minute)})
		require.NoError(t, err)
		r := run(t, signBB(t, old, content), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.OutOfBoundsNoPOE)
	})
	t.Run("revoked, no time-stamp", func(t *testing.T) {
		id, err := p.Issue(testpki.LeafSpec{Name: "revoked-no-poe"})
		require.NoError(t, err)
		require.NoError(t, p.Revoke(id.Cert, time.Now().Add(-time.Minute), 1))
		resp, err := p.OCSPResponse(id.Cert, nil)
		require.NoError(t, err)
		r := run(t, signBB(t, id, content, resp, rootCRL), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.RevokedNoPOE)
	})
	t.Run("key usage not for signing", func(t *testing.T) {
		id, err := p.Issue(testpki.LeafSpec{Name: "key-encipherment", KeyUsage: x509.KeyUsageKeyEncipherment})
		require.NoError(t, err)
		resp, err := p.OCSPResponse(id.Cert, nil)
		require.NoError(t, err)
		r := run(t, signBB(t, id, content, resp, rootCRL), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.ChainConstraintsFailure)
	})
	t.Run("RSA-1024 signer", func(t *testing.T) {
		id, err := p.Issue(testpki.LeafSpec{Name: "rsa1024", KeyAlg: testpki.RSA1024})
		require.NoError(t, err)
		resp, err := p.OCSPResponse(id.Cert, nil)
		require.NoError(t, err)
		r := run(t, signBB(t, id, content, resp, rootCRL), content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.CryptoConstraintsFailure)
	})
	t.Run("substituted certificate", func(t *testing.T) {
		// The attacker holds a second certificate for the executor's key
		// (another subject, same issuer, a serial of the same length) and
		// re-points the unsigned signer identifier at it. The signature
		// value still verifies; only signing-certificate-v2 tells.
		orig := p.Executor.Cert
		serial := orig.SerialNumber.Bytes()
		subSerial := bytes.Clone(serial)
		subSerial[len(subSerial)-1] ^= 1
		tmpl := *orig
		tmpl.SerialNumber = new(big.Int).SetBytes(subSerial)
		tmpl.Subject.CommonName = "Substitute"
		der, err := x509.CreateCertificate(rand.Reader, &tmpl, p.Intermediate.Cert, p.Executor.Key.Public(), p.Intermediate.Key)
		require.NoError(t, err)
		sub, err := x509.ParseCertificate(der)
		require.NoError(t, err)

		sd, err := cms.Parse(signBB(t, p.Executor, content, ocspGood, rootCRL))
		require.NoError(t, err)
		require.NoError(t, sd.AddCertificates(sub))
		sig, err := sd.Marshal()
		require.NoError(t, err)
		// The serial occurs in the original certificate and the OCSP
		// response, then in the signer identifier and last in the (signed)
		// ESS issuerSerial.
		var at []int
		for i := 0; ; {
			j := bytes.Index(sig[i:], serial)
			if j < 0 {
				break
			}
			at = append(at, i+j)
			i += j + 1
		}
		require.Len(t, at, 4)
		copy(sig[at[2]:], subSerial)

		r := run(t, sig, content, offline)
		requireVerdict(t, r, verify.Indeterminate, verify.NoSigningCertificate)
		require.True(t, r.Signatures[0].Integrity, "the signature value itself verifies")
	})
}

func TestCMSOnlineRevocation(t *testing.T) {
	srv := testpki.NewTestServer(t)
	p := srv.PKI
	sig := signBB(t, p.Executor, content)

	r := run(t, sig, content, &verify.Policy{Roots: p.Roots()})
	requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	require.Zero(t, srv.Requests("/"), "an offline validation must not touch the network")

	r = run(t, sig, content, &verify.Policy{Roots: p.Roots(), Online: true, OnlineHosts: []string{"example.org"}})
	requireVerdict(t, r, verify.Indeterminate, verify.TryLater)
	require.Zero(t, srv.Requests("/"), "hosts outside the allow-list must not be contacted")

	r = run(t, sig, content, &verify.Policy{Roots: p.Roots(), Online: true})
	requireVerdict(t, r, verify.TotalPassed, "")
	require.Positive(t, srv.Requests("/ocsp"))

	require.NoError(t, p.Revoke(p.Executor.Cert, time.Now().Add(-time.Minute), 1))
	r = run(t, sig, content, &verify.Policy{Roots: p.Roots(), Online: true})
	requireVerdict(t, r, verify.Indeterminate, verify.RevokedNoPOE)
}

func TestCMSMalformed(t *testing.T) {
	p := testpki.NewTest(t)
	sig := signBB(t, p.Executor, content)
	for _, n := range []int{0, 1, 2, 10, len(sig) / 2, len(sig) - 1} {
		_, err := verify.CMS(context.Background(), sig[:n], bytes.NewReader(content), &verify.Policy{Roots: p.Roots()})
		require.ErrorIs(t, err, verify.ErrMalformed, "truncated to %d bytes", n)
	}
	_, err := verify.CMS(context.Background(), sig, nil, nil)
	require.ErrorIs(t, err, verify.ErrContentRequired)
}

func TestCMSContentReadError(t *testing.T) {
	p := testpki.NewTest(t)
	sig := signBB(t, p.Executor, content)
	_, err := verify.CMS(context.Background(), sig, errReader{}, &verify.Policy{Roots: p.Roots()})
	require.Error(t, err)
	require.False(t, errors.Is(err, verify.ErrMalformed))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
