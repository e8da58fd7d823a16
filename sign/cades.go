package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"

	"github.com/tamgasign/tamga/internal/cades"
	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/tsp"
	"github.com/tamgasign/tamga/verify"
)

// oidSPQURI is id-spq-ets-uri, the qualifier that says where a signature
// policy document is.
var oidSPQURI = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 5, 1}

// CAdES signs the content read from r and returns the DER CMS signature:
// detached (.p7s) by default, attached (.p7m) with opts.Attached. The
// content is read once; detached signatures hash it as it streams.
func CAdES(ctx context.Context, signer Signer, r io.Reader, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	level := opts.level()
	if level != LevelBB && opts.TSA == "" {
		return nil, ErrTSARequired
	}
	h := opts.hash()
	var content, digest []byte
	if opts.Attached {
		data, err := io.ReadAll(io.LimitReader(contextReader{ctx, r}, MaxAttachedSize+1))
		if err != nil {
			return nil, fmt.Errorf("sign: reading the content: %w", err)
		}
		if len(data) > MaxAttachedSize {
			return nil, ErrTooLarge
		}
		content = data
		hh := h.New()
		hh.Write(content)
		digest = hh.Sum(nil)
	} else {
		hh := h.New()
		if _, err := io.Copy(hh, contextReader{ctx, r}); err != nil {
			return nil, fmt.Errorf("sign: reading the content: %w", err)
		}
		digest = hh.Sum(nil)
	}

	cmsOpts := &cms.SignOptions{
		Hash:         h,
		PSS:          opts.PSS,
		Content:      content,
		Certificates: signer.Chain(),
		SigningTime:  opts.now(),
	}
	if opts.CommitmentType != nil {
		cmsOpts.CommitmentTypes = []cms.CommitmentTypeIndication{{Type: opts.CommitmentType}}
	}
	if sp := opts.SignaturePolicy; sp != nil {
		hashOID, ok := cms.OIDForHash(sp.Hash)
		if !ok {
			return nil, fmt.Errorf("sign: signature policy: unsupported hash %v", sp.Hash)
		}
		p := &cms.SignaturePolicy{ID: sp.ID, HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: hashOID}, Hash: sp.Digest}
		if sp.URI != "" {
			uri, err := asn1.MarshalWithParams(sp.URI, "ia5")
			if err != nil {
				return nil, fmt.Errorf("sign: signature policy URI: %w", err)
			}
			p.Qualifiers = []cms.PolicyQualifier{{ID: oidSPQURI, Value: uri}}
		}
		cmsOpts.SignaturePolicy = p
	}

	sd, err := cms.Sign(ctx, signer, signer.Certificate(), digest, cmsOpts)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := extend(ctx, sd, signer.Certificate(), digest, level, opts); err != nil {
		return nil, err
	}
	return sd.Marshal()
}

// extend raises a freshly made signature to level: a signature time-stamp
// for B-T, validation data for B-LT, and an archive time-stamp for B-LTA.
// contentDigest is the content's hash under opts.hash().
func extend(ctx context.Context, sd *cms.SignedData, signerCert *x509.Certificate, contentDigest []byte, level Level, opts *Options) error {
	if level == LevelBB {
		return nil
	}
	tok, tsaCert, err := addSignatureTimestamp(ctx, sd, opts)
	if err != nil || level == LevelBT {
		return err
	}

	// B-LT: the paths of the signer and of the time-stamp authority, with
	// revocation data.
	all, err := collectLT(ctx, signerCert, tok, tsaCert, sd.Certificates, opts)
	if err != nil {
		return err
	}
	if err := addValidationData(sd, all); err != nil {
		return err
	}
	if level == LevelBLT {
		return nil
	}
	return addArchiveTimestamp(ctx, sd, contentDigest, opts)
}

// addValidationData adds certificates and revocation data to the
// SignedData's certificates and crls fields, where CAdES-B-LT keeps them
// and where the verifier reads them offline; what is there is kept and
// nothing is added twice.
func addValidationData(sd *cms.SignedData, vd *verify.ValidationData) error {
	if err := sd.AddCertificates(dedupCerts(sd.Certificates, vd.Certificates)...); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := sd.AddOCSPResponses(vd.OCSPResponses...); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := sd.AddCRLs(vd.CRLs...); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	return nil
}

// addSignatureTimestamp time-stamps the signature value of the (only)
// signer and adds the token as its signature-time-stamp attribute. It
// returns the token and the authority's certificate, checked.
func addSignatureTimestamp(ctx context.Context, sd *cms.SignedData, opts *Options) (*tsp.Token, *x509.Certificate, error) {
	tok, tsaCert, err := timestamp(ctx, digestOf(opts.hash(), sd.SignerInfos[0].Signature), opts)
	if err != nil {
		return nil, nil, err
	}
	if err := sd.AddUnsignedAttribute(0, cms.OIDAttributeTimeStampToken, tok.Raw); err != nil {
		return nil, nil, fmt.Errorf("sign: adding the time-stamp: %w", err)
	}
	return tok, tsaCert, nil
}

