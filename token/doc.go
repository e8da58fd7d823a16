// Package token gives tamga its signing keys: private keys on PKCS#11
// tokens (the USB tokens that hold qualified e-signature keys, and HSMs),
// and, for tests and agencies' software seals, keys in PKCS#12 or PEM
// files. Every key is a Signer: a crypto.Signer that also returns its
// certificate and chain, and must be closed.
//
// Keys are named by a reference string, the same for the command line and
// configuration files: an RFC 7512 PKCS#11 URI
// ("pkcs11:token=Executor;object=sign-key?module-path=/usr/lib/softhsm/libsofthsm2.so")
// or a file reference ("file:/etc/tamga/seal.p12"). "tamga token list"
// prints the URI of every key on a token, ready to copy.
//
// # PINs
//
// A PIN comes from the pin-source file named in the reference, else the
// TAMGA_PIN environment variable, else an interactive function such as
// TerminalPIN — never from a command-line argument, where other users of
// the machine can read it, and never from the URI's pin-value, which this
// package refuses. No error or log message contains a PIN. A wrong PIN is
// reported at once as ErrPINIncorrect and never retried: tokens lock the
// PIN after a few wrong tries. PIN bytes are zeroed after use; copies that
// the PKCS#11 wrapper makes in C memory, and the environment, are out of
// this package's reach.
//
// # Why PKCS#11 is driven directly
//
// The package calls the module through github.com/miekg/pkcs11 rather than
// a higher-level library such as crypto11, because qualified-signature
// tokens mark keys CKA_ALWAYS_AUTHENTICATE and demand a context-specific
// login (C_Login with CKU_CONTEXT_SPECIFIC) between C_SignInit and C_Sign of
// every signature, which those libraries do not do. Being this close to
// the module also means the package handles what PKCS#11 makes
// process-wide: a module is initialised once per process and finalised by
// the last user, and a token's login is shared by all Signers open on it.
//
// # Trust in the token
//
// Each Signer checks every signature it makes against its certificate's
// public key before returning it. This costs microseconds next to the
// token's milliseconds, and turns a certificate stored with the wrong key,
// or a faulty token, into ErrKeyMismatch instead of a signed document that
// can never validate.
//
// Signing accepts SHA-224, SHA-256, SHA-384 and SHA-512 digests: RSA
// PKCS#1 v1.5 (CKM_RSA_PKCS over a DigestInfo built here), RSA-PSS
// (CKM_RSA_PKCS_PSS, MGF1 with the same hash, salt as long as the hash
// unless a length is given) and ECDSA on P-256, P-384 and P-521 (CKM_ECDSA,
// the raw r||s converted to ASN.1). RSA keys must have at least 2048 bits.
package token
