package seal

// This file holds the seal trust list: the signed JSON file in which the
// list operator publishes the seal keys verifiers accept.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tamgasign/tamga/internal/canon"
)

// TrustListFormat is the value of the list's "format" member.
const TrustListFormat = "tamga-seal-trust-list/1"

// Limits on a trust list.
const (
	MaxTrustListSize = 1 << 20
	maxListKeys      = 4096
	maxDisplayName   = 256
)

// KeyStatus is a seal key's status in the trust list.
type KeyStatus string

// Key statuses. A revoked key voids every seal it made, whatever its date.
const (
	KeyActive  KeyStatus = "active"
	KeyRevoked KeyStatus = "revoked"
)

// TrustedKey is a seal key listed in the trust list.
type TrustedKey struct {
	KeyID     KeyID
	IssuerID  string
	Algorithm Algorithm
	PublicKey crypto.PublicKey // *ecdsa.PublicKey (P-256) or ed25519.PublicKey

	// NotBefore and NotAfter bound the issue dates of the seals the key
	// may make.
	NotBefore time.Time
	NotAfter  time.Time
	Status    KeyStatus

	// Names are the issuer's display names by language: "ky", "ru", "kk",
	// "en". Any may be missing.
	Names map[string]string
}

// TrustList is a parsed, signature-checked trust list.
type TrustList struct {
	// Sequence increases with every list the operator publishes. A
	// verifier that caches lists must refuse one with a lower sequence
	// than it already has (a replayed old list could bring back a revoked
	// key).
	Sequence   uint64
	Issued     time.Time
	NextUpdate time.Time
	Keys       []TrustedKey
}

// The JSON form. Dates are RFC 3339 in UTC.
type jsonList struct {
	Format     string    `json:"format"`
	Sequence   uint64    `json:"sequence"`
	Issued     string    `json:"issued"`
	NextUpdate string    `json:"nextUpdate"`
	Keys       []jsonKey `json:"keys"`
}

type jsonKey struct {
	KID       string            `json:"kid"`
	Issuer    string            `json:"issuer"`
	Alg       string            `json:"alg"`
	PublicKey string            `json:"publicKey"` // base64 DER SubjectPublicKeyInfo
	NotBefore string            `json:"notBefore"`
	NotAfter  string            `json:"notAfter"`
	Status    string            `json:"status"`
	Names     map[string]string `json:"names,omitempty"`
}

var languages = map[string]bool{"ky": true, "ru": true, "kk": true, "en": true}

// SignTrustList encodes tl as canonical JSON (RFC 8785) and signs it with
// the operator's key. Publish payload and sig (the raw 64-byte signature)
// side by side, e.g. as seal-trust-list.json and seal-trust-list.sig.
func SignTrustList(ctx context.Context, tl *TrustList, operator crypto.Signer) (payload, sig []byte, err error) {
	alg, err := algorithmOf(operator.Public())
	if err != nil {
		return nil, nil, err
	}
	j := jsonList{Format: TrustListFormat, Sequence: tl.Sequence,
		Issued: tl.Issued.UTC().Format(time.RFC3339), NextUpdate: tl.NextUpdate.UTC().Format(time.RFC3339),
		Keys: []jsonKey{}}
	for _, k := range tl.Keys {
		der, err := x509.MarshalPKIXPublicKey(k.PublicKey)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
		}
		kid, err := KeyIDOf(k.PublicKey)
		if err != nil {
			return nil, nil, err
		}
		kalg, _ := algorithmOf(k.PublicKey)
		j.Keys = append(j.Keys, jsonKey{KID: kid.String(), Issuer: k.IssuerID, Alg: kalg.String(),
			PublicKey: base64.StdEncoding.EncodeToString(der),
			NotBefore: k.NotBefore.UTC().Format(time.RFC3339), NotAfter: k.NotAfter.UTC().Format(time.RFC3339),
			Status: string(k.Status), Names: k.Names})
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return nil, nil, err
	}
	payload, err = canon.Transform(raw)
	if err != nil {
		return nil, nil, err
	}
	// Parse what we wrote, so an invalid list is refused here rather than
	// by every verifier.
	if _, err := parseTrustListPayload(payload); err != nil {
		return nil, nil, err
	}
	sig, err = signRaw(ctx, operator, alg, listContext, payload)
	if err != nil {
		return nil, nil, err
	}
	return payload, sig, nil
}

// ParseTrustList checks the signature on a trust list with the operator's
// public key, then parses it. The signature is checked first, over the
// bytes as received. The payload must be canonical JSON in the format of
// SEAL.md, with no unknown members, duplicate keys or out-of-range values.
// Freshness is checked by Verify, against the time of each verification.
func ParseTrustList(payload, sig []byte, operator crypto.PublicKey) (*TrustList, error) {
	alg, err := algorithmOf(operator)
	if err != nil {
		return nil, err
	}
	if len(payload) > MaxTrustListSize {
		return nil, invalidList("list", fmt.Sprintf("larger than %d bytes", MaxTrustListSize))
	}
	if len(sig) != SignatureSize || !verifyRaw(operator, alg, listContext, payload, sig) {
		return nil, &FieldError{Field: "signature", Reason: "does not verify with the operator key", Err: ErrTrustListInvalid}
	}
	return parseTrustListPayload(payload)
}

