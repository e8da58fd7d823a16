package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// extension returns the extension with the given OID, or nil.
func extension(c *x509.Certificate, oid asn1.ObjectIdentifier) *pkix.Extension {
	for i := range c.Extensions {
		if c.Extensions[i].Id.Equal(oid) {
			return &c.Extensions[i]
		}
	}
	return nil
}

var pinRE = regexp.MustCompile(`^[12][0-9]{13}$`)

// checkPIN checks a 14-digit personal number: sex digit, a real birth date
// DDMMYYYY, five digits.
func checkPIN(t *testing.T, pin string) {
	t.Helper()
	require.Regexp(t, pinRE, pin)
	_, err := time.Parse("02012006", pin[1:9])
	require.NoError(t, err, "birth date in PIN %s", pin)
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func keyMatches(t *testing.T, alg KeyAlg, pub crypto.PublicKey) {
	t.Helper()
	switch alg {
	case ECDSAP256, ECDSAP384:
		k, ok := pub.(*ecdsa.PublicKey)
		require.True(t, ok, "want ECDSA, got %T", pub)
		want := map[KeyAlg]string{ECDSAP256: "P-256", ECDSAP384: "P-384"}[alg]
		assert.Equal(t, want, k.Curve.Params().Name)
	default:
		k, ok := pub.(*rsa.PublicKey)
		require.True(t, ok, "want RSA, got %T", pub)
		assert.Equal(t, alg.rsaBits(), k.N.BitLen())
	}
}

func TestNewProfiles(t *testing.T) {
	const base = "http://pki.test:8080"
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			clock := newFakeClock(time.Date(2031, 3, 15, 10, 30, 0, 0, time.UTC))
			p := NewTest(t, Config{KeyAlg: alg, Now: clock.Now, BaseURL: base + "/"})
			now := clock.Now()

			personEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
			person := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			tests := []struct {
				id          *Identity
				name        string
				ku          x509.KeyUsage
				eku         []x509.ExtKeyUsage
				unknownEKU  []asn1.ObjectIdentifier
				criticalEKU bool
				ca          bool
				chain       []*x509.Certificate
				issuer      string // "" for self-signed
				qc, nocheck bool
				ocspURL     bool
			}{
				{id: p.Root, name: "root", ku: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ca: true},
				{id: p.Intermediate, name: "intermediate", ku: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ca: true, issuer: "root", ocspURL: true},
				{id: p.Executor, name: "executor", ku: person, eku: personEKU, unknownEKU: []asn1.ObjectIdentifier{OIDDocumentSigning},
					chain: []*x509.Certificate{p.Intermediate.Cert}, issuer: "intermediate", qc: true, ocspURL: true},
				{id: p.Applicant, name: "applicant", ku: person, eku: personEKU, unknownEKU: []asn1.ObjectIdentifier{OIDDocumentSigning},
					chain: []*x509.Certificate{p.Intermediate.Cert}, issuer: "intermediate", qc: true, ocspURL: true},
				{id: p.OCSPResponder, name: "ocsp", ku: x509.KeyUsageDigitalSignature, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
					chain: []*x509.Certificate{p.Intermediate.Cert}, issuer: "intermediate", nocheck: true},
				{id: p.TSA, name: "tsa", ku: x509.KeyUsageDigitalSignature, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, criticalEKU: true,
					chain: []*x509.Certificate{p.Intermediate.Cert}, issuer: "intermediate", ocspURL: true},
			}
			seenKeys := map[string]string{}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					c := tc.id.Cert
					assert.Equal(t, tc.name, tc.id.Name)
					keyMatches(t, alg, c.PublicKey)
					assert.True(t, tc.id.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey), "key matches certificate")
					der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
					require.NoError(t, err)
					require.NotContains(t, seenKeys, string(der), "key shared with %s", seenKeys[string(der)])
					seenKeys[string(der)] = tc.name

					assert.Equal(t, tc.ku, c.KeyUsage)
					assert.Equal(t, tc.eku, c.ExtKeyUsage)
					assert.Equal(t, tc.unknownEKU, c.UnknownExtKeyUsage)
					if e := extension(c, oidExtKeyUsage); e != nil {
						assert.Equal(t, tc.criticalEKU, e.Critical, "EKU criticality")
					} else {
						assert.Empty(t, tc.eku)
					}
					assert.Equal(t, tc.ca, c.IsCA)
					assert.True(t, c.BasicConstraintsValid)
					assert.Equal(t, tc.qc, extension(c, OIDQCStatements) != nil, "qcStatements")
					assert.Equal(t, tc.nocheck, extension(c, OIDOCSPNoCheck) != nil, "ocsp-nocheck")
					assert.Equal(t, tc.chain, tc.id.Chain)
					assert.NotEmpty(t, c.SubjectKeyId)
					assert.Equal(t, []string{"KG"}, c.Subject.Country)
					assert.True(t, hasCyrillic(c.Subject.CommonName), "CN %q in Cyrillic", c.Subject.CommonName)
					assert.True(t, c.NotBefore.Equal(now.Add(-time.Hour)), "NotBefore %v", c.NotBefore)
					if tc.ca {
						assert.True(t, c.NotAfter.Equal(now.Add(DefaultCAValidity)), "NotAfter %v", c.NotAfter)
						assert.Contains(t, c.Subject.OrganizationalUnit[0], "TEST ONLY")
					} else {
						assert.True(t, c.NotAfter.Equal(now.Add(DefaultLeafValidity)), "NotAfter %v", c.NotAfter)
					}
					if tc.issuer == "" {
						assert.Equal(t, c.RawSubject, c.RawIssuer)
						assert.Empty(t, c.OCSPServer)
						assert.Empty(t, c.IssuingCertificateURL)
						assert.Empty(t, c.CRLDistributionPoints)
					} else {
						assert.Equal(t, []string{base + "/ca/" + tc.issuer + ".cer"}, c.IssuingCertificateURL)
						assert.Equal(t, []string{base + "/crl/" + tc.issuer + ".crl"}, c.CRLDistributionPoints)
						if tc.ocspURL {
							assert.Equal(t, []string{base + "/ocsp"}, c.OCSPServer)
						} else {
							assert.Empty(t, c.OCSPServer)
						}
					}
					require.NoError(t, goVerify(p, tc.id, now))
				})
			}
			assert.True(t, p.Intermediate.Cert.MaxPathLenZero)
			assert.Equal(t, 0, p.Intermediate.Cert.MaxPathLen)

			// Natural persons: ETSI-style names with a 14-digit personal number.
			for _, id := range []*Identity{p.Executor, p.Applicant} {
				checkPIN(t, id.Cert.Subject.SerialNumber)
			}
			assert.Equal(t, "1", p.Applicant.Cert.Subject.SerialNumber[:1], "applicant is a woman")
			assert.Equal(t, []string{"Министерство юстиции Кыргызской Республики"}, p.Executor.Cert.Subject.Organization)
			assert.Equal(t, "Үсөнбаев Нурбек Өмүрбек уулу", p.Executor.Cert.Subject.CommonName)
		})
	}
}

