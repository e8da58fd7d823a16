package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// clock is a settable clock shared by the PKI, its OCSP responder and the
// time-stamp authority.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Now().Truncate(time.Second)} }

// startPKI serves a test PKI with OCSP, CRLs and a time-stamp authority.
func startPKI(t *testing.T, alg testpki.KeyAlg, c *clock) (*testpki.Server, string) {
	t.Helper()
	cfg := testpki.Config{KeyAlg: alg}
	if c != nil {
		cfg.Now = c.Now
	}
	srv := testpki.NewTestServer(t, cfg)
	tsaURL, err := srv.ServeTSA()
	require.NoError(t, err)
	return srv, tsaURL
}

var data = bytes.Repeat([]byte("Маалымкат № 0001234567 / Справка о месте жительства\n"), 100)

func TestCAdESLevels(t *testing.T) {
	algs := []testpki.KeyAlg{testpki.ECDSAP256, testpki.RSA2048}
	for _, alg := range algs {
		srv, tsaURL := startPKI(t, alg, nil)
		p := srv.PKI
		rootPEM := filepath.Join(t.TempDir(), "root.pem")
		require.NoError(t, os.WriteFile(rootPEM, testpki.CertPEM(p.Root.Cert), 0o644))

		tests := []struct {
			level    sign.Level
			attached bool
			pss      bool
			hash     crypto.Hash
			want     string
		}{
			{sign.LevelBB, false, false, 0, "CAdES-BASELINE-B"},
			{sign.LevelBB, true, false, crypto.SHA384, "CAdES-BASELINE-B"},
			{sign.LevelBT, false, false, crypto.SHA512, "CAdES-BASELINE-T"},
			{sign.LevelBT, true, true, 0, "CAdES-BASELINE-T"},
			{sign.LevelBLT, false, true, 0, "CAdES-BASELINE-LT"},
			{sign.LevelBLT, true, false, 0, "CAdES-BASELINE-LT"},
			{sign.LevelBLTA, false, false, 0, "CAdES-BASELINE-LTA"},
			{sign.LevelBLTA, true, false, crypto.SHA384, "CAdES-BASELINE-LTA"},
		}
		for _, tt := range tests {
			if tt.pss && alg != testpki.RSA2048 {
				continue
			}
			name := alg.String() + "/" + string(tt.level)
			if tt.attached {
				name += "/attached"
			}
			if tt.pss {
				name += "/pss"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				sig, err := sign.CAdES(ctx, p.Executor.Signer(), bytes.NewReader(data), &sign.Options{
					Level: tt.level, Attached: tt.attached, PSS: tt.pss, Hash: tt.hash,
					TSA: tsaURL, Roots: p.Roots(), CommitmentType: sign.CommitmentProofOfApproval,
				})
				require.NoError(t, err)

				var content *bytes.Reader
				if !tt.attached {
					content = bytes.NewReader(data)
				}
				// Offline first: only B-LT carries what is needed.
				before := srv.Requests("/")
				r := verifyCMS(t, sig, content, &verify.Policy{Roots: p.Roots()})
				require.Equal(t, before, srv.Requests("/"), "offline validation fetched something")
				s := r.Signatures[0]
				require.Equal(t, tt.want, s.Level)
				if tt.level == sign.LevelBLT || tt.level == sign.LevelBLTA {
					require.Equal(t, verify.TotalPassed, r.Indication, "%v", s.Messages)
					require.Equal(t, tt.level == sign.LevelBLTA, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
				} else {
					require.Equal(t, verify.Indeterminate, r.Indication)
					require.Equal(t, verify.TryLater, s.SubIndication)
				}
				// Online, every level passes, and the time-stamp (whose
				// authority's status is now known) proves the time.
				if !tt.attached {
					content = bytes.NewReader(data)
				}
				r = verifyCMS(t, sig, content, &verify.Policy{Roots: p.Roots(), Online: true})
				require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
				require.Equal(t, tt.level != sign.LevelBB, r.Signatures[0].TimestampTime != nil)

				opensslVerify(t, sig, rootPEM, tt.attached)
			})
		}
	}
}

func verifyCMS(t *testing.T, sig []byte, content *bytes.Reader, p *verify.Policy) *verify.Report {
	t.Helper()
	var r *verify.Report
	var err error
	if content == nil {
		r, err = verify.CMS(context.Background(), sig, nil, p)
	} else {
		r, err = verify.CMS(context.Background(), sig, content, p)
	}
	require.NoError(t, err)
	require.Len(t, r.Signatures, 1)
	return r
}

// opensslVerify checks a signature with OpenSSL's CMS verifier, the
// independent implementation.
func opensslVerify(t *testing.T, sig []byte, rootPEM string, attached bool) {
	t.Helper()
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	sigFile, dataFile := filepath.Join(dir, "sig.p7s"), filepath.Join(dir, "data")
	require.NoError(t, os.WriteFile(sigFile, sig, 0o644))
	require.NoError(t, os.WriteFile(dataFile, data, 0o644))
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-CAfile", rootPEM, "-purpose", "any", "-out", os.DevNull}
	if !attached {
		args = append(args, "-content", dataFile)
	}
	out, err := exec.Command(openssl, args...).CombinedOutput()
	require.NoError(t, err, "openssl cms -verify: %s", out)
	require.Contains(t, string(out), "Verification successful")
}

