// Package testpki builds a small, complete public-key infrastructure at run
// time, for tamga's tests and for the "tamga pki demo" and "tamga demo"
// commands: a root CA, an intermediate CA, the end-entity certificates the
// State Portal workflow needs (an executor who signs result documents, an
// applicant who signs applications, an OCSP responder and an RFC 3161
// time-stamp authority), certificate revocation lists, an OCSP responder and
// an HTTP server that publishes all of it.
//
// Nothing in this package is fit for real documents. Every CA name carries
// "TEST ONLY" and a random per-PKI tag, keys live in memory, and the demo
// files say so in their README.
//
// # Why it is built this way
//
// Nothing that expires is committed to the repository: a certificate checked
// into testdata turns every test red on the day it expires. So every test
// builds its PKI afresh, from a clock it chooses ([Config.Now]), which also
// lets a test place signing, revocation and validation at any instant.
//
// The profiles follow what verifiers really check, so that tests exercise
// real behaviour rather than a convenient shape:
//
//   - Executor and applicant certificates carry keyUsage digitalSignature and
//     nonRepudiation (contentCommitment), which ETSI EN 319 412-2 asks of
//     certificates for qualified electronic signatures, and the
//     qcStatements QcCompliance, QcSSCD and QcType esign. Their extended key
//     usage is emailProtection plus Microsoft document signing
//     (1.3.6.1.4.1.311.10.3.12): OpenSSL's CMS verifier checks the
//     "smimesign" purpose, which fails when an EKU extension is present
//     without emailProtection, and Adobe Acrobat and Microsoft Office accept
//     either for document signatures. Subjects are in the form the Kyrgyz
//     national CAs use: CN in Cyrillic (with the Kyrgyz letters Ө, Ү, Ң, so
//     UTF8String handling is exercised), C=KG, and serialNumber set to the
//     holder's 14-digit personal number (ПИН).
//   - The OCSP responder certificate is issued by the intermediate CA and
//     carries id-kp-OCSPSigning and id-pkix-ocsp-nocheck, so it is a
//     delegated responder for certificates the intermediate issued (RFC
//     6960, 4.2.2.2). Responses about certificates of any other CA (the
//     intermediate itself, the stranger CA, CAs made with [PKI.Issue]) are
//     signed by that CA's own key, which RFC 6960 also allows.
//   - The time-stamp authority certificate has id-kp-timeStamping as its only
//     extended key usage, marked critical, as RFC 3161 section 2.3 requires.
//     crypto/x509 always writes the EKU extension non-critical, so this
//     package writes that extension itself.
//
// # Why the OCSP encoder is written here
//
// golang.org/x/crypto/ocsp is used by the tests to parse every response this
// package produces, but not to produce them, for three reasons:
// ocsp.CreateResponse stamps producedAt from time.Now rather than the PKI's
// clock, so a test that moves the clock would get a response produced at the
// wrong time; it writes extensions into singleExtensions, while the nonce
// belongs in responseExtensions (RFC 6960, 4.4.1); and ocsp.ParseRequest
// drops the request's extensions, so the nonce cannot be echoed. The encoder
// and the request parser here are small and written with
// golang.org/x/crypto/cryptobyte; the parser is bounded (64 KiB, 16
// certificates per request) and fuzzed. Responses identify the responder by
// key hash, echo each CertID as the client sent it, and, when made directly
// with [PKI.OCSPResponse], hash the CertID with SHA-1 unless told otherwise,
// which every client understands (RFC 5019).
//
// # Key generation
//
// RSA key generation dominates the cost of a PKI (about 45 ms for RSA-2048
// and 150 ms for RSA-3072 per key, with six keys per PKI). With
// [Config.ReuseKeys], which [NewTest] sets, RSA keys are drawn from a
// per-process pool: the n-th RSA key of a given size that a PKI needs is the
// same key in every PKI of the process. Within one PKI every key is distinct.
// Across PKIs the CA names differ (each PKI has its own random tag), so a
// certificate of one PKI never chains to another PKI's root; but two PKIs
// may hold the same RSA key pair in the same role, so a test that needs two
// unrelated key pairs must take both from one PKI (for example with
// [PKI.Issue]) or use [New] without ReuseKeys. ECDSA keys are always fresh:
// they cost about 0.1 ms.
package testpki