func TestQCStatementsEncoding(t *testing.T) {
	p := NewTest(t)
	var statements []struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	rest, err := asn1.Unmarshal(extension(p.Executor.Cert, OIDQCStatements).Value, &statements)
	require.NoError(t, err)
	require.Empty(t, rest)
	var ids []string
	for _, s := range statements {
		ids = append(ids, s.ID.String())
	}
	assert.Equal(t, []string{"0.4.0.1862.1.1", "0.4.0.1862.1.4", "0.4.0.1862.1.6"}, ids)
	var types []asn1.ObjectIdentifier
	_, err = asn1.Unmarshal(statements[2].Info.FullBytes, &types)
	require.NoError(t, err)
	assert.Equal(t, []asn1.ObjectIdentifier{oidQcTypeESign}, types)
}

func TestIssue(t *testing.T) {
	clock := newFakeClock(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC))
	p := NewTest(t, Config{Now: clock.Now})
	rsaPKI := NewTest(t, Config{KeyAlg: RSA2048, Now: clock.Now})
	now := clock.Now()
	stranger, err := p.Stranger()
	require.NoError(t, err)
	again, err := p.Stranger()
	require.NoError(t, err)
	require.Same(t, stranger, again, "Stranger is created once")
	subCA, err := p.Issue(LeafSpec{Name: "sub-ca", Issuer: p.Root, IsCA: true})
	require.NoError(t, err)

	var certInvalid x509.CertificateInvalidError
	var unknownAuthority x509.UnknownAuthorityError
	var insecure x509.InsecureAlgorithmError
	tests := []struct {
		name  string
		pki   *PKI
		spec  LeafSpec
		check func(t *testing.T, id *Identity, verifyErr error)
	}{
		{"default", p, LeafSpec{}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Regexp(t, `^leaf-\d+$`, id.Name)
			checkPIN(t, id.Cert.Subject.SerialNumber)
			assert.Equal(t, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, id.Cert.KeyUsage)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, id.Cert.ExtKeyUsage)
			assert.NotNil(t, extension(id.Cert, OIDQCStatements))
		}},
		{"expired", p, LeafSpec{NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(-1, 0, 0)}, func(t *testing.T, id *Identity, err error) {
			require.ErrorAs(t, err, &certInvalid)
			assert.Equal(t, x509.Expired, certInvalid.Reason)
			assert.True(t, now.After(id.Cert.NotAfter))
		}},
		{"expired, only NotAfter", p, LeafSpec{NotAfter: now.Add(-time.Minute)}, func(t *testing.T, id *Identity, err error) {
			require.ErrorAs(t, err, &certInvalid)
			assert.True(t, id.Cert.NotBefore.Equal(now.Add(-time.Minute-DefaultLeafValidity)))
		}},
		{"not yet valid", p, LeafSpec{NotBefore: now.AddDate(0, 0, 1)}, func(t *testing.T, id *Identity, err error) {
			require.ErrorAs(t, err, &certInvalid)
			assert.Equal(t, x509.Expired, certInvalid.Reason) // crypto/x509 uses Expired for both
			assert.True(t, now.Before(id.Cert.NotBefore))
			assert.True(t, id.Cert.NotAfter.Equal(id.Cert.NotBefore.Add(DefaultLeafValidity)))
		}},
		{"RSA-1024 key", p, LeafSpec{KeyAlg: RSA1024}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err, "crypto/x509 accepts 1024-bit RSA; policy must reject it")
			keyMatches(t, RSA1024, id.Cert.PublicKey)
			assert.Equal(t, x509.ECDSAWithSHA256, id.Cert.SignatureAlgorithm, "issuer still signs with its own key")
		}},
		{"P-384 key", p, LeafSpec{KeyAlg: ECDSAP384}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			keyMatches(t, ECDSAP384, id.Cert.PublicKey)
		}},
		{"SHA-1 RSA signature", rsaPKI, LeafSpec{SignatureAlgorithm: x509.SHA1WithRSA}, func(t *testing.T, id *Identity, err error) {
			assert.Equal(t, x509.SHA1WithRSA, id.Cert.SignatureAlgorithm)
			require.ErrorAs(t, err, &unknownAuthority) // crypto/x509 hides the reason in the chain search
			require.ErrorAs(t, id.Cert.CheckSignatureFrom(id.Chain[0]), &insecure)
		}},
		{"SHA-1 ECDSA signature", p, LeafSpec{SignatureAlgorithm: x509.ECDSAWithSHA1}, func(t *testing.T, id *Identity, err error) {
			assert.Equal(t, x509.ECDSAWithSHA1, id.Cert.SignatureAlgorithm)
			require.ErrorAs(t, err, &unknownAuthority) // crypto/x509 hides the reason in the chain search
			require.ErrorAs(t, id.Cert.CheckSignatureFrom(id.Chain[0]), &insecure)
		}},
		{"RSA-PSS signature", rsaPKI, LeafSpec{SignatureAlgorithm: x509.SHA256WithRSAPSS}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Equal(t, x509.SHA256WithRSAPSS, id.Cert.SignatureAlgorithm)
		}},
		{"stranger CA", p, LeafSpec{Issuer: stranger}, func(t *testing.T, id *Identity, err error) {
			require.ErrorAs(t, err, &unknownAuthority)
			assert.Empty(t, id.Chain)
			assert.Equal(t, stranger.Cert.RawSubject, id.Cert.RawIssuer)
			assert.NotEqual(t, p.Root.Cert.RawSubject, stranger.Cert.RawSubject)
			assert.True(t, stranger.Cert.IsCA)
		}},
		{"CA-flagged leaf", p, LeafSpec{IsCA: true}, func(t *testing.T, id *Identity, err error) {
			// Valid: pathLenConstraint 0 limits CAs between the intermediate
			// and the end entity, and there are none.
			require.NoError(t, err)
			assert.True(t, id.Cert.IsCA)
			assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, id.Cert.KeyUsage)
			assert.Nil(t, id.Cert.ExtKeyUsage)
			assert.Nil(t, extension(id.Cert, OIDQCStatements))
		}},
		{"leaf under a sub-CA", p, LeafSpec{Issuer: subCA}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Equal(t, []*x509.Certificate{subCA.Cert}, id.Chain)
			assert.Empty(t, subCA.Chain)
		}},
		{"leaf signed by a leaf", p, LeafSpec{Issuer: p.Executor}, func(t *testing.T, id *Identity, err error) {
			require.Error(t, err)
			assert.Equal(t, []*x509.Certificate{p.Executor.Cert, p.Intermediate.Cert}, id.Chain)
			assert.NoError(t, p.Executor.Cert.CheckSignature(id.Cert.SignatureAlgorithm, id.Cert.RawTBSCertificate, id.Cert.Signature))
		}},
		{"critical client-auth EKU", p, LeafSpec{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, CriticalEKU: true}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, id.Cert.ExtKeyUsage)
			assert.True(t, extension(id.Cert, oidExtKeyUsage).Critical)
		}},
		{"chosen subject and usages", p, LeafSpec{
			Name:        "signer-7",
			Subject:     pkix.Name{CommonName: "Бакиев Алмаз", Country: []string{"KG"}, SerialNumber: "20101199012345"},
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Equal(t, "signer-7", id.Name)
			assert.Equal(t, "Бакиев Алмаз", id.Cert.Subject.CommonName)
			assert.Equal(t, "20101199012345", id.Cert.Subject.SerialNumber)
			assert.Equal(t, x509.KeyUsageDigitalSignature, id.Cert.KeyUsage)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, id.Cert.ExtKeyUsage)
			assert.Nil(t, id.Cert.UnknownExtKeyUsage)
		}},
		{"Edit removes URLs and qcStatements", p, LeafSpec{Edit: func(c *x509.Certificate) {
			c.OCSPServer, c.IssuingCertificateURL, c.CRLDistributionPoints = nil, nil, nil
			c.ExtraExtensions = slices.DeleteFunc(c.ExtraExtensions, func(e pkix.Extension) bool { return e.Id.Equal(OIDQCStatements) })
			c.ExtKeyUsage, c.UnknownExtKeyUsage = nil, nil
		}}, func(t *testing.T, id *Identity, err error) {
			require.NoError(t, err)
			assert.Nil(t, extension(id.Cert, OIDQCStatements))
			assert.Nil(t, extension(id.Cert, oidExtKeyUsage))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.pki.Issue(tc.spec)
			require.NoError(t, err)
			require.NotNil(t, id.Key)
			tc.check(t, id, goVerify(tc.pki, id, now))
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{KeyAlg: 99}, "Config.KeyAlg"},
		{Config{CAValidity: -time.Hour}, "Config.CAValidity"},
		{Config{LeafValidity: -1}, "Config.LeafValidity"},
		{Config{StatusValidity: -1}, "Config.StatusValidity"},
		{Config{BaseURL: "ftp://pki.test"}, "Config.BaseURL"},
		{Config{BaseURL: "http://"}, "Config.BaseURL"},
		{Config{BaseURL: "pki.test/ocsp"}, "Config.BaseURL"},
		{Config{BaseURL: "http://pki.test/?x=1"}, "Config.BaseURL"},
		{Config{BaseURL: "http://pki.test/#x"}, "Config.BaseURL"},
		{Config{BaseURL: "http://user:secret@pki.test"}, "Config.BaseURL"},
		{Config{BaseURL: "http://[::1"}, "Config.BaseURL"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s=%+v", tc.field, tc.cfg), func(t *testing.T) {
			_, err := New(tc.cfg)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestIssueErrors(t *testing.T) {
	p := NewTest(t)
	other := NewTest(t)
	_, err := p.Issue(LeafSpec{Name: "taken"})
	require.NoError(t, err)

	tests := []struct {
		name  string
		spec  LeafSpec
		field string // FieldError.Field, or "" for errIs
		errIs error
	}{
		{"bad name", LeafSpec{Name: "Executor 2"}, "LeafSpec.Name", nil},
		{"name too long", LeafSpec{Name: string(make([]byte, 64))}, "LeafSpec.Name", nil},
		{"name taken", LeafSpec{Name: "taken"}, "LeafSpec.Name", nil},
		{"built-in name taken", LeafSpec{Name: "executor"}, "LeafSpec.Name", nil},
		{"reserved name", LeafSpec{Name: "stranger"}, "LeafSpec.Name", nil},
		{"NotAfter before NotBefore", LeafSpec{NotBefore: time.Now(), NotAfter: time.Now().Add(-time.Hour)}, "LeafSpec.NotAfter", nil},
		{"unknown key algorithm", LeafSpec{KeyAlg: -3}, "LeafSpec.KeyAlg", nil},
		{"critical EKU without EKU", LeafSpec{CriticalEKU: true, Edit: func(c *x509.Certificate) { c.ExtKeyUsage, c.UnknownExtKeyUsage = nil, nil }}, "LeafSpec.CriticalEKU", nil},
		{"critical EKU unmapped", LeafSpec{CriticalEKU: true, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageIPSECUser}}, "LeafSpec.ExtKeyUsage", nil},
		{"issuer of another PKI", LeafSpec{Issuer: other.Intermediate}, "", ErrUnknownIssuer},
		{"issuer not registered", LeafSpec{Issuer: &Identity{Name: "x", Cert: p.Root.Cert, Key: p.Root.Key}}, "", ErrUnknownIssuer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := p.Issue(tc.spec)
			require.Error(t, err)
			require.Nil(t, id)
			if tc.errIs != nil {
				require.ErrorIs(t, err, tc.errIs)
				return
			}
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field)
		})
	}

	t.Run("template that crypto/x509 refuses", func(t *testing.T) {
		_, err := p.Issue(LeafSpec{Name: "broken", Edit: func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA256WithRSA }})
		require.Error(t, err)
		// The name is free again after a failed issue.
		_, err = p.Issue(LeafSpec{Name: "broken"})
		require.NoError(t, err)
	})
}

