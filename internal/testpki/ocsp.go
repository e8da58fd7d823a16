// This file holds the OCSP responder: the request parser, the response
// encoder, OCSPResponse for embedding and the HTTP handler.

package testpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Limits on what the responder reads from a client.
const (
	maxOCSPRequest = 64 << 10 // bytes of DER; real requests are ~100 bytes
	maxCertIDs     = 16       // requests in one OCSPRequest
	maxNonce       = 32       // octets, RFC 8954
)

var (
	oidOCSPBasic       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
)

var certIDHashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA1, crypto.SHA1}, {oidSHA256, crypto.SHA256}, {oidSHA384, crypto.SHA384}, {oidSHA512, crypto.SHA512},
}

// OCSP response statuses (RFC 6960, 4.2.1) the responder sends on failure.
const (
	ocspMalformedRequest = 1
	ocspInternalError    = 2
	ocspUnauthorized     = 6
)

// Certificate statuses, as golang.org/x/crypto/ocsp numbers them.
const (
	statusGood    = 0
	statusRevoked = 1
	statusUnknown = 2
)

// errMalformedRequest is wrapped by every error of parseOCSPRequest.
var errMalformedRequest = errors.New("testpki: malformed OCSP request")

func malformed(why string) error { return fmt.Errorf("%w: %s", errMalformedRequest, why) }

// certID is one CertID of a request (RFC 6960, 4.1.1).
type certID struct {
	raw      []byte // the DER CertID as the client sent it, echoed in the response
	hash     crypto.Hash
	nameHash []byte
	keyHash  []byte
	serial   *big.Int
}

// ocspRequest is what the responder needs of an OCSPRequest.
type ocspRequest struct {
	certIDs []certID
	nonce   []byte // extnValue of the nonce extension, to echo; nil if absent
}

var (
	tagExplicit0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagExplicit1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagExplicit2 = cbasn1.Tag(2).ContextSpecific().Constructed()
)

// parseOCSPRequest parses a DER OCSPRequest (RFC 6960, 4.1.1). It accepts a
// signed request but ignores the signature, as the responder does not
// require one; it rejects unknown critical extensions and nonces outside
// 1-32 octets (RFC 8954).
func parseOCSPRequest(der []byte) (*ocspRequest, error) {
	if len(der) > maxOCSPRequest {
		return nil, malformed("larger than 64 KiB")
	}
	in := cryptobyte.String(der)
	var outer, tbs cryptobyte.String
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("not a DER SEQUENCE")
	}
	if !outer.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, malformed("no tbsRequest")
	}
	if !outer.SkipOptionalASN1(tagExplicit0) || !outer.Empty() {
		return nil, malformed("unexpected data after tbsRequest")
	}
	var version cryptobyte.String
	var hasVersion bool
	if !tbs.ReadOptionalASN1(&version, &hasVersion, tagExplicit0) {
		return nil, malformed("bad version")
	}
	if hasVersion {
		var v int64
		if !version.ReadASN1Int64WithTag(&v, cbasn1.INTEGER) || !version.Empty() || v != 0 {
			return nil, malformed("version is not v1")
		}
	}
	if !tbs.SkipOptionalASN1(tagExplicit1) { // requestorName, unused
		return nil, malformed("bad requestorName")
	}
	var list cryptobyte.String
	if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, malformed("no requestList")
	}
	req := new(ocspRequest)
	for !list.Empty() {
		if len(req.certIDs) == maxCertIDs {
			return nil, malformed(fmt.Sprintf("more than %d certificates in one request", maxCertIDs))
		}
		var one, raw cryptobyte.String
		if !list.ReadASN1(&one, cbasn1.SEQUENCE) || !one.ReadASN1Element(&raw, cbasn1.SEQUENCE) ||
			!one.SkipOptionalASN1(tagExplicit0) || !one.Empty() {
			return nil, malformed("bad Request in requestList")
		}
		id, err := parseCertID(raw)
		if err != nil {
			return nil, err
		}
		req.certIDs = append(req.certIDs, id)
	}
	if len(req.certIDs) == 0 {
		return nil, malformed("empty requestList")
	}
	var exts cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&exts, &hasExts, tagExplicit2) || !tbs.Empty() {
		return nil, malformed("bad requestExtensions")
	}
	if hasExts {
		var seq cryptobyte.String
		if !exts.ReadASN1(&seq, cbasn1.SEQUENCE) || !exts.Empty() {
			return nil, malformed("bad requestExtensions")
		}
		for !seq.Empty() {
			var ext cryptobyte.String
			var oid asn1.ObjectIdentifier
			var critical bool
			var value []byte
			if !seq.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
				!ext.ReadOptionalASN1Boolean(&critical, cbasn1.BOOLEAN, false) ||
				!ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
				return nil, malformed("bad Extension")
			}
			switch {
			case oid.Equal(oidOCSPNonce):
				if req.nonce != nil {
					return nil, malformed("two nonce extensions")
				}
				v := cryptobyte.String(value)
				var nonce []byte
				if !v.ReadASN1Bytes(&nonce, cbasn1.OCTET_STRING) || !v.Empty() || len(nonce) < 1 || len(nonce) > maxNonce {
					return nil, malformed("nonce is not an OCTET STRING of 1 to 32 octets (RFC 8954)")
				}
				req.nonce = bytes.Clone(value)
			case critical:
				return nil, malformed("unsupported critical extension " + oid.String())
			}
		}
	}
	return req, nil
}