// TestCAdESRevocationAndTime is the issue's acceptance case: a signer
// revoked before the time-stamp's time is TOTAL_FAILED/REVOKED; revoked
// after it, the signature stands; revoked with no time-stamp to prove the
// signature older, INDETERMINATE/REVOKED_NO_POE.
func TestCAdESRevocationAndTime(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, c)
	p := srv.PKI
	online := &verify.Policy{Roots: p.Roots(), Online: true, Now: c.Now}

	signAs := func(level sign.Level) (*testpki.Identity, []byte) {
		id, err := p.Issue(testpki.LeafSpec{})
		require.NoError(t, err)
		sig, err := sign.CAdES(ctx, id.Signer(), bytes.NewReader(data), &sign.Options{Level: level, TSA: tsaURL, Now: c.Now})
		require.NoError(t, err)
		return id, sig
	}
	check := func(sig []byte, ind verify.Indication, sub verify.SubIndication) {
		t.Helper()
		r := verifyCMS(t, sig, bytes.NewReader(data), online)
		require.Equal(t, ind, r.Signatures[0].Indication, "%v", r.Signatures[0].Messages)
		require.Equal(t, sub, r.Signatures[0].SubIndication, "%v", r.Signatures[0].Messages)
	}

	id, sig := signAs(sign.LevelBT)
	c.Add(time.Hour)
	require.NoError(t, p.Revoke(id.Cert, c.Now().Add(-2*time.Hour), 1)) // backdated: key compromise before the time-stamp
	check(sig, verify.TotalFailed, verify.Revoked)

	id, sig = signAs(sign.LevelBT)
	c.Add(time.Hour)
	require.NoError(t, p.Revoke(id.Cert, c.Now().Add(-time.Minute), 4)) // after the time-stamp
	check(sig, verify.TotalPassed, "")

	id, sig = signAs(sign.LevelBB)
	c.Add(time.Hour)
	require.NoError(t, p.Revoke(id.Cert, c.Now().Add(-time.Minute), 4))
	check(sig, verify.Indeterminate, verify.RevokedNoPOE)
}

// TestCAdESArchiveTimestampDetectsChanges changes an element the archive
// time-stamp covers (an embedded revocation value) and expects the archive
// time-stamp to be reported invalid.
func TestCAdESArchiveTimestampDetectsChanges(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	sig, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{
		Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots(),
	})
	require.NoError(t, err)
	sd, err := cms.Parse(sig)
	require.NoError(t, err)
	require.NotEmpty(t, sd.RawRevocationInfo)
	last := sd.RawRevocationInfo[len(sd.RawRevocationInfo)-1]
	i := bytes.Index(sig, last)
	require.Positive(t, i)
	sig[i+len(last)-3] ^= 0x01 // inside the response's signature value

	r := verifyCMS(t, sig, bytes.NewReader(data), &verify.Policy{Roots: p.Roots(), Revocation: verify.RevocationBestEffort})
	s := r.Signatures[0]
	require.True(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_INVALID"), "%v", s.Messages)
	require.False(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
}

func hasCode(ms []verify.Message, code string) bool {
	for _, m := range ms {
		if m.Code == code {
			return true
		}
	}
	return false
}

// TestCAdESExpiredProved signs with a certificate after it expired: the
// time-stamp proves it, so the verdict is definite, TOTAL_FAILED/EXPIRED,
// not INDETERMINATE.
func TestCAdESExpiredProved(t *testing.T) {
	c := newClock()
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, c)
	p := srv.PKI
	id, err := p.Issue(testpki.LeafSpec{NotBefore: c.Now().Add(-time.Minute), NotAfter: c.Now().Add(time.Hour)})
	require.NoError(t, err)
	c.Add(2 * time.Hour)
	sig, err := sign.CAdES(context.Background(), id.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: tsaURL, Now: c.Now})
	require.NoError(t, err)
	r := verifyCMS(t, sig, bytes.NewReader(data), &verify.Policy{Roots: p.Roots(), Online: true, Now: c.Now})
	require.Equal(t, verify.TotalFailed, r.Indication, "%v", r.Signatures[0].Messages)
	require.Equal(t, verify.Expired, r.Signatures[0].SubIndication)
}

func TestCAdESLongTermRefusesRevokedSigner(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	id, err := p.Issue(testpki.LeafSpec{})
	require.NoError(t, err)
	require.NoError(t, p.Revoke(id.Cert, time.Now().Add(-time.Minute), 1))
	_, err = sign.CAdES(context.Background(), id.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots()})
	require.ErrorIs(t, err, sign.ErrValidationData)
}

func TestCAdESOptionsErrors(t *testing.T) {
	p := testpki.NewTest(t)
	ctx := context.Background()
	_, err := sign.CAdES(ctx, p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT})
	require.ErrorIs(t, err, sign.ErrTSARequired)
	_, err = sign.CAdES(ctx, p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: "http://127.0.0.1:1/tsa"})
	require.ErrorIs(t, err, sign.ErrTimestamp)
	_, err = sign.CAdES(ctx, p.Executor.Signer(), io.LimitReader(zeros{}, sign.MaxAttachedSize+1), &sign.Options{Attached: true})
	require.ErrorIs(t, err, sign.ErrTooLarge)

	for _, s := range []string{"b-lt", "T", "B-B"} {
		_, err := sign.ParseLevel(s)
		require.NoError(t, err, s)
	}
	_, err = sign.ParseLevel("B-X")
	require.Error(t, err)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
