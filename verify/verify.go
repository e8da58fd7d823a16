// Package verify validates electronic signatures and reports the outcome in
// the vocabulary of ETSI EN 319 102-1: an indication (TOTAL_PASSED,
// TOTAL_FAILED, INDETERMINATE), a sub-indication that says why, and
// messages with stable codes.
//
// One engine serves CAdES (CMS) and PAdES (PDF) signatures. For each
// signature it checks, and records in the report:
//
//  1. structure, the message digest of the signed data, the signature value
//     and the signing-certificate-v2 binding;
//  2. the path from the signer's certificate to a trust anchor, with every
//     certificate valid at the best-known signing time: the time of a valid
//     signature time-stamp, else the validation time (never the signer's
//     own signing-time claim);
//  3. revocation, from embedded OCSP responses and CRLs first, then online
//     only when the Policy allows it;
//  4. the algorithm policy (SHA-1 and RSA keys under 2048 bits are rejected
//     by default).
package verify

// validation is the state of one run of the engine over one file.
type validation struct {
	policy     *Policy
	revocation *revocationChecker
}
