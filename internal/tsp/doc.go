// Package tsp implements the RFC 3161 time-stamp protocol: the client
// that obtains a signature-time-stamp for CAdES-B-T and PAdES-B-T (and
// archive time-stamps for B-LTA), the parser and verification primitive
// for time-stamp tokens, and a small time-stamp authority for tests and
// the demo.
//
// It is written on our own package cms because the Go RFC 3161 library
// (github.com/digitorus/timestamp) is built on digitorus/pkcs7, whose
// current versions need go 1.27, and because verifying a token is a CMS
// signature check that must follow the same rules as the signatures it
// time-stamps.
//
// Request and Exchange are strict about the reply: the HTTP status and
// content type, a size limit (MaxReplySize), a granted status, and a
// token whose message imprint, nonce and policy answer the query and,
// when the TSA certificate was requested, whose signature and TSA
// certificate check out. A token that passes is safe to embed; a bad TSA
// fails the signing step instead of producing a signature whose
// time-stamp later fails.
//
// Token.Verify is a primitive: it checks the imprint against the
// caller's digest, the CMS signature, the ESS signing-certificate binding
// and the TSA certificate's key usage (RFC 3161 §2.3), and returns the TSA
// certificate. Whether the TSA is trusted, and whether its certificate was
// valid at GenTime, is decided by the caller (package verify).
//
// The Server answers every malformed or unacceptable query with a
// rejection reply carrying the RFC 3161 failure bit (badAlg, badRequest,
// badDataFormat, unacceptedPolicy, unacceptedExtension, systemFailure),
// not an HTTP error, so clients see why. Its tokens carry
// signing-certificate-v2, the query's nonce, genTime to the second, the
// TSA name, and the certificate chain when certReq is set.
package tsp
