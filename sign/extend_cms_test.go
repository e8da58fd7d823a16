package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/internal/tsp"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// extendCMS runs sign.ExtendCMS over data (nil content when attached) and
// checks that a detached content was read exactly once.
func extendCMS(t *testing.T, sig []byte, attached bool, opts *sign.Options) ([]byte, error) {
	t.Helper()
	if attached {
		return sign.ExtendCMS(context.Background(), sig, nil, opts)
	}
	cr := &countingReader{r: bytes.NewReader(data)}
	out, err := sign.ExtendCMS(context.Background(), sig, cr, opts)
	if err == nil {
		require.Equal(t, len(data), cr.n, "the content must be read once, whole")
	}
	return out, err
}

// verifyCMSOffline validates sig without the network, checks that the
// server saw no request meanwhile and that the signature passed, and
// returns its report.
func verifyCMSOffline(t *testing.T, srv *testpki.Server, sig []byte, attached bool) *verify.SignatureReport {
	t.Helper()
	var content *bytes.Reader
	if !attached {
		content = bytes.NewReader(data)
	}
	before := srv.Requests("/")
	r := verifyCMS(t, sig, content, &verify.Policy{Roots: srv.PKI.Roots()})
	require.Equal(t, before, srv.Requests("/"), "offline validation fetched something")
	s := r.Signatures[0]
	require.Equal(t, verify.TotalPassed, r.Indication, "%v", s.Messages)
	return s
}

func countCode(ms []verify.Message, code string) int {
	n := 0
	for _, m := range ms {
		if m.Code == code {
			n++
		}
	}
	return n
}

// TestExtendCMS signs detached and attached content at B-T, raises it to
// B-LT, B-LTA and renews B-LTA twice: each result validates offline at the
// level asked for with every archive time-stamp valid, OpenSSL accepts it,
// and levels that cannot be reached are refused.
func TestExtendCMS(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	rootPEM := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(rootPEM, testpki.CertPEM(p.Root.Cert), 0o644))
	opts := func(l sign.Level) *sign.Options { return &sign.Options{Level: l, TSA: tsaURL, Roots: p.Roots()} }

	for _, attached := range []bool{false, true} {
		name := "detached"
		if attached {
			name = "attached"
		}
		t.Run(name, func(t *testing.T) {
			bt, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data),
				&sign.Options{Level: sign.LevelBT, TSA: tsaURL, Attached: attached})
			require.NoError(t, err)
			sigs := map[string][]byte{"B-T": bt}

			steps := []struct {
				from, to  string
				level     sign.Level
				wantLevel string
				archiveTS int
				moreRevoc bool // new revocation data expected
			}{
				{"B-T", "B-LT", sign.LevelBLT, "CAdES-BASELINE-LT", 0, true},
				{"B-LT", "B-LTA", sign.LevelBLTA, "CAdES-BASELINE-LTA", 1, false},
				{"B-LTA", "B-LTA renewed", sign.LevelBLTA, "CAdES-BASELINE-LTA", 2, true},
				{"B-LTA renewed", "B-LTA renewed twice", sign.LevelBLTA, "CAdES-BASELINE-LTA", 3, true},
			}
			for _, st := range steps {
				in := sigs[st.from]
				out, err := extendCMS(t, in, attached, opts(st.level))
				require.NoError(t, err, st.to)
				sigs[st.to] = out

				before, err := cms.Parse(in)
				require.NoError(t, err)
				after, err := cms.Parse(out)
				require.NoError(t, err)
				require.Equal(t, before.SignerInfos[0].RawWithoutUnsignedAttrs(), after.SignerInfos[0].RawWithoutUnsignedAttrs(), "%s: a signed byte changed", st.to)
				if st.moreRevoc {
					require.Greater(t, len(after.RawRevocationInfo), len(before.RawRevocationInfo), "%s: no new revocation data", st.to)
				}

				s := verifyCMSOffline(t, srv, out, attached)
				require.Equal(t, st.wantLevel, s.Level, st.to)
				require.Equal(t, st.archiveTS, countCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%s: %v", st.to, s.Messages)
				require.False(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_INVALID") || hasCode(s.Messages, "ARCHIVE_TIMESTAMP_UNTRUSTED"), "%s: %v", st.to, s.Messages)
				opensslVerify(t, out, rootPEM, attached)
			}

			bb, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Attached: attached})
			require.NoError(t, err)
			refusals := []struct {
				name string
				sig  []byte
				opts *sign.Options
				want error
			}{
				{"B-T to B-T", bt, opts(sign.LevelBT), sign.ErrNeedsSigningKey},
				{"B-T to B-B", bt, opts(sign.LevelBB), sign.ErrNeedsSigningKey},
				{"B-B to B-LT", bb, opts(sign.LevelBLT), sign.ErrNeedsSigningKey},
				{"B-LT to B-LT", sigs["B-LT"], opts(sign.LevelBLT), sign.ErrLevelNotHigher},
				{"B-LTA to B-LT", sigs["B-LTA"], opts(sign.LevelBLT), sign.ErrLevelNotHigher},
				{"no TSA", bt, &sign.Options{Level: sign.LevelBLTA, Roots: p.Roots()}, sign.ErrTSARequired},
				{"no roots", bt, &sign.Options{Level: sign.LevelBLT}, sign.ErrValidationData},
				{"not CMS", []byte("not a signature"), opts(sign.LevelBLT), verify.ErrMalformed},
				{"truncated", bt[:len(bt)/2], opts(sign.LevelBLT), verify.ErrMalformed},
			}
			for _, rf := range refusals {
				tsBefore := srv.Requests("/tsa")
				out, err := extendCMS(t, rf.sig, attached, rf.opts)
				require.ErrorIs(t, err, rf.want, rf.name)
				require.Nil(t, out, rf.name)
				require.Equal(t, tsBefore, srv.Requests("/tsa"), "%s: a time-stamp was asked for", rf.name)
			}
			if attached {
				_, err := sign.ExtendCMS(context.Background(), bt, bytes.NewReader(data), opts(sign.LevelBLT))
				require.ErrorIs(t, err, sign.ErrContentUnexpected)
			} else {
				_, err := sign.ExtendCMS(context.Background(), bt, nil, opts(sign.LevelBLT))
				require.ErrorIs(t, err, verify.ErrContentRequired)
			}
		})
	}
}