// collectLT fetches, from the addresses the certificates name, the paths
// and revocation data of the signer and of the time-stamp authority, as of
// the time-stamp's time. These are the signer's own certificates, so
// fetching is safe; a signer or TSA that does not validate is refused, so
// nobody raises a revoked signature to a long-term level.
func collectLT(ctx context.Context, signerCert *x509.Certificate, tok *tsp.Token, tsaCert *x509.Certificate, extra []*x509.Certificate, opts *Options) (*verify.ValidationData, error) {
	if opts.Roots == nil {
		return nil, fmt.Errorf("%w: give the trusted roots (Options.Roots) to build the certificate paths", ErrValidationData)
	}
	policy := &verify.Policy{Roots: opts.Roots, Online: true, HTTPClient: opts.httpClient(), Now: opts.Now}
	pool := append(append([]*x509.Certificate{}, extra...), tok.SignedData.Certificates...)
	var all verify.ValidationData
	for _, c := range []*x509.Certificate{signerCert, tsaCert} {
		vd, err := verify.CollectValidationData(ctx, c, pool, tok.Info.GenTime, policy)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrValidationData, c.Subject.CommonName, err)
		}
		all.Certificates = append(all.Certificates, vd.Certificates...)
		all.OCSPResponses = append(all.OCSPResponses, vd.OCSPResponses...)
		all.CRLs = append(all.CRLs, vd.CRLs...)
	}
	all.Certificates = dedupCerts(nil, all.Certificates)
	all.OCSPResponses, all.CRLs = dedup(all.OCSPResponses), dedup(all.CRLs)
	return &all, nil
}

// addArchiveTimestamp adds an archive-time-stamp-v3 (ETSI EN 319 122-1
// §5.5.3) over the signature as it now stands, with its hash index in the
// time-stamp token's own unsigned attributes.
func addArchiveTimestamp(ctx context.Context, sd *cms.SignedData, contentDigest []byte, opts *Options) error {
	h := opts.hash()
	si := sd.SignerInfos[0]
	index, err := cades.BuildIndex(sd, si, h)
	if err != nil {
		return fmt.Errorf("sign: archive time-stamp: %w", err)
	}
	input, err := cades.ImprintInput(sd, si, contentDigest, index)
	if err != nil {
		return fmt.Errorf("sign: archive time-stamp: %w", err)
	}
	tok, _, err := timestamp(ctx, digestOf(h, input), opts)
	if err != nil {
		return err
	}
	if err := tok.SignedData.AddUnsignedAttribute(0, cades.OIDATSHashIndexV3, index); err != nil {
		return fmt.Errorf("sign: archive time-stamp: %w", err)
	}
	token, err := tok.SignedData.Marshal()
	if err != nil {
		return fmt.Errorf("sign: archive time-stamp: %w", err)
	}
	if err := sd.AddUnsignedAttribute(0, cades.OIDArchiveTimeStampV3, token); err != nil {
		return fmt.Errorf("sign: archive time-stamp: %w", err)
	}
	return nil
}

func digestOf(h crypto.Hash, data []byte) []byte {
	hh := h.New()
	hh.Write(data)
	return hh.Sum(nil)
}

// timestamp asks the time-stamp authority for a token over digest (the
// hash under opts.hash() of the signature value for a signature time-stamp,
// of the archive data for an archive time-stamp), and checks it before it
// goes into the signature: the imprint, the token's signature and the
// authority's certificate.
func timestamp(ctx context.Context, digest []byte, opts *Options) (*tsp.Token, *x509.Certificate, error) {
	raw, err := tsp.Request(ctx, opts.httpClient(), opts.TSA, opts.hash(), digest)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTimestamp, err)
	}
	tok, err := tsp.ParseToken(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTimestamp, err)
	}
	ver, err := tok.Verify(digest, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTimestamp, err)
	}
	return tok, ver.Certificate, nil
}

// dedupCerts returns the certificates of add that are not in have, once.
func dedupCerts(have, add []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	seen := func(list []*x509.Certificate, c *x509.Certificate) bool {
		for _, x := range list {
			if bytes.Equal(x.Raw, c.Raw) {
				return true
			}
		}
		return false
	}
	for _, c := range add {
		if c != nil && !seen(have, c) && !seen(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func dedup(items [][]byte) [][]byte {
	var out [][]byte
	for _, it := range items {
		dup := false
		for _, o := range out {
			if bytes.Equal(o, it) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out
}

// contextReader stops a long read when ctx is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
