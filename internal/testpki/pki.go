// This file holds the PKI itself: its configuration, the identities it
// issues and the profiles of the built-in ones.

package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// Default validity periods, used where a Config leaves them zero.
const (
	DefaultCAValidity     = 10 * 365 * 24 * time.Hour
	DefaultLeafValidity   = 365 * 24 * time.Hour
	DefaultStatusValidity = 24 * time.Hour
)

// backdate is how long before "now" certificates start, so that a verifier
// whose clock is slightly behind still accepts a certificate issued just now.
const backdate = time.Hour

// Config configures a PKI. The zero Config is valid: ECDSA P-256 keys, the
// system clock, default validity periods and no URLs in certificates.
type Config struct {
	// KeyAlg is the key algorithm of every built-in identity; zero means
	// ECDSAP256.
	KeyAlg KeyAlg

	// Now is the PKI's clock, read whenever it issues a certificate or
	// produces a CRL or OCSP response; nil means time.Now. Times are
	// truncated to whole seconds, as X.509 encodes them.
	Now func() time.Time

	// CAValidity is the validity period of the root and intermediate CAs,
	// LeafValidity that of end-entity certificates, and StatusValidity the
	// time from thisUpdate to nextUpdate of CRLs and OCSP responses. Zero
	// means DefaultCAValidity, DefaultLeafValidity, DefaultStatusValidity.
	CAValidity, LeafValidity, StatusValidity time.Duration

	// BaseURL, such as "http://127.0.0.1:8080", is written into every
	// certificate except the roots, so verifiers can find revocation data:
	// authorityInfoAccess OCSP = BaseURL/ocsp, caIssuers =
	// BaseURL/ca/<issuer>.cer and CRL distribution point =
	// BaseURL/crl/<issuer>.crl, where <issuer> is the issuer's Identity.Name.
	// That is the layout [PKI.Handler] and [Server] serve. Empty means the
	// certificates carry none of these.
	BaseURL string

	// ReuseKeys draws RSA keys from a per-process pool instead of generating
	// them (see the package documentation for what that implies). It is for
	// tests; NewTest sets it.
	ReuseKeys bool
}

// Identity is a certificate with its private key and the certificates
// that link it to its root.
type Identity struct {
	// Name is the identity's short name within its PKI, such as "executor";
	// it names the identity's files and URLs.
	Name string
	// Cert is the identity's certificate.
	Cert *x509.Certificate
	// Key is the private key of Cert.
	Key crypto.Signer
	// Chain holds the issuer's certificate and the issuer's chain: the
	// intermediate certificates up to, but excluding, the root. It is empty
	// for a root and for a certificate a root issued directly.
	Chain []*x509.Certificate

	selfSigned bool
}

// PKI is a root CA, an intermediate CA and the identities they issued, with
// their revocation state. Its methods are safe for concurrent use.
type PKI struct {
	// Root is the self-signed root CA.
	Root *Identity
	// Intermediate is the CA, issued by Root, that issues every other
	// built-in identity. Its pathLenConstraint is 0.
	Intermediate *Identity
	// Executor is a civil servant of a ministry who signs result documents.
	Executor *Identity
	// Applicant is a citizen who signs applications.
	Applicant *Identity
	// OCSPResponder signs OCSP responses about certificates the
	// intermediate issued.
	OCSPResponder *Identity
	// TSA is an RFC 3161 time-stamp authority.
	TSA *Identity

	cfg  Config
	base string // BaseURL without a trailing slash
	tag  string

	mu         sync.Mutex
	byName     map[string]*Identity // nil while the identity is being signed
	cas        []*authority         // every identity that has issued or may issue
	keysUsed   map[KeyAlg]int
	leafCount  int
	strangerMu sync.Mutex
	stranger   *Identity
}

// authority is the issuing and revocation state of one issuer.
type authority struct {
	id        *Identity
	keyBits   []byte                       // subjectPublicKey bits, for OCSP CertIDs
	issued    map[string]*x509.Certificate // by serial number in hex
	revoked   map[string]revocation        // by serial number in hex
	crlNumber int64
}

// serialKey is the map key of a serial number. Hex, because converting a
// hostile 64 KiB serial from an OCSP request to decimal is quadratic.
func serialKey(n *big.Int) string { return n.Text(16) }

type revocation struct {
	serial *big.Int
	at     time.Time
	reason int
}