func TestReuseKeys(t *testing.T) {
	// Keys are shared across PKIs of one process, as documented, but a
	// certificate of one never chains to the other's root.
	a := NewTest(t, Config{KeyAlg: RSA2048})
	b := NewTest(t, Config{KeyAlg: RSA2048})
	assert.True(t, a.Executor.Cert.PublicKey.(*rsa.PublicKey).Equal(b.Executor.Cert.PublicKey), "pool shares keys")
	assert.NotEqual(t, a.Root.Cert.RawSubject, b.Root.Cert.RawSubject)
	assert.NotEqual(t, a.Intermediate.Cert.RawSubject, b.Intermediate.Cert.RawSubject)
	var unknownAuthority x509.UnknownAuthorityError
	require.ErrorAs(t, goVerify(b, a.Executor, a.Now()), &unknownAuthority)
	// b's intermediate holds the same key as a's, so a chain from a's
	// executor via b's intermediate must still fail on the names.
	_, err := a.Executor.Cert.Verify(x509.VerifyOptions{Roots: b.Roots(), Intermediates: poolOf(b.Intermediate.Cert), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	require.ErrorAs(t, err, &unknownAuthority)

	// The stranger of a PKI never holds a key of that PKI.
	s, err := a.Stranger()
	require.NoError(t, err)
	for _, id := range []*Identity{a.Root, a.Intermediate, a.Executor, a.Applicant, a.OCSPResponder, a.TSA} {
		assert.False(t, s.Cert.PublicKey.(*rsa.PublicKey).Equal(id.Cert.PublicKey), id.Name)
	}

	// Without ReuseKeys every key is fresh.
	c, err := New(Config{KeyAlg: RSA2048})
	require.NoError(t, err)
	assert.False(t, a.Executor.Cert.PublicKey.(*rsa.PublicKey).Equal(c.Executor.Cert.PublicKey))
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestConcurrentUse runs issuing, revocation, CRLs and OCSP from many
// goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	p := NewTest(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := p.Issue(LeafSpec{Name: fmt.Sprintf("c-%d", i)})
			if err != nil {
				errs <- err
				return
			}
			if err := p.Revoke(id.Cert, time.Time{}, 1); err != nil {
				errs <- err
			}
			if _, err := p.CRL(p.Intermediate.Cert); err != nil {
				errs <- err
			}
			if _, err := p.OCSPResponse(id.Cert, nil); err != nil {
				errs <- err
			}
			if _, err := p.Stranger(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !errors.Is(p.Revoke(p.Root.Cert, time.Time{}, 0), ErrNotIssued) {
		t.Error("a root is not issued by anyone")
	}
}
