package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Limits on fetched revocation data, so that a hostile or broken server
// cannot make the verifier read without end.
const (
	maxOCSPResponse = 1 << 20
	maxCRL          = 32 << 20
)

// clockSkew is how much earlier than the time it must cover a revocation
// record may have been issued and still count as fresh.
const clockSkew = 5 * time.Minute

type revState int

const (
	revUnknown revState = iota
	revGood
	revRevoked
)

// revStatus is what the revocation data says of one certificate.
type revStatus struct {
	state     revState
	revokedAt time.Time
	reason    int
	source    string    // "OCSP" or "CRL", and where it came from
	issued    time.Time // when the deciding record was issued (thisUpdate)
	next      time.Time // when the record's issuer promised the next one (nextUpdate; may be zero)
	problems  []Message // sources tried and rejected, or not tried
}

// revocationChecker finds revocation data for certificates: first in what
// the signature or document embeds, then online when the policy allows. It
// caches per validation run, so a chain shared by several signatures is
// checked once.
type revocationChecker struct {
	policy *Policy
	ocsp   [][]byte // embedded OCSP responses (DER)
	crls   []parsedCRL
	cache  map[string]*revStatus
	// Responses and CRLs that validated, so that B-LT signing can embed them.
	usedOCSP [][]byte
	usedCRLs [][]byte
}

// parsedCRL is a CRL and the SHA-256 of its DER, which keys its
// signature check in a Cache.
type parsedCRL struct {
	*x509.RevocationList
	sum [32]byte
}

func parseCRL(raw []byte) (parsedCRL, error) {
	crl, err := x509.ParseRevocationList(raw)
	if err != nil {
		return parsedCRL{}, err
	}
	return parsedCRL{crl, sha256.Sum256(crl.Raw)}, nil
}

func newRevocationChecker(p *Policy, ocspResponses, crls [][]byte) *revocationChecker {
	rc := &revocationChecker{policy: p, ocsp: ocspResponses, cache: map[string]*revStatus{}}
	for _, raw := range crls {
		if crl, err := parseCRL(raw); err == nil {
			rc.crls = append(rc.crls, crl)
		}
	}
	return rc
}

// status returns the revocation status of cert, issued by issuer, as it
// must be known at time at: a "good" record counts only if it was issued at
// or after at, or was current at that time.
func (rc *revocationChecker) status(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) *revStatus {
	key := string(issuer.RawSubjectPublicKeyInfo) + cert.SerialNumber.String() + at.String()
	if st, ok := rc.cache[key]; ok {
		return st
	}
	st := rc.lookup(ctx, cert, issuer, at)
	rc.cache[key] = st
	return st
}

func (rc *revocationChecker) lookup(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) *revStatus {
	st := &revStatus{}
	subject := cert.Subject.CommonName
	if subject == "" {
		subject = cert.Subject.String()
	}
	// A record that says "revoked" decides at once, whatever its age; a
	// "good" one only if it is fresh enough for at.
	consider := func(got *revStatus) bool {
		switch {
		case got.state == revRevoked:
			got.problems = st.problems
			*st = *got
			return true
		case got.state == revGood && got.fresh(at):
			got.problems = st.problems
			*st = *got
			return true
		case got.state == revGood:
			st.problems = append(st.problems, newMessage(LevelWarning, "REVOCATION_RESPONSE_BAD",
				"subject", subject, "source", got.source,
				"error", "it was issued "+got.issued.UTC().Format(time.RFC3339)+", too long before "+at.UTC().Format(time.RFC3339)))
		}
		return false
	}

	for _, raw := range rc.ocsp {
		got, err := rc.policy.cache().checkOCSP(raw, cert, issuer, "embedded OCSP response")
		if err != nil {
			continue // an OCSP response for another certificate
		}
		if consider(got) {
			rc.usedOCSP = append(rc.usedOCSP, raw)
			return st
		}
	}
	for _, crl := range rc.crls {
		got, err := checkCRL(rc.policy.cache(), crl, cert, issuer, "embedded CRL")
		if err != nil {
			continue
		}
		if consider(got) {
			rc.usedCRLs = append(rc.usedCRLs, crl.Raw)
			return st
		}
	}

	for _, u := range cert.OCSPServer {
		if !rc.policy.mayFetch(u) {
			st.problems = append(st.problems, newMessage(LevelInfo, "REVOCATION_ONLINE_OFF", "subject", subject, "url", u))
			continue
		}
		raw, err := fetchOCSP(ctx, rc.policy.httpClient(), u, cert, issuer)
		if err != nil {
			st.problems = append(st.problems, newMessage(LevelWarning, "REVOCATION_FETCH_FAILED", "subject", subject, "url", u, "error", err.Error()))
			continue
		}
		got, err := rc.policy.cache().checkOCSP(raw, cert, issuer, "OCSP "+u)
		if err != nil {
			st.problems = append(st.problems, newMessage(LevelWarning, "REVOCATION_RESPONSE_BAD", "subject", subject, "source", u, "error", err.Error()))
			continue
		}
		if consider(got) {
			rc.usedOCSP = append(rc.usedOCSP, raw)
			return st
		}
	}
	for _, u := range cert.CRLDistributionPoints {
		if !rc.policy.mayFetch(u) {
			st.problems = append(st.problems, newMessage(LevelInfo, "REVOCATION_ONLINE_OFF", "subject", subject, "url", u))
			continue
		}
		raw, err := fetch(ctx, rc.policy.httpClient(), http.MethodGet, u, nil, "", maxCRL)
		if err == nil {
			var crl parsedCRL
			if crl, err = parseCRL(raw); err == nil {
				var got *revStatus
				if got, err = checkCRL(rc.policy.cache(), crl, cert, issuer, "CRL "+u); err == nil {
					if consider(got) {
						rc.usedCRLs = append(rc.usedCRLs, raw)
						return st
					}
					continue
				}
			}
		}
		st.problems = append(st.problems, newMessage(LevelWarning, "REVOCATION_FETCH_FAILED", "subject", subject, "url", u, "error", err.Error()))
	}
	return st
}