func parseTrustListPayload(payload []byte) (*TrustList, error) {
	c, err := canon.Transform(payload)
	if err != nil {
		return nil, invalidList("list", err.Error())
	}
	if !bytes.Equal(c, payload) {
		return nil, invalidList("list", "not in canonical (RFC 8785) form")
	}
	var j jsonList
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, invalidList("list", err.Error())
	}
	// encoding/json matches member names case-insensitively and lets a
	// later member overwrite an earlier one; writing the struct back must
	// give exactly the payload.
	if back, err := json.Marshal(j); err != nil {
		return nil, invalidList("list", err.Error())
	} else if back, err = canon.Transform(back); err != nil || !bytes.Equal(back, payload) {
		return nil, invalidList("list", "member names must be exactly as in the format (case, no extras)")
	}
	if j.Format != TrustListFormat {
		return nil, invalidList("format", fmt.Sprintf("%q is not %q; update the verifier", j.Format, TrustListFormat))
	}
	tl := &TrustList{Sequence: j.Sequence}
	if tl.Issued, err = parseTime("issued", j.Issued); err != nil {
		return nil, err
	}
	if tl.NextUpdate, err = parseTime("nextUpdate", j.NextUpdate); err != nil {
		return nil, err
	}
	if !tl.NextUpdate.After(tl.Issued) {
		return nil, invalidList("nextUpdate", "not after issued")
	}
	if len(j.Keys) > maxListKeys {
		return nil, invalidList("keys", fmt.Sprintf("more than %d keys", maxListKeys))
	}
	seen := map[string]bool{}
	for i, k := range j.Keys {
		field := func(name string) string { return fmt.Sprintf("keys[%d].%s", i, name) }
		der, err := base64.StdEncoding.Strict().DecodeString(k.PublicKey)
		if err != nil {
			return nil, invalidList(field("publicKey"), "not base64")
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, invalidList(field("publicKey"), err.Error())
		}
		alg, err := algorithmOf(pub)
		if err != nil {
			return nil, invalidList(field("publicKey"), "not an ECDSA P-256 or Ed25519 key")
		}
		if k.Alg != alg.String() {
			return nil, invalidList(field("alg"), fmt.Sprintf("%q does not match the key (%s)", k.Alg, alg))
		}
		kid, _ := KeyIDOf(pub)
		if k.KID != kid.String() {
			return nil, invalidList(field("kid"), "is not the key id of publicKey")
		}
		if !validIssuerID(k.Issuer) {
			return nil, invalidList(field("issuer"), "must be 1-16 characters A-Z 0-9 -")
		}
		if seen[k.Issuer+"/"+k.KID] {
			return nil, invalidList(field("kid"), "listed twice for the issuer")
		}
		seen[k.Issuer+"/"+k.KID] = true
		tk := TrustedKey{KeyID: kid, IssuerID: k.Issuer, Algorithm: alg, PublicKey: pub, Status: KeyStatus(k.Status)}
		if tk.Status != KeyActive && tk.Status != KeyRevoked {
			return nil, invalidList(field("status"), "must be active or revoked")
		}
		if tk.NotBefore, err = parseTime(field("notBefore"), k.NotBefore); err != nil {
			return nil, err
		}
		if tk.NotAfter, err = parseTime(field("notAfter"), k.NotAfter); err != nil {
			return nil, err
		}
		if !tk.NotAfter.After(tk.NotBefore) {
			return nil, invalidList(field("notAfter"), "not after notBefore")
		}
		for lang, name := range k.Names {
			if !languages[lang] {
				return nil, invalidList(field("names"), fmt.Sprintf("language %q is not ky, ru, kk or en", lang))
			}
			if name == "" || len(name) > maxDisplayName {
				return nil, invalidList(field("names"), "empty or too long")
			}
			for _, r := range name {
				if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
					return nil, invalidList(field("names"), "control or bidirectional formatting character")
				}
			}
		}
		if len(k.Names) > 0 {
			tk.Names = k.Names
		}
		tl.Keys = append(tl.Keys, tk)
	}
	return tl, nil
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Format(time.RFC3339) != s || t.Location() != time.UTC {
		return time.Time{}, invalidList(field, "must be an RFC 3339 time in UTC like 2026-01-31T00:00:00Z")
	}
	return t, nil
}

// lookup finds the key a seal names.
func (tl *TrustList) lookup(issuer string, kid KeyID) (*TrustedKey, error) {
	for i := range tl.Keys {
		k := &tl.Keys[i]
		if k.KeyID == kid && k.IssuerID == issuer {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: key %s of issuer %s", ErrUnknownKey, hex.EncodeToString(kid[:]), issuer)
}