// LeafSpec describes a certificate for [PKI.Issue]. Zero fields take the
// defaults given, which make an applicant-like certificate issued by the
// intermediate CA.
type LeafSpec struct {
	// Name is the identity's short name: lower-case letters, digits and
	// '-', unique within the PKI. Empty means "leaf-<n>".
	Name string

	// Issuer is the identity that signs the certificate; nil means the
	// intermediate CA. It must be an identity of this PKI: Root,
	// Intermediate, the result of Stranger or of Issue. It need not be a CA,
	// so tests can make a certificate signed by an end entity.
	Issuer *Identity

	// Subject is the certificate's subject; a zero Subject means a citizen
	// with a Cyrillic name, C=KG and a random personal number, or, with
	// IsCA, a test CA name.
	Subject pkix.Name

	// KeyAlg is the key algorithm of the new key; zero means Config.KeyAlg.
	KeyAlg KeyAlg

	// SignatureAlgorithm is the algorithm the issuer signs with, such as
	// x509.SHA1WithRSA for a weak-signature test; zero lets crypto/x509
	// choose from the issuer's key (SHA-256 for RSA and P-256).
	SignatureAlgorithm x509.SignatureAlgorithm

	// NotBefore and NotAfter bound the validity period. Zero NotBefore
	// means one hour before now, or NotAfter - Config.LeafValidity when only
	// NotAfter is set; zero NotAfter means NotBefore + LeafValidity when
	// only NotBefore is set, else now + LeafValidity. Set both in the past
	// for an expired certificate, in the future for a not-yet-valid one.
	NotBefore, NotAfter time.Time

	// KeyUsage zero means digitalSignature|contentCommitment, or
	// certSign|crlSign with IsCA.
	KeyUsage x509.KeyUsage

	// ExtKeyUsage and UnknownExtKeyUsage both nil mean emailProtection and
	// document signing (OIDDocumentSigning), or no EKU with IsCA.
	ExtKeyUsage        []x509.ExtKeyUsage
	UnknownExtKeyUsage []asn1.ObjectIdentifier

	// CriticalEKU marks the extended key usage extension critical.
	CriticalEKU bool

	// IsCA makes a CA certificate (basicConstraints cA=TRUE, no path
	// length limit).
	IsCA bool

	// Edit, if set, may change the certificate template after the defaults
	// are filled in and before it is signed: remove the qcStatements or the
	// URLs, add policies or odd extensions. Serial number, validity and key
	// usage are already set; changes that make crypto/x509 refuse to sign
	// are returned as errors from Issue.
	Edit func(template *x509.Certificate)
}

// New builds a PKI: a root CA, an intermediate CA and the executor,
// applicant, OCSP responder and time-stamp authority identities.
func New(cfg Config) (*PKI, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	p := &PKI{
		cfg:      cfg,
		base:     cfg.BaseURL,
		tag:      randomTag(),
		byName:   make(map[string]*Identity),
		keysUsed: make(map[KeyAlg]int),
	}
	now := p.Now()
	caNotAfter := now.Add(cfg.CAValidity)
	var err error
	if p.Root, err = p.issue(LeafSpec{
		Name: "root", Subject: rootSubject(p.tag), IsCA: true,
		NotBefore: now.Add(-backdate), NotAfter: caNotAfter,
	}, issueOpts{selfSigned: true}); err != nil {
		return nil, err
	}
	if p.Intermediate, err = p.issue(LeafSpec{
		Name: "intermediate", Issuer: p.Root, Subject: intermediateSubject(p.tag), IsCA: true,
		NotBefore: now.Add(-backdate), NotAfter: caNotAfter,
	}, issueOpts{pathLenZero: true}); err != nil {
		return nil, err
	}
	personEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	personUnknownEKU := []asn1.ObjectIdentifier{OIDDocumentSigning}
	if p.Executor, err = p.issue(LeafSpec{
		Name: "executor", Subject: executorSubject(personalNumber(executorPerson.female)),
		ExtKeyUsage: personEKU, UnknownExtKeyUsage: personUnknownEKU,
	}, issueOpts{qualified: true}); err != nil {
		return nil, err
	}
	if p.Applicant, err = p.issue(LeafSpec{
		Name: "applicant", Subject: applicantPerson.subject(personalNumber(applicantPerson.female)),
		ExtKeyUsage: personEKU, UnknownExtKeyUsage: personUnknownEKU,
	}, issueOpts{qualified: true}); err != nil {
		return nil, err
	}
	if p.OCSPResponder, err = p.issue(LeafSpec{
		Name: "ocsp",
		Subject: pkix.Name{
			CommonName:         "Тестовый OCSP-ответчик",
			Organization:       []string{"Тестовый удостоверяющий центр"},
			OrganizationalUnit: testOU(p.tag),
			Country:            []string{"KG"},
		},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
	}, issueOpts{ocspNoCheck: true}); err != nil {
		return nil, err
	}
	if p.TSA, err = p.issue(LeafSpec{
		Name: "tsa",
		Subject: pkix.Name{
			CommonName:         "Тестовая служба штампов времени",
			Organization:       []string{"Тестовый удостоверяющий центр"},
			OrganizationalUnit: testOU(p.tag),
			Country:            []string{"KG"},
		},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		CriticalEKU: true,
	}, issueOpts{}); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *Config) fill() error {
	if c.KeyAlg == 0 {
		c.KeyAlg = ECDSAP256
	}
	if !c.KeyAlg.valid() {
		return &FieldError{Field: "Config.KeyAlg", Problem: fmt.Sprintf("%v is not a known algorithm; use one of the KeyAlg constants", c.KeyAlg)}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"Config.CAValidity", &c.CAValidity, DefaultCAValidity},
		{"Config.LeafValidity", &c.LeafValidity, DefaultLeafValidity},
		{"Config.StatusValidity", &c.StatusValidity, DefaultStatusValidity},
	} {
		if *d.v < 0 {
			return &FieldError{Field: d.name, Problem: "must not be negative; use zero for the default"}
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return &FieldError{Field: "Config.BaseURL", Problem: "must be an absolute http or https URL without user, query or fragment, such as http://127.0.0.1:8080"}
		}
		for len(c.BaseURL) > 0 && c.BaseURL[len(c.BaseURL)-1] == '/' {
			c.BaseURL = c.BaseURL[:len(c.BaseURL)-1]
		}
	}
	return nil
}