// fresh reports whether a "good" record says anything about time at: it
// was issued after at (less clock skew), or at lies in its validity window
// from thisUpdate to nextUpdate.
func (s *revStatus) fresh(at time.Time) bool {
	if !s.issued.Before(at.Add(-clockSkew)) {
		return true
	}
	return !s.next.IsZero() && !at.Before(s.issued) && !at.After(s.next)
}

// checkOCSP validates an OCSP response for cert: signed by the issuer or by
// a responder the issuer delegated to (id-kp-OCSPSigning), and about this
// certificate.
// cache, when not nil, remembers that the issuer signed the responder's
// certificate, which all responses of one responder share.
func checkOCSP(cache *Cache, raw []byte, cert, issuer *x509.Certificate, source string) (*revStatus, error) {
	resp, err := parseOCSP(cache, raw, cert, issuer)
	if err != nil {
		return nil, err
	}
	if resp.Certificate != nil && !bytes.Equal(resp.Certificate.Raw, issuer.Raw) {
		// ParseResponseForCert checked that the issuer signed the responder
		// certificate; RFC 6960 §4.2.2.2 also wants the delegation marked.
		delegated := false
		for _, eku := range resp.Certificate.ExtKeyUsage {
			if eku == x509.ExtKeyUsageOCSPSigning {
				delegated = true
			}
		}
		if !delegated {
			return nil, errors.New("the OCSP responder's certificate is not authorised for OCSP signing")
		}
		if resp.ProducedAt.Before(resp.Certificate.NotBefore) || resp.ProducedAt.After(resp.Certificate.NotAfter) {
			return nil, errors.New("the OCSP responder's certificate was not valid when the response was produced")
		}
	}
	if resp.SerialNumber == nil || resp.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return nil, errors.New("the OCSP response is about another certificate")
	}
	st := &revStatus{source: source, issued: resp.ThisUpdate, next: resp.NextUpdate}
	switch resp.Status {
	case ocsp.Good:
		st.state = revGood
	case ocsp.Revoked:
		st.state, st.revokedAt, st.reason = revRevoked, resp.RevokedAt, resp.RevocationReason
	default:
		return nil, errors.New("the OCSP responder does not know the certificate")
	}
	return st, nil
}

// parseOCSP is ocsp.ParseResponseForCert(raw, cert, issuer). With a
// cache, it has the library check the response's signature by the
// responder's certificate, then checks (or recalls) that issuer signed that
// certificate, as the library would, and with the library's error.
func parseOCSP(cache *Cache, raw []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	if cache == nil {
		return ocsp.ParseResponseForCert(raw, cert, issuer)
	}
	resp, err := ocsp.ParseResponseForCert(raw, cert, nil)
	if err != nil {
		return nil, err
	}
	if resp.Certificate != nil {
		err = cache.certSignature(resp.Certificate, issuer)
	} else {
		err = resp.CheckSignatureFrom(issuer)
	}
	if err != nil {
		return nil, ocsp.ParseError("bad OCSP signature: " + err.Error())
	}
	return resp, nil
}

// CRL extensions that narrow what a CRL covers (RFC 5280 §5.2.4, §5.2.5).
var (
	oidDeltaCRLIndicator        = []int{2, 5, 29, 27}
	oidIssuingDistributionPoint = []int{2, 5, 29, 28}
)

// checkCRL looks cert up in a CRL that issuer signed. Only complete CRLs
// are used: a delta CRL or one whose issuing distribution point limits its
// scope (CA certificates only, some reasons, another distribution point)
// could say nothing of cert, and reading it as "not revoked" would be a
// false "good".
func checkCRL(cache *Cache, crl parsedCRL, cert, issuer *x509.Certificate, source string) (*revStatus, error) {
	if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
		return nil, errors.New("the CRL is from another issuer")
	}
	for _, e := range crl.Extensions {
		switch {
		case e.Id.Equal(oidDeltaCRLIndicator), e.Id.Equal(oidIssuingDistributionPoint):
			return nil, errors.New("delta and partitioned CRLs are not supported")
		case e.Critical:
			return nil, fmt.Errorf("the CRL has an unknown critical extension %v", e.Id)
		}
	}
	if err := cache.crlSignature(crl.RevocationList, crl.sum, issuer); err != nil {
		return nil, fmt.Errorf("the CRL's signature does not verify: %w", err)
	}
	st := &revStatus{state: revGood, source: source, issued: crl.ThisUpdate, next: crl.NextUpdate}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			st.state, st.revokedAt, st.reason = revRevoked, e.RevocationTime, e.ReasonCode
			break
		}
	}
	return st, nil
}

func fetchOCSP(ctx context.Context, client *http.Client, url string, cert, issuer *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{})
	if err != nil {
		return nil, err
	}
	return fetch(ctx, client, http.MethodPost, url, req, "application/ocsp-request", maxOCSPResponse)
}

// fetch performs one HTTP request and reads at most limit bytes of the
// answer.
func fetch(ctx context.Context, client *http.Client, method, url string, body []byte, contentType string, limit int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", limit)
	}
	return data, nil
}
