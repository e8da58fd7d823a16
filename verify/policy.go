package verify

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Policy says what a validation trusts and accepts. The zero Policy trusts
// nothing, so every signature is at best INDETERMINATE; set Roots.
type Policy struct {
	// Roots are the trust anchors (for Kyrgyzstan, the national root
	// certification centre).
	Roots *x509.CertPool
	// Intermediates are extra CA certificates used to build chains, in
	// addition to the ones the signature carries.
	Intermediates []*x509.Certificate

	// Online allows fetching OCSP responses and CRLs from the addresses that
	// certificates name (AIA and CRL distribution points). It is off by
	// default: an uploaded document must not make the verifier fetch URLs
	// of its author's choosing. With OnlineHosts set, only those hosts
	// are contacted.
	Online      bool
	OnlineHosts []string
	// HTTPClient fetches revocation data; nil means a client with a
	// 10-second timeout.
	HTTPClient *http.Client

	// Revocation says what to do when no revocation data can be had for a
	// certificate: RevocationRequired (the default) makes the signature
	// INDETERMINATE/TRY_LATER; RevocationBestEffort records a warning.
	Revocation RevocationMode

	// MinRSABits is the smallest RSA key accepted (default 2048); AllowSHA1
	// accepts SHA-1 digests (rejected by default: SHA-1 collisions are
	// practical).
	MinRSABits int
	AllowSHA1  bool

	// Now is the validation clock; nil means time.Now.
	Now func() time.Time

	// Cache, when set, remembers the cryptographic checks shared by many
	// documents (certificate paths, OCSP responses, CRL signatures) from
	// one validation to the next; see Cache for what is and is not
	// remembered. A server that validates many uploads shares one. nil
	// checks everything afresh each time.
	Cache *Cache
}

// RevocationMode is what a policy does when revocation data is missing.
type RevocationMode int

// Revocation modes.
const (
	RevocationRequired   RevocationMode = iota // no revocation data: INDETERMINATE/TRY_LATER
	RevocationBestEffort                       // no revocation data: a warning only
)

func (p *Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Policy) minRSABits() int {
	if p.MinRSABits > 0 {
		return p.MinRSABits
	}
	return 2048
}

func (p *Policy) httpClient() *http.Client {
	if p.HTTPClient != nil {
		return p.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// mayFetch reports whether the policy lets the verifier fetch rawURL.
func (p *Policy) mayFetch(rawURL string) bool {
	if !p.Online {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if len(p.OnlineHosts) == 0 {
		return true
	}
	for _, h := range p.OnlineHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// ErrNoTrustAnchors is returned by LoadTrust when the files it was given
// hold no certificate.
var ErrNoTrustAnchors = errors.New("verify: no trusted root certificates found; give PEM files or directories of them")

// LoadTrust reads trust anchors from PEM files, or from every .pem, .crt and
// .cer file in the directories named. DER files are accepted too.
func LoadTrust(paths ...string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("verify: trust store: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("verify: trust store: %w", err)
			}
			for _, e := range entries {
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".pem", ".crt", ".cer":
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			certs, err := readCertificates(f)
			if err != nil {
				return nil, err
			}
			for _, c := range certs {
				pool.AddCert(c)
				n++
			}
		}
	}
	if n == 0 {
		return nil, ErrNoTrustAnchors
	}
	return pool, nil
}

// readCertificates reads every certificate in a PEM file, or the one in a
// DER file.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("verify: trust store: %w", err)
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("verify: trust store %s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		if c, err := x509.ParseCertificate(data); err == nil {
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("verify: trust store %s: no certificate in the file", path)
	}
	return certs, nil
}
