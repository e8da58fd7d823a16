// This file holds a pre-check of PKCS#12 files: it reads the iteration
// counts of their password-based MAC and encryption before the file is
// decoded.
//
// go-pkcs12 runs the key derivation with whatever iteration count the file
// asks for, so a crafted file with a count near 2^31 would keep a signer
// busy for an hour. The check walks the same structures with the same
// encoding/asn1 rules, so a file it cannot read would not decode either.
// It sees every count that is readable without the password: the MAC, the
// encryption of each encrypted SafeContents and the key bags in plain
// SafeContents (the layout OpenSSL, Windows and go-pkcs12 write). A key
// bag inside encrypted SafeContents is checked only by the decoder.

package token

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// maxPBEIterations bounds each key derivation of a PKCS#12 file, and
// maxPBEWork the sum over the file, where the PKCS#12 PBE schemes count
// twice (they derive the key and the IV). Tools write 2,000 (OpenSSL,
// Windows) to 600,000 iterations; two million cost about a second.
const (
	maxPBEIterations = 1_000_000
	maxPBEWork       = 2_000_000
)

var (
	oidData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPKCS12PBEPrefix   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	oidPBES2             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	errPFXStructure      = errors.New("not a PKCS#12 file, or a damaged one")
	errPFXTooMuchWork    = errors.New("the file asks for more password-hashing work than any real PKCS#12 file")
	errPFXBadIterations  = errors.New("the file has an invalid iteration count")
	errPFXTrailingData   = errors.New("trailing data after the PKCS#12 structure")
	errPFXNestingTooDeep = errors.New("nesting too deep")
)

type pfxPDU struct {
	Version  int
	AuthSafe pfxContentInfo
	MacData  pfxMacData `asn1:"optional"`
}

type pfxContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type pfxMacData struct {
	Mac struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type pfxEncryptedData struct {
	Version              int
	EncryptedContentInfo struct {
		ContentType                asn1.ObjectIdentifier
		ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedContent           []byte `asn1:"tag:0,optional"`
	}
}

type pfxSafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue   `asn1:"tag:0,explicit"`
	Attributes []asn1.RawValue `asn1:"set,optional"`
}

type pfxEncryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

// pkcs12PBEParams are the parameters of the PKCS#12 PBE schemes.
type pkcs12PBEParams struct {
	Salt       []byte
	Iterations int
}

type pbkdf2Params struct {
	Salt       asn1.RawValue
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

func strictUnmarshal(in []byte, out any) error {
	rest, err := asn1.Unmarshal(in, out)
	if err != nil {
		return errPFXStructure
	}
	if len(rest) != 0 {
		return errPFXTrailingData
	}
	return nil
}

// checkPFXWork returns an error if the PKCS#12 file der is malformed or
// asks for more key-derivation work than the limits allow.
func checkPFXWork(der []byte) error {
	return checkPFXWorkLimits(der, maxPBEIterations, maxPBEWork)
}

func checkPFXWorkLimits(der []byte, maxIterations, maxWork int) error {
	var pfx pfxPDU
	if err := strictUnmarshal(der, &pfx); err != nil {
		return err
	}
	work := 0
	add := func(n, weight int) error {
		if n < 1 {
			return errPFXBadIterations
		}
		if n > maxIterations {
			return fmt.Errorf("%w (%d iterations)", errPFXTooMuchWork, n)
		}
		work += n * weight
		if work > maxWork {
			return errPFXTooMuchWork
		}
		return nil
	}
	if len(pfx.MacData.Mac.Algorithm.Algorithm) > 0 {
		if pfx.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
			if err := checkAlgorithm(pfx.MacData.Mac.Algorithm, add, 0); err != nil {
				return err
			}
		} else if err := add(pfx.MacData.Iterations, 1); err != nil {
			return err
		}
	}
	if !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil // the decoder refuses it without deriving keys
	}
	var content []byte
	if err := strictUnmarshal(pfx.AuthSafe.Content.Bytes, &content); err != nil {
		return err
	}
	var safe []pfxContentInfo
	if err := strictUnmarshal(content, &safe); err != nil {
		return err
	}
	for _, ci := range safe {
		switch {
		case ci.ContentType.Equal(oidData):
			var data []byte
			if err := strictUnmarshal(ci.Content.Bytes, &data); err != nil {
				return err
			}
			var bags []pfxSafeBag
			if err := strictUnmarshal(data, &bags); err != nil {
				return err
			}
			for _, bag := range bags {
				if !bag.ID.Equal(oidShroudedKeyBag) {
					continue
				}
				var epki pfxEncryptedPrivateKeyInfo
				if err := strictUnmarshal(bag.Value.Bytes, &epki); err != nil {
					return err
				}
				if err := checkAlgorithm(epki.Algorithm, add, 0); err != nil {
					return err
				}
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed pfxEncryptedData
			if err := strictUnmarshal(ci.Content.Bytes, &ed); err != nil {
				return err
			}
			if err := checkAlgorithm(ed.EncryptedContentInfo.ContentEncryptionAlgorithm, add, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAlgorithm adds the iteration count of a password-based algorithm.
// Algorithms it does not know derive no key in the decoder either.
func checkAlgorithm(alg pkix.AlgorithmIdentifier, add func(n, weight int) error, depth int) error {
	if depth > 2 {
		return errPFXNestingTooDeep
	}
	oid := alg.Algorithm
	switch {
	case len(oid) == len(oidPKCS12PBEPrefix)+1 && oid[:len(oidPKCS12PBEPrefix)].Equal(oidPKCS12PBEPrefix):
		var p pkcs12PBEParams
		if err := strictUnmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return err
		}
		return add(p.Iterations, 2) // key and IV
	case oid.Equal(oidPBKDF2):
		var p pbkdf2Params
		if err := strictUnmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return err
		}
		return add(p.Iterations, 1)
	case oid.Equal(oidPBES2), oid.Equal(oidPBMAC1):
		var p pbes2Params
		if err := strictUnmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return err
		}
		return checkAlgorithm(p.KDF, add, depth+1)
	}
	return nil
}