// Now returns the PKI's clock reading, in UTC, truncated to the second.
func (p *PKI) Now() time.Time {
	return p.cfg.Now().UTC().Truncate(time.Second)
}

// Roots returns a new pool holding the root CA certificate, for
// x509.VerifyOptions.Roots.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root.Cert)
	return pool
}

// Issue issues a certificate to a new key, as spec says. The name
// "stranger" is reserved for [PKI.Stranger].
func (p *PKI) Issue(spec LeafSpec) (*Identity, error) {
	if spec.Name == "stranger" {
		return nil, &FieldError{Field: "LeafSpec.Name", Problem: `"stranger" is reserved for PKI.Stranger; choose another`}
	}
	return p.issue(spec, issueOpts{qualified: true})
}

// Stranger returns a root CA that is not this PKI's root: certificates it
// issues (LeafSpec.Issuer = the stranger) must be rejected by a verifier
// that trusts only Root. Its certificate and CRL are served like the other
// CAs', as an attacker's would be. The first call creates it.
func (p *PKI) Stranger() (*Identity, error) {
	p.strangerMu.Lock()
	defer p.strangerMu.Unlock()
	if p.stranger != nil {
		return p.stranger, nil
	}
	now := p.Now()
	s, err := p.issue(LeafSpec{
		Name: "stranger", Subject: strangerSubject(randomTag()), IsCA: true,
		NotBefore: now.Add(-backdate), NotAfter: now.Add(p.cfg.CAValidity),
	}, issueOpts{selfSigned: true})
	if err != nil {
		return nil, err
	}
	p.stranger = s
	return s, nil
}