// TestExtendCMSMixedHashes signs with SHA-384 and time-stamps the archive
// with SHA-256, then renews with SHA-512: the content digests the archive
// time-stamps need are computed while the content is validated, still in
// one read.
func TestExtendCMSMixedHashes(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	rootPEM := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(rootPEM, testpki.CertPEM(p.Root.Cert), 0o644))
	bt, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: tsaURL, Hash: crypto.SHA384})
	require.NoError(t, err)
	lta, err := extendCMS(t, bt, false, &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()})
	require.NoError(t, err)
	renewed, err := extendCMS(t, lta, false, &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots(), Hash: crypto.SHA512})
	require.NoError(t, err)
	s := verifyCMSOffline(t, srv, renewed, false)
	require.Equal(t, "CAdES-BASELINE-LTA", s.Level)
	require.Equal(t, 2, countCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
	opensslVerify(t, renewed, rootPEM, false)
}

// TestExtendCMSRenewalCoversArchiveTSA uses a second time-stamp authority
// for the archive time-stamps, whose status nothing in the signature
// records until the renewal: before it, the first archive time-stamp
// cannot be trusted offline; after it, both can. This is what the renewal
// adds its validation data for.
func TestExtendCMSRenewalCoversArchiveTSA(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	archiveTSA, err := p.Issue(testpki.LeafSpec{
		Name:        "archive-tsa",
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		CriticalEKU: true,
	})
	require.NoError(t, err)
	ts, err := tsp.NewServer(tsp.ServerConfig{Signer: archiveTSA.Key, Certificate: archiveTSA.Cert, Chain: archiveTSA.Chain, Policy: testpki.OIDTSAPolicy, Now: p.Now})
	require.NoError(t, err)
	srv.Handle("/archive-tsa", ts)
	archiveURL := srv.URL + "/archive-tsa"

	bt, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: tsaURL})
	require.NoError(t, err)
	opts := &sign.Options{Level: sign.LevelBLTA, TSA: archiveURL, Roots: p.Roots()}
	lta, err := extendCMS(t, bt, false, opts)
	require.NoError(t, err)
	s := verifyCMSOffline(t, srv, lta, false)
	require.Equal(t, "CAdES-BASELINE-LTA", s.Level)
	require.True(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_UNTRUSTED"), "the archive TSA's status is not in the signature yet: %v", s.Messages)

	renewed, err := extendCMS(t, lta, false, opts)
	require.NoError(t, err)
	s = verifyCMSOffline(t, srv, renewed, false)
	require.Equal(t, 2, countCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
	require.False(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_UNTRUSTED"), "%v", s.Messages)
}

// TestExtendCMSRefusesInvalid: a changed content byte, a revoked signer, an
// untrusted root and a broken archive time-stamp are refused before
// anything is time-stamped.
func TestExtendCMSRefusesInvalid(t *testing.T) {
	c := newClock()
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, c)
	p := srv.PKI
	opts := &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots(), Now: c.Now}
	sig, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: tsaURL, Now: c.Now})
	require.NoError(t, err)

	t.Run("changed content", func(t *testing.T) {
		changed := bytes.Clone(data)
		changed[len(changed)/2] ^= 1
		tsBefore := srv.Requests("/tsa")
		out, err := sign.ExtendCMS(context.Background(), sig, bytes.NewReader(changed), opts)
		require.ErrorIs(t, err, sign.ErrNotValid)
		var nv *sign.NotValidError
		require.ErrorAs(t, err, &nv)
		require.Equal(t, verify.TotalFailed, nv.Indication)
		require.Equal(t, verify.HashFailure, nv.SubIndication)
		require.Nil(t, out)
		require.Equal(t, tsBefore, srv.Requests("/tsa"), "a time-stamp was asked for a broken signature")
	})

	t.Run("untrusted root", func(t *testing.T) {
		o := *opts
		o.Roots = testpki.NewTest(t).Roots()
		_, err := extendCMS(t, sig, false, &o)
		var nv *sign.NotValidError
		require.ErrorAs(t, err, &nv)
		require.Equal(t, verify.Indeterminate, nv.Indication)
	})

	t.Run("broken archive time-stamp", func(t *testing.T) {
		lta, err := extendCMS(t, sig, false, opts)
		require.NoError(t, err)
		// Change a byte inside an embedded OCSP response's signature, an
		// element the archive time-stamp's index covers: the signature
		// still validates online (fresh OCSP), the archive time-stamp not.
		sd, err := cms.Parse(lta)
		require.NoError(t, err)
		last := sd.RawRevocationInfo[len(sd.RawRevocationInfo)-1]
		i := bytes.Index(lta, last)
		require.Positive(t, i)
		lta[i+len(last)-3] ^= 1
		tsBefore := srv.Requests("/tsa")
		_, err = extendCMS(t, lta, false, opts)
		require.ErrorIs(t, err, sign.ErrNotValid)
		require.Contains(t, err.Error(), "archive time-stamp")
		require.Equal(t, tsBefore, srv.Requests("/tsa"))
	})

	t.Run("revoked", func(t *testing.T) {
		// Revoked (key compromise) half an hour before the signature: the
		// signature time-stamp proves it was made after that.
		c.Add(time.Minute)
		require.NoError(t, p.Revoke(p.Executor.Cert, c.Now().Add(-30*time.Minute), ocsp.KeyCompromise))
		tsBefore := srv.Requests("/tsa")
		out, err := extendCMS(t, sig, false, opts)
		var nv *sign.NotValidError
		require.ErrorAs(t, err, &nv)
		require.Equal(t, verify.TotalFailed, nv.Indication)
		require.Equal(t, verify.Revoked, nv.SubIndication)
		require.Nil(t, out)
		require.Equal(t, tsBefore, srv.Requests("/tsa"))
	})
}