func parseCertID(raw cryptobyte.String) (certID, error) {
	id := certID{raw: bytes.Clone(raw), serial: new(big.Int)}
	var body, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !raw.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return certID{}, malformed("bad CertID")
	}
	if !alg.Empty() && (!alg.SkipASN1(cbasn1.NULL) || !alg.Empty()) {
		return certID{}, malformed("bad CertID hash parameters")
	}
	for _, h := range certIDHashes {
		if oid.Equal(h.oid) {
			id.hash = h.hash
		}
	}
	if id.hash == 0 {
		return certID{}, malformed("CertID hash algorithm " + oid.String() + " is not SHA-1 or SHA-2")
	}
	if !body.ReadASN1Bytes(&id.nameHash, cbasn1.OCTET_STRING) || !body.ReadASN1Bytes(&id.keyHash, cbasn1.OCTET_STRING) ||
		!body.ReadASN1Integer(id.serial) || !body.Empty() {
		return certID{}, malformed("bad CertID")
	}
	if len(id.nameHash) != id.hash.Size() || len(id.keyHash) != id.hash.Size() {
		return certID{}, malformed("CertID hash length does not match its algorithm")
	}
	return id, nil
}

// matches reports whether the CertID names a as the issuer.
func (id *certID) matches(a *authority) bool {
	h := id.hash.New()
	h.Write(a.id.Cert.RawSubject)
	if !bytes.Equal(h.Sum(nil), id.nameHash) {
		return false
	}
	h.Reset()
	h.Write(a.keyBits)
	return bytes.Equal(h.Sum(nil), id.keyHash)
}

// singleResponse is the status of one certificate.
type singleResponse struct {
	id        certID
	status    int
	revokedAt time.Time
	reason    int
}

// status returns a's view of a serial number at time at. p.mu must be held.
func (a *authority) status(id certID, at time.Time) singleResponse {
	k := serialKey(id.serial)
	if r, ok := a.revoked[k]; ok && !r.at.After(at) {
		return singleResponse{id: id, status: statusRevoked, revokedAt: r.at, reason: r.reason}
	}
	if a.issued[k] != nil {
		return singleResponse{id: id, status: statusGood}
	}
	return singleResponse{id: id, status: statusUnknown}
}

// responder returns who signs OCSP responses about a's certificates: the
// delegated OCSP responder for the intermediate, the CA itself for others.
// p.mu must be held.
func (p *PKI) responder(a *authority) *Identity {
	if a.id == p.Intermediate {
		return p.OCSPResponder
	}
	return a.id
}

// OCSPOptions adjusts [PKI.OCSPResponse]. The zero value gives a response
// as the HTTP responder would send it now.
type OCSPOptions struct {
	// At is the instant the response speaks for: its producedAt and
	// thisUpdate, and when revocations take effect. Zero means now.
	At time.Time
	// Signer, if set, signs the response instead of the authorized
	// responder, and its certificate goes into the response: for testing
	// that a verifier rejects a response from an unauthorized responder.
	Signer *Identity
	// CertIDHash hashes the issuer's name and key in the CertID: crypto.SHA1
	// (the default, which RFC 5019 requires clients to understand),
	// SHA256, SHA384 or SHA512.
	CertIDHash crypto.Hash
}

