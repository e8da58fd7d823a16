// This file holds the Signer interface, the Options and Open, which
// dispatches a key reference to the PKCS#11 or the file implementation.

package token

import (
	"context"
	"crypto"
	"crypto/x509"
	"os"
	"strings"
)

// A Signer is a private key with its certificate, on a token or in a file.
// It is safe for concurrent use. Every signature it returns has been
// verified against the certificate's public key.
type Signer interface {
	// Sign signs digest, the hash of the data under opts.HashFunc(). opts
	// is crypto.SHA256 (or SHA-224/384/512) for RSA PKCS#1 v1.5 and ECDSA,
	// or *rsa.PSSOptions for RSA-PSS. rand is ignored: the key makes its
	// own randomness. ECDSA signatures are ASN.1 DER, as crypto.Signer
	// requires. Sign is SignContext with context.Background().
	crypto.Signer

	// SignContext is Sign with a context, which bounds the wait for a
	// free token session and for a PIN prompt; a call into the token
	// itself cannot be interrupted.
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)

	// Certificate returns the key's certificate.
	Certificate() *x509.Certificate

	// Chain returns the certificates that issued Certificate, found next
	// to the key (on the token, in the PKCS#12 file or the PEM files), in
	// order from the issuer of the leaf upwards, each checked to have
	// signed the one before. It never includes the leaf and may be empty.
	Chain() []*x509.Certificate

	// Close releases the key: it waits for signatures in progress, closes
	// the sessions, logs out of the token and finalises the module when
	// nothing else in the process uses them, and zeroes a PIN kept for
	// per-signature login. Signing after Close returns ErrClosed.
	Close() error
}

// Options configure Open and List. The zero value (or nil) is usable.
type Options struct {
	// ModulePath is the PKCS#11 module used when the URI has neither
	// module-path nor module-name. When empty, the environment variable
	// TAMGA_PKCS11_MODULE is used.
	ModulePath string

	// PIN, if not nil, asks for a PIN (or PKCS#12 password) when neither
	// the URI's pin-source nor TAMGA_PIN gives one. TerminalPIN is the
	// usual choice for a command-line program.
	PIN PINFunc

	// Getenv reads the environment (TAMGA_PIN, TAMGA_PKCS11_MODULE);
	// os.Getenv if nil.
	Getenv func(string) string

	// MaxSessions bounds the PKCS#11 sessions a Signer keeps open, and so
	// the signatures made at the same time; default 4. Many USB tokens
	// allow only a few sessions and sign one at a time anyway.
	MaxSessions int

	// PINPerSignature applies to keys with CKA_ALWAYS_AUTHENTICATE, which
	// need the PIN again for every signature. By default the PIN obtained
	// when the key was opened is kept in memory (zeroed on Close) and
	// reused. When PINPerSignature is true, it is obtained anew from the
	// PIN sources for each signature, so with an interactive PIN function
	// the user confirms every signature. Either way, after one wrong PIN
	// the Signer refuses to sign until it is opened again.
	PINPerSignature bool

	// Login makes List log in to each token (asking for its PIN) so that
	// private objects are listed too. Open ignores it: it logs in whenever
	// the token requires it.
	Login bool
}

func (o *Options) getenv() func(string) string {
	if o != nil && o.Getenv != nil {
		return o.Getenv
	}
	return os.Getenv
}

func (o *Options) maxSessions() int {
	if o != nil && o.MaxSessions > 0 {
		return o.MaxSessions
	}
	return 4
}

// Open opens the private key that ref names, with its certificate and
// chain. ref is either
//
//   - an RFC 7512 PKCS#11 URI (see URI), such as
//     pkcs11:token=Executor;object=sign-key?module-path=/usr/lib/softhsm/libsofthsm2.so;
//     the module is the URI's module-path or module-name, else
//     opts.ModulePath, else TAMGA_PKCS11_MODULE;
//   - file:NAME.p12 or file:NAME.pfx, a PKCS#12 file; or
//   - file:KEY.pem (or .key), an unencrypted PEM private key (PKCS#8,
//     PKCS#1 or SEC 1) whose certificate is in the same file, or in the
//     file named by a cert= query parameter (file:key.pem?cert=cert.pem),
//     or in KEY.crt next to it. The certificate file may hold the chain.
//
// The PIN, or the PKCS#12 password, comes from the first of: the pin-source
// file named in the reference (pin-source=file:/path; one trailing newline
// is removed), the TAMGA_PIN environment variable, opts.PIN. Without any,
// Open returns ErrPINRequired. A wrong PIN returns ErrPINIncorrect at once;
// it is never retried. A token that is already logged in by another open
// Signer in this process is not asked for its PIN again, as PKCS#11 login
// belongs to the process, not to a key.
func Open(ctx context.Context, ref string, opts *Options) (Signer, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(ref) >= 7 && strings.EqualFold(ref[:7], "pkcs11:"):
		u, err := ParseURI(ref)
		if err != nil {
			return nil, err
		}
		return openPKCS11(ctx, u, opts)
	case strings.HasPrefix(ref, "file:"):
		return openFile(ctx, ref, opts)
	}
	return nil, refErr("scheme", `a key reference starts with "pkcs11:" (a key on a token) or "file:" (a PKCS#12 or PEM file); run "tamga token list" to see the URIs of token keys`)
}
