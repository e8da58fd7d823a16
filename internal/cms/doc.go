// Package cms parses, verifies and builds CMS SignedData (RFC 5652), the
// container of CAdES (ETSI EN 319 122-1) signatures, of PAdES (ETSI EN 319
// 142-1) signatures inside PDF, and of RFC 3161 time-stamp tokens.
//
// # Why it is written here
//
// No Go CMS package fits: go.mozilla.org/pkcs7 is archived;
// github.com/digitorus/pkcs7's current versions need go 1.27; and none
// handles RSASSA-PSS (RFC 4056) or gives exact control over signed and
// unsigned attributes and over signing a digest the caller streamed. The
// package is built on golang.org/x/crypto/cryptobyte, which reads DER
// without reflection and refuses non-minimal encodings.
//
// # What it does and does not decide
//
// The package provides primitives: Parse, FindCertificate,
// CheckMessageDigest, VerifySignature and Verify, Sign, and the Add
// methods that extend a signature after signing. Policy — whether a
// certificate is trusted, whether it was valid at the signing or time-stamp
// time, revocation, and which algorithms are acceptable — belongs to the
// caller. To make that possible Verify reports what it verified
// (Verification: scheme, hashes, key size, encoding anomalies); it accepts
// SHA-1 and 1024-bit RSA so that a policy can name them rather than see an
// unexplained failure.
//
// # Parsing rules
//
// Input may be BER (openssl -stream, Adobe and Java tools write indefinite
// lengths and constructed OCTET STRINGs). Parse first normalises it to DER
// lengths with a two-pass converter bounded to 64 levels of nesting,
// memory linear in the input and no tree, and rejects trailing bytes. The
// signed attributes are also kept exactly as they appeared
// (SignerInfo.RawSignedAttrs), since those are the bytes a signer signed.
//
// Parse enforces, with errors that wrap ErrMalformed and name the field:
//   - the ContentInfo holds id-signedData, every SEQUENCE has exactly its
//     fields, versions are small non-negative integers, and INTEGERs are
//     minimally encoded (OpenSSL and EU DSS reject a padded serial number
//     too; negative serial numbers are accepted);
//   - eContent, when present, is an OCTET STRING;
//   - signedAttrs, when present, holds at least one attribute, including
//     exactly one content-type (equal to eContentType) and one
//     message-digest, each with one value (RFC 5652 §5.3, §11); at most one
//     signing-time, with one value; no countersignature;
//   - signedAttrs must be present when eContentType is not id-data;
//   - no attribute type the package interprets (content-type,
//     message-digest, signing-time, signing-certificate(-v2),
//     signature-policy-identifier, commitment-type-indication,
//     signature-time-stamp, countersignature) appears twice among the
//     signed attributes; duplicates of other types are tolerated because
//     EU DSS writes a vendor attribute twice and nothing here reads them;
//   - every attribute has at least one value;
//   - countersignatures (parsed on demand) carry message-digest and no
//     content-type.
//
// Parse tolerates, because real signers produce them: an empty
// unsignedAttrs set (pyHanko), an empty subject key identifier (EU DSS; it
// matches no certificate), parameters NULL or absent in algorithm
// identifiers, signature algorithm identifiers in digestAlgorithm fields,
// and certificates crypto/x509 rejects (negative serial numbers,
// mismatched inner and outer algorithms). Such certificates do not fail
// Parse: they are listed in SignedData.UnparsedCertificates, with a
// Partial certificate that is enough to identify the signer and check the
// signature value, but not to build a trust path. A signer whose
// certificate is missing is only detected by FindCertificate.
//
// Attribute values are decoded on demand by the typed getters, so an odd
// value in an attribute nobody asks for does not make a signature
// unreadable.
//
// # Verifying the signature value
//
// RFC 5652 §5.4 says the signature covers the DER encoding of the signed
// attributes. VerifySignature checks that encoding (attributes and values
// sorted as DER SET OF requires); if it fails and the embedded encoding
// differs (an unsorted SET or BER), it also tries the embedded bytes, which
// is what OpenSSL does, and reports it in
// Verification.SignedOverEmbeddedEncoding. The signed attributes are hashed
// with the digest algorithm, as OpenSSL does, except for RSASSA-PSS, whose
// parameters name the hash the signature is computed with, and Ed25519,
// which signs the encoding itself.
//
// # Building and extending
//
// Sign signs a digest the caller computed, so a document of any size is
// streamed through the hash by the caller. Its output is DER, with signed
// attributes sorted, encoded once. When the caller handed Sign DER of its
// own (extra attributes, commitment qualifiers, a policy, revocation
// data), Sign parses its output back to check the structure; otherwise
// every byte is Sign's and the exported view is read off the encoding
// without the parser's checks, which cost as much as a tenth of a PDF
// signature. Either way the certificates it was given are used rather
// than parsed again, and a test holds the view equal to Parse's.
//
// AddUnsignedAttribute, AddCertificates, AddCRLs and
// AddOCSPResponses extend a parsed or built SignedData without changing a
// signed byte: every part that was not changed is re-emitted as parsed,
// signed attributes exactly as received. When a SET OF the package
// extends (unsigned attributes, certificates, crls) was in DER order, the
// new member is inserted in order; when another producer left it unsorted,
// the existing order is kept and the member appended, because archive
// time-stamps may have hashed that order.
//
// # Checking what the signer returned
//
// A signature that does not verify must never reach a document, and a
// key that is not the certificate's must fail before anything is
// written. Sign always compares the signer's public key with the
// certificate's. Beyond that it distinguishes two kinds of signer:
//
//   - Any signer it cannot see into — a PKCS#11 token, a remote key, a
//     wrapper — has every signature verified with the certificate's key
//     before Sign returns: a token can hold a different private key under
//     the expected public one, or return a corrupted result, and only
//     verification shows it.
//   - A Go standard library key, *ecdsa.PrivateKey or *rsa.PrivateKey,
//     passed directly or exposed through SoftwareSigner (a file key), is
//     checked once: a pairwise test signs a fixed digest and verifies it
//     with the certificate's key, the result remembered per key (weakly,
//     so a closed signer's key is not kept alive) and per certificate key,
//     together with a fingerprint of the private value so that a key
//     changed afterwards is tested again. After that Sign signs with the
//     Go key directly and does not verify each signature. The reasons, from
//     the Go 1.26 sources: crypto/rsa already verifies every PKCS #1 v1.5
//     and PSS signature it makes (m^e = c after the CRT computation, the
//     defence against the Bellcore fault attack) and checks p·q = N and
//     d·e ≡ 1 when it loads a key, so a second verification adds nothing.
//     crypto/ecdsa does not verify after signing, and does not check that
//     D matches the public point of a hand-built key (keys parsed by
//     crypto/x509 derive it from D); the pairwise test closes the second
//     gap. For the first: the arithmetic is constant-time, formally
//     generated field code with no data-dependent branches, and Sign
//     always passes a randomness source, so nonces are hedged
//     (draft-irtf-cfrg-det-sigs-with-noise) — the fault attacks that
//     recover a key from a faulty signature need a repeatable nonce or an
//     attacker able to glitch the signing machine, and a fault that merely
//     breaks a signature yields one that every verifier rejects: a false
//     "invalid", never a false "valid". Verifying each ECDSA signature
//     would cost two to three times the signature itself, which is why a
//     one-page PAdES signature could not otherwise approach the key's raw
//     rate.
//   - Ed25519 keys are deterministic, where a single fault can leak the
//     key, so they are always verified.
package cms