// TestExtendCMSMultipleSigners: a CMS with two signers (made by OpenSSL) is
// refused with ErrMultipleSigners before anything is fetched.
func TestExtendCMSMultipleSigners(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	dir := t.TempDir()
	args := []string{"cms", "-sign", "-binary", "-outform", "DER", "-in", filepath.Join(dir, "data"), "-out", filepath.Join(dir, "two.p7s")}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data"), data, 0o644))
	for i, id := range []*testpki.Identity{p.Executor, p.Applicant} {
		key, err := id.KeyPEM()
		require.NoError(t, err)
		kf, cf := filepath.Join(dir, "key"+string(rune('0'+i))), filepath.Join(dir, "cert"+string(rune('0'+i)))
		require.NoError(t, os.WriteFile(kf, key, 0o600))
		require.NoError(t, os.WriteFile(cf, testpki.CertPEM(id.Cert), 0o644))
		args = append(args, "-signer", cf, "-inkey", kf)
	}
	out, err := exec.Command(openssl, args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	two, err := os.ReadFile(filepath.Join(dir, "two.p7s"))
	require.NoError(t, err)
	before := srv.Requests("/")
	_, err = extendCMS(t, two, false, &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()})
	require.ErrorIs(t, err, sign.ErrMultipleSigners)
	require.Equal(t, before, srv.Requests("/"))
}