// issueOpts are the parts of the built-in profiles a LeafSpec cannot say.
type issueOpts struct {
	selfSigned  bool // a root: issuer is the certificate itself
	pathLenZero bool // basicConstraints pathLenConstraint 0
	qualified   bool // qcStatements, when the certificate is not a CA
	ocspNoCheck bool // id-pkix-ocsp-nocheck, no OCSP URL
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func (p *PKI) issue(spec LeafSpec, o issueOpts) (*Identity, error) {
	now := p.Now()
	if spec.KeyAlg == 0 {
		spec.KeyAlg = p.cfg.KeyAlg
	}
	if !spec.KeyAlg.valid() {
		return nil, &FieldError{Field: "LeafSpec.KeyAlg", Problem: fmt.Sprintf("%v is not a known algorithm; use one of the KeyAlg constants", spec.KeyAlg)}
	}
	if spec.Name != "" && !nameRE.MatchString(spec.Name) {
		return nil, &FieldError{Field: "LeafSpec.Name", Problem: fmt.Sprintf("%q must be 1 to 63 lower-case letters, digits or '-', starting with a letter or digit", spec.Name)}
	}
	switch {
	case spec.NotBefore.IsZero() && spec.NotAfter.IsZero():
		spec.NotBefore, spec.NotAfter = now.Add(-backdate), now.Add(p.cfg.LeafValidity)
	case spec.NotBefore.IsZero():
		spec.NotBefore = spec.NotAfter.Add(-p.cfg.LeafValidity)
	case spec.NotAfter.IsZero():
		spec.NotAfter = spec.NotBefore.Add(p.cfg.LeafValidity)
	}
	spec.NotBefore = spec.NotBefore.UTC().Truncate(time.Second)
	spec.NotAfter = spec.NotAfter.UTC().Truncate(time.Second)
	if !spec.NotAfter.After(spec.NotBefore) {
		return nil, &FieldError{Field: "LeafSpec.NotAfter", Problem: "must be after NotBefore"}
	}

	// Reserve the name and a key slot, and find the issuer.
	p.mu.Lock()
	if spec.Name == "" {
		for {
			p.leafCount++
			spec.Name = fmt.Sprintf("leaf-%d", p.leafCount)
			if _, taken := p.byName[spec.Name]; !taken {
				break
			}
		}
	}
	if _, taken := p.byName[spec.Name]; taken {
		p.mu.Unlock()
		return nil, &FieldError{Field: "LeafSpec.Name", Problem: fmt.Sprintf("%q is already taken in this PKI; choose another", spec.Name)}
	}
	var issuer *authority
	if !o.selfSigned {
		if spec.Issuer == nil {
			spec.Issuer = p.Intermediate
		}
		issuer = p.authorityOf(spec.Issuer)
		if issuer == nil {
			p.mu.Unlock()
			return nil, fmt.Errorf("LeafSpec.Issuer %q: %w", spec.Issuer.Name, ErrUnknownIssuer)
		}
	}
	slot := -1
	if p.cfg.ReuseKeys && spec.KeyAlg.rsaBits() != 0 {
		slot = p.keysUsed[spec.KeyAlg]
		p.keysUsed[spec.KeyAlg]++
	}
	p.byName[spec.Name] = nil // reserved while signing; replaced below or removed on error
	p.mu.Unlock()

	id, err := p.sign(spec, o, issuer, slot)
	var bits []byte
	if err == nil {
		bits, err = publicKeyBits(id.Cert)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		delete(p.byName, spec.Name)
		return nil, err
	}
	if issuer != nil {
		key := serialKey(id.Cert.SerialNumber)
		if issuer.issued[key] != nil {
			// 2^-127 odds; refuse rather than issue a duplicate serial.
			delete(p.byName, spec.Name)
			return nil, fmt.Errorf("testpki: serial number collision under %q; issue again", issuer.id.Name)
		}
		issuer.issued[key] = id.Cert
	}
	p.byName[spec.Name] = id
	p.cas = append(p.cas, &authority{id: id, keyBits: bits, issued: map[string]*x509.Certificate{}, revoked: map[string]revocation{}})
	return id, nil
}

// authorityOf returns the authority record of id, or nil. p.mu must be held.
func (p *PKI) authorityOf(id *Identity) *authority {
	for _, a := range p.cas {
		if a.id == id {
			return a
		}
	}
	return nil
}

// sign makes the key and the certificate. It runs without p.mu, since RSA
// key generation can take a second.
func (p *PKI) sign(spec LeafSpec, o issueOpts, issuer *authority, slot int) (*Identity, error) {
	var key crypto.Signer
	var err error
	if slot >= 0 {
		key, err = pooledKey(spec.KeyAlg, slot)
	} else {
		key, err = generateKey(spec.KeyAlg)
	}
	if err != nil {
		return nil, fmt.Errorf("testpki: generating a %v key: %w", spec.KeyAlg, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("testpki: drawing a serial number: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("testpki: encoding a %v public key: %w", spec.KeyAlg, err)
	}
	bits, err := spkiBits(der)
	if err != nil {
		return nil, err
	}
	ski := sha1.Sum(bits)
	subject := spec.Subject
	if len(subject.ToRDNSequence()) == 0 {
		if spec.IsCA {
			subject = pkix.Name{
				CommonName:         "Тестовый подчинённый УЦ " + spec.Name,
				Organization:       []string{"Тестовый удостоверяющий центр"},
				OrganizationalUnit: testOU(p.tag),
				Country:            []string{"KG"},
			}
		} else {
			who := otherPeople[int(serial.Int64()&0xffff)%len(otherPeople)]
			subject = who.subject(personalNumber(who.female))
		}
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             spec.NotBefore,
		NotAfter:              spec.NotAfter,
		KeyUsage:              spec.KeyUsage,
		ExtKeyUsage:           spec.ExtKeyUsage,
		UnknownExtKeyUsage:    spec.UnknownExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  spec.IsCA,
		MaxPathLen:            -1,
		SubjectKeyId:          ski[:],
		SignatureAlgorithm:    spec.SignatureAlgorithm,
	}
	if o.pathLenZero {
		t.MaxPathLen, t.MaxPathLenZero = 0, true
	}
	if t.KeyUsage == 0 {
		if spec.IsCA {
			t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		} else {
			t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		}
	}
	if !spec.IsCA && t.ExtKeyUsage == nil && t.UnknownExtKeyUsage == nil {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
		t.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDDocumentSigning}
	}
	if o.qualified && !spec.IsCA {
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: OIDQCStatements, Value: qcStatementsValue})
	}
	if o.ocspNoCheck {
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: OIDOCSPNoCheck, Value: ocspNoCheckValue})
	}
	if issuer != nil && p.base != "" {
		if !o.ocspNoCheck {
			t.OCSPServer = []string{p.base + "/ocsp"}
		}
		t.IssuingCertificateURL = []string{p.base + "/ca/" + issuer.id.Name + ".cer"}
		t.CRLDistributionPoints = []string{p.base + "/crl/" + issuer.id.Name + ".crl"}
	}
	if spec.Edit != nil {
		spec.Edit(t)
	}
	if spec.CriticalEKU {
		ext, err := criticalEKU(t.ExtKeyUsage, t.UnknownExtKeyUsage)
		if err != nil {
			return nil, err
		}
		t.ExtraExtensions = append(t.ExtraExtensions, ext)
	}

	parent, signer := t, key
	var chain []*x509.Certificate
	if issuer != nil {
		parent, signer = issuer.id.Cert, issuer.id.Key
		if !issuer.id.selfSigned {
			chain = append([]*x509.Certificate{issuer.id.Cert}, issuer.id.Chain...)
		}
	}
	der, err = x509.CreateCertificate(rand.Reader, t, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("testpki: issuing %q: %w", spec.Name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testpki: parsing the certificate just issued to %q: %w", spec.Name, err)
	}
	return &Identity{Name: spec.Name, Cert: cert, Key: key, Chain: chain, selfSigned: issuer == nil}, nil
}