// OCSPResponse returns a DER OCSP response about cert, as this PKI's
// responder would give it, for embedding in B-LT signatures without HTTP.
// The status is revoked (with time and reason) if cert was revoked at or
// before the response time, good if this PKI issued cert, and unknown if
// cert merely names one of this PKI's identities as its issuer. It returns
// ErrUnknownIssuer when no identity of this PKI has cert's issuer name.
func (p *PKI) OCSPResponse(cert *x509.Certificate, opts *OCSPOptions) ([]byte, error) {
	var o OCSPOptions
	if opts != nil {
		o = *opts
	}
	if o.At.IsZero() {
		o.At = p.Now()
	}
	o.At = o.At.UTC().Truncate(time.Second)
	if o.CertIDHash == 0 {
		o.CertIDHash = crypto.SHA1
	}
	var hashOID asn1.ObjectIdentifier
	for _, h := range certIDHashes {
		if h.hash == o.CertIDHash {
			hashOID = h.oid
		}
	}
	if hashOID == nil {
		return nil, &FieldError{Field: "OCSPOptions.CertIDHash", Problem: "must be SHA1, SHA256, SHA384 or SHA512"}
	}
	if cert == nil || cert.SerialNumber == nil {
		return nil, ErrUnknownIssuer
	}

	p.mu.Lock()
	var issuer *authority
	for _, a := range p.cas {
		if c := a.issued[serialKey(cert.SerialNumber)]; c != nil && bytes.Equal(c.Raw, cert.Raw) {
			issuer = a
			break
		}
	}
	if issuer == nil {
		for _, a := range p.cas {
			if bytes.Equal(a.id.Cert.RawSubject, cert.RawIssuer) {
				issuer = a
				break
			}
		}
	}
	if issuer == nil {
		p.mu.Unlock()
		return nil, ErrUnknownIssuer
	}
	id := certID{hash: o.CertIDHash, serial: cert.SerialNumber}
	h := o.CertIDHash.New()
	h.Write(issuer.id.Cert.RawSubject)
	id.nameHash = h.Sum(nil)
	h.Reset()
	h.Write(issuer.keyBits)
	id.keyHash = h.Sum(nil)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(hashOID)
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(id.nameHash)
		b.AddASN1OctetString(id.keyHash)
		b.AddASN1BigInt(id.serial)
	})
	raw, err := b.Bytes()
	if err != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("testpki: encoding a CertID: %w", err)
	}
	id.raw = raw
	single := issuer.status(id, o.At)
	signer := p.responder(issuer)
	ca := issuer.id
	p.mu.Unlock()

	if o.Signer != nil {
		signer = o.Signer
	}
	return p.signOCSP(signer, signer != ca, []singleResponse{single}, nil, o.At)
}

// answer turns a DER OCSP request into a DER OCSP response: an error
// response (malformedRequest, unauthorized, internalError) when it cannot
// give a signed one. It never fails.
func (p *PKI) answer(der []byte) []byte {
	req, err := parseOCSPRequest(der)
	if err != nil {
		return errorResponse(ocspMalformedRequest)
	}
	at := p.Now()
	p.mu.Lock()
	var issuer *authority
	singles := make([]singleResponse, 0, len(req.certIDs))
	for _, id := range req.certIDs {
		var a *authority
		for _, c := range p.cas {
			if id.matches(c) {
				a = c
				break
			}
		}
		// One response has one signer, so every certificate asked about
		// must have the same issuer; RFC 6960 lets a responder refuse
		// requests it is not authorized for.
		if a == nil || (issuer != nil && a != issuer) {
			p.mu.Unlock()
			return errorResponse(ocspUnauthorized)
		}
		issuer = a
		singles = append(singles, a.status(id, at))
	}
	signer := p.responder(issuer)
	p.mu.Unlock()
	resp, err := p.signOCSP(signer, signer != issuer.id, singles, req.nonce, at)
	if err != nil {
		return errorResponse(ocspInternalError)
	}
	return resp
}

func errorResponse(status byte) []byte { return []byte{0x30, 0x03, 0x0a, 0x01, status} }