// TestExtendCMSSoftHSM extends to B-LTA a B-T signature made with a key on
// a SoftHSM2 token.
func TestExtendCMSSoftHSM(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	key := tokenKey(t, p, "Applicant")
	defer key.Close()
	bt, err := sign.CAdES(context.Background(), key, bytes.NewReader(data), &sign.Options{Level: sign.LevelBT, TSA: tsaURL})
	require.NoError(t, err)
	lta, err := extendCMS(t, bt, false, &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()})
	require.NoError(t, err)
	s := verifyCMSOffline(t, srv, lta, false)
	require.Equal(t, "CAdES-BASELINE-LTA", s.Level)
	require.True(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
	rootPEM := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(rootPEM, testpki.CertPEM(p.Root.Cert), 0o644))
	opensslVerify(t, lta, rootPEM, false)
}

// FuzzExtendCMS feeds mutated signatures to ExtendCMS with a PKI that
// names no network address: whatever the input, it must return an error
// without panicking, never an extended signature (nothing can validate
// without revocation data).
func FuzzExtendCMS(f *testing.F) {
	p := testpki.NewTest(f)
	for _, attached := range []bool{false, true} {
		sig, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(data), &sign.Options{Attached: attached})
		require.NoError(f, err)
		f.Add(sig)
		f.Add(sig[:len(sig)/2])
	}
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	opts := &sign.Options{Level: sign.LevelBLT, Roots: p.Roots(), HTTPClient: &http.Client{Timeout: time.Second}}
	f.Fuzz(func(t *testing.T, sig []byte) {
		out, err := sign.ExtendCMS(context.Background(), sig, bytes.NewReader(data), opts)
		if err == nil || out != nil {
			t.Fatalf("extended a signature that cannot validate (%d bytes)", len(out))
		}
		if !errors.Is(err, verify.ErrMalformed) {
			// Parsed: the attached form is tried too.
			out, err = sign.ExtendCMS(context.Background(), sig, nil, opts)
			if err == nil || out != nil {
				t.Fatalf("extended a signature that cannot validate (%d bytes)", len(out))
			}
		}
	})
}

// BenchmarkExtendCMSDetached raises a detached B-T signature over 64 MiB
// to B-LTA (validation online, OCSP and two time-stamps from the local test
// server): MB/s should approach BenchmarkSHA256Stream's and B/op stay far
// below the content's size, which is streamed, never held.
func BenchmarkExtendCMSDetached(b *testing.B) {
	const size = 64 << 20
	srv := testpki.NewTestServer(b)
	tsaURL, err := srv.ServeTSA()
	require.NoError(b, err)
	p := srv.PKI
	bt, err := sign.CAdES(context.Background(), p.Executor.Signer(), io.LimitReader(zeros{}, size), &sign.Options{Level: sign.LevelBT, TSA: tsaURL})
	require.NoError(b, err)
	opts := &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sign.ExtendCMS(context.Background(), bt, io.LimitReader(zeros{}, size), opts); err != nil {
			b.Fatal(err)
		}
	}
}