// spkiBits returns the subjectPublicKey bits of a DER SubjectPublicKeyInfo:
// what the subject key identifier (RFC 5280, 4.2.1.2, method 1; crypto/x509
// fills it in only for CAs, CreateRevocationList needs it on every issuer)
// and OCSP's issuerKeyHash and byKey responder ID are hashes of.
func spkiBits(spki []byte) ([]byte, error) {
	var v struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &v); err != nil {
		return nil, fmt.Errorf("testpki: decoding a public key: %w", err)
	} else if len(rest) != 0 {
		return nil, errors.New("testpki: decoding a public key: trailing data")
	}
	return v.PublicKey.RightAlign(), nil
}

func publicKeyBits(c *x509.Certificate) ([]byte, error) { return spkiBits(c.RawSubjectPublicKeyInfo) }

// ekuOIDs maps crypto/x509's extended key usages to their OIDs, which
// crypto/x509 does not export; only what criticalEKU needs.
var ekuOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageAny:             {2, 5, 29, 37, 0},
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    oidEKUTimeStamp,
	x509.ExtKeyUsageOCSPSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 9},
}

// criticalEKU encodes an extended key usage extension marked critical; set
// in ExtraExtensions it replaces the non-critical one crypto/x509 writes.
func criticalEKU(known []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) (pkix.Extension, error) {
	var oids []asn1.ObjectIdentifier
	for _, u := range known {
		oid, ok := ekuOIDs[u]
		if !ok {
			return pkix.Extension{}, &FieldError{Field: "LeafSpec.ExtKeyUsage", Problem: fmt.Sprintf("usage %d cannot be marked critical here; give it in UnknownExtKeyUsage as an OID", u)}
		}
		oids = append(oids, oid)
	}
	oids = append(oids, unknown...)
	if len(oids) == 0 {
		return pkix.Extension{}, &FieldError{Field: "LeafSpec.CriticalEKU", Problem: "set, but the certificate has no extended key usage to mark critical"}
	}
	v, err := asn1.Marshal(oids)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("testpki: encoding extended key usage: %w", err)
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: v}, nil
}

func randomTag() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("testpki: crypto/rand failed: " + err.Error()) // rand.Read does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}