// signOCSP encodes and signs a BasicOCSPResponse (RFC 6960, 4.2.1) wrapped
// in an OCSPResponse. The responder is identified by key hash; its
// certificate is included when includeCert is set (a delegated responder).
// nonce is the extnValue of a nonce extension to echo, or nil.
func (p *PKI) signOCSP(signer *Identity, includeCert bool, singles []singleResponse, nonce []byte, at time.Time) ([]byte, error) {
	if signer == nil || signer.Cert == nil || signer.Key == nil {
		return nil, errors.New("testpki: OCSP signer has no certificate or key")
	}
	keyBits, err := publicKeyBits(signer.Cert)
	if err != nil {
		return nil, err
	}
	hash, sigAlg, err := signatureParams(signer.Key.Public())
	if err != nil {
		return nil, err
	}
	responderKeyHash := crypto.SHA1.New()
	responderKeyHash.Write(keyBits)
	at = at.UTC()

	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagExplicit2, func(b *cryptobyte.Builder) { // responderID byKey
			b.AddASN1OctetString(responderKeyHash.Sum(nil))
		})
		b.AddASN1GeneralizedTime(at) // producedAt
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, s := range singles {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(s.id.raw)
					switch s.status {
					case statusGood:
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
					case statusRevoked:
						b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
							b.AddASN1GeneralizedTime(s.revokedAt.UTC())
							if s.reason != 0 { // unspecified is left out, as in CRLs
								b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(s.reason)) })
							}
						})
					default:
						b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
					}
					b.AddASN1GeneralizedTime(at) // thisUpdate
					b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(at.Add(p.cfg.StatusValidity)) // nextUpdate
					})
				})
			}
		})
		if nonce != nil {
			b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) { // responseExtensions
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidOCSPNonce)
						b.AddASN1OctetString(nonce)
					})
				})
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("testpki: encoding OCSP ResponseData: %w", err)
	}
	h := hash.New()
	h.Write(tbsDER)
	sig, err := signer.Key.Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("testpki: signing an OCSP response with %q: %w", signer.Name, err)
	}

	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(sigAlg)
			if sigAlg.Equal(oidSHA256WithRSA) {
				b.AddASN1NULL()
			}
		})
		b.AddASN1BitString(sig)
		if includeCert {
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(signer.Cert.Raw) })
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, fmt.Errorf("testpki: encoding BasicOCSPResponse: %w", err)
	}
	var resp cryptobyte.Builder
	resp.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(0) // successful
		b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return resp.Bytes()
}

// signatureParams returns the digest and signature algorithm for a key:
// SHA-256 with RSA PKCS #1 v1.5 or ECDSA, SHA-384 for P-384.
func signatureParams(pub crypto.PublicKey) (crypto.Hash, asn1.ObjectIdentifier, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return crypto.SHA256, oidSHA256WithRSA, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return crypto.SHA256, oidECDSAWithSHA256, nil
		case elliptic.P384():
			return crypto.SHA384, oidECDSAWithSHA384, nil
		}
	}
	return 0, nil, fmt.Errorf("testpki: cannot sign OCSP responses with a %T key; use RSA, P-256 or P-384", pub)
}

// OCSPHandler returns an OCSP responder (RFC 6960, appendix A) for this
// PKI. It takes a DER request as the body of a POST, or base64-encoded as
// the whole request path of a GET, so mount it with http.StripPrefix
// (Handler does that for /ocsp/). It answers with a signed response, or
// with malformedRequest for a request it cannot parse and unauthorized for
// certificates whose issuer is not one of this PKI's identities; the nonce
// extension of a request is echoed.
func (p *PKI) OCSPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serveOCSP(w, r, strings.TrimPrefix(r.URL.Path, "/"))
	})
}

func (p *PKI) serveOCSP(w http.ResponseWriter, r *http.Request, getPath string) {
	var der []byte
	switch r.Method {
	case http.MethodGet:
		var err error
		if len(getPath) > maxOCSPRequest*4/3+4 {
			err = errMalformedRequest
		} else {
			der, err = base64.StdEncoding.DecodeString(getPath)
		}
		if err != nil {
			der = nil // answer() turns this into malformedRequest
		}
	case http.MethodPost:
		var err error
		der, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxOCSPRequest))
		if err != nil {
			der = nil
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "OCSP requests are sent with GET or POST (RFC 6960, appendix A)", http.StatusMethodNotAllowed)
		return
	}
	resp := p.answer(der)
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}
