// This file holds the Signer for keys in files: PKCS#12 (.p12, .pfx) and
// unencrypted PEM keys with their certificates.

package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"software.sslmate.com/src/go-pkcs12"
)

// maxKeyFile bounds the size of key and certificate files.
const maxKeyFile = 1 << 20

// maxPEMBlocks bounds the PEM blocks read from one file.
const maxPEMBlocks = 64

// fileRef is a parsed file: reference.
type fileRef struct {
	path      string
	cert      string // cert= query parameter
	pinSource string // pin-source= query parameter (PKCS#12 password)
}

// parseFileRef parses "file:PATH[?cert=PATH&pin-source=file:/PATH]". PATH
// may be relative; "file:///abs" and "file://localhost/abs" are accepted.
// Percent-escapes in PATH are decoded, so a '%', '?' or '#' in a file name
// must be written %25, %3F, %23.
func parseFileRef(ref string) (*fileRef, error) {
	if len(ref) > maxURILen {
		return nil, refErr("", "the reference is longer than %d bytes", maxURILen)
	}
	rest := strings.TrimPrefix(ref, "file:")
	p, query, _ := strings.Cut(rest, "?")
	if after, ok := strings.CutPrefix(p, "//"); ok {
		host, path, _ := strings.Cut(after, "/")
		if host != "" && host != "localhost" {
			return nil, refErr("file", "a file: URI with a host other than localhost is not supported")
		}
		p = "/" + path
	}
	path, err := url.PathUnescape(p)
	if err != nil {
		return nil, refErr("file", "bad percent-escape in the path")
	}
	if path == "" || path == "/" {
		return nil, refErr("file", "no file named; use file:/path/key.p12 or file:key.pem")
	}
	if strings.IndexByte(path, 0) >= 0 {
		return nil, refErr("file", "the path contains a NUL byte")
	}
	r := &fileRef{path: path}
	if query == "" {
		return r, nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, refErr("file", "the query after '?' is malformed")
	}
	for name, vs := range q {
		if len(vs) != 1 || vs[0] == "" {
			return nil, refErr(safeName(name), "give the parameter once, with a value")
		}
		switch name {
		case "cert":
			if strings.IndexByte(vs[0], 0) >= 0 {
				return nil, refErr(name, "the path contains a NUL byte")
			}
			r.cert = vs[0]
		case "pin-source":
			if _, err := pinSourcePath(vs[0]); err != nil {
				return nil, err
			}
			r.pinSource = vs[0]
		case "pin-value":
			return nil, refErr(name, "a password in the reference is refused because it ends up in shell history and process lists; "+
				"use pin-source=file:/path or the TAMGA_PIN environment variable")
		default:
			return nil, refErr(safeName(name), "unknown parameter; a file: reference takes cert= and pin-source=")
		}
	}
	if ext := strings.ToLower(filepath.Ext(path)); r.cert != "" && (ext == ".p12" || ext == ".pfx") {
		return nil, refErr("cert", "a PKCS#12 file holds its certificates; cert= is for PEM keys")
	}
	return r, nil
}

// readLimited reads a file of at most maxKeyFile bytes.
func readLimited(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("token: cannot read the %s: %w", what, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("token: cannot read the %s %s: %w", what, path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%w: the %s %s is larger than %d bytes", ErrBadKeyFile, what, path, maxKeyFile)
	}
	return data, nil
}

func openFile(ctx context.Context, ref string, opts *Options) (Signer, error) {
	r, err := parseFileRef(ref)
	if err != nil {
		return nil, err
	}
	data, err := readLimited(r.path, "key file")
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(r.path))
	isPEM := bytes.Contains(data[:min(len(data), 4096)], []byte("-----BEGIN "))
	if ext == ".p12" || ext == ".pfx" || !isPEM {
		if r.cert != "" {
			return nil, refErr("cert", "a PKCS#12 file holds its certificates; cert= is for PEM keys")
		}
		pins := pinSource{getenv: opts.getenv(), callback: opts.PIN}
		if r.pinSource != "" {
			pins.file, _ = pinSourcePath(r.pinSource)
		}
		return openPKCS12(ctx, r.path, data, pins)
	}
	return openPEM(r, data)
}

// openPKCS12 decodes a PKCS#12 file. The password comes from the PIN
// sources; when none gives one without asking, the empty password is tried
// first (files cannot lock), then the interactive callback.
func openPKCS12(ctx context.Context, path string, data []byte, pins pinSource) (Signer, error) {
	if err := checkPFXWork(data); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadKeyFile, path, err)
	}
	decode := func(pw []byte) (any, *x509.Certificate, []*x509.Certificate, error) {
		var s string
		if len(pw) > 0 {
			s = unsafe.String(&pw[0], len(pw)) // not retained by DecodeChain; zeroed by the caller
		}
		return pkcs12.DecodeChain(data, s)
	}
	var (
		key   any
		leaf  *x509.Certificate
		cas   []*x509.Certificate
		err   error
		tried bool
	)
	if !pins.nonInteractive() {
		key, leaf, cas, err = decode(nil)
		tried = true
	}
	if !tried || (isWrongPassword(err) && pins.callback != nil) {
		pw, perr := pins.get(ctx, fmt.Sprintf("Password for %s: ", filepath.Base(path)))
		if perr != nil {
			return nil, perr
		}
		key, leaf, cas, err = decode(pw)
		zero(pw)
	} else if isWrongPassword(err) {
		return nil, fmt.Errorf("%w: %s is protected by a password; set %s, add pin-source=file:/path to the reference, or run in a terminal",
			ErrPINRequired, path, EnvPIN)
	}
	if err != nil {
		var ni pkcs12.NotImplementedError
		switch {
		case isWrongPassword(err):
			return nil, fmt.Errorf("%w: the password of %s is wrong (or the file is damaged)", ErrPINIncorrect, path)
		case errors.As(err, &ni):
			return nil, fmt.Errorf("%w: %s: %v; re-export it with \"openssl pkcs12 -export\"", ErrUnsupported, path, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrBadKeyFile, path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %s holds a key of type %T", ErrUnsupported, path, key)
	}
	certs := append([]*x509.Certificate{leaf}, cas...)
	return newFileSigner(path, signer, certs)
}

func isWrongPassword(err error) bool {
	return errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption)
}

// openPEM reads an unencrypted PEM key and its certificates.
func openPEM(r *fileRef, data []byte) (Signer, error) {
	keys, certs, err := parsePEM(data, r.path)
	if err != nil {
		return nil, err
	}
	if len(keys) != 1 {
		return nil, fmt.Errorf("%w: %s holds %d private keys; it must hold exactly one", ErrBadKeyFile, r.path, len(keys))
	}
	certFile := r.cert
	if certFile == "" && len(certs) == 0 {
		certFile = strings.TrimSuffix(r.path, filepath.Ext(r.path)) + ".crt"
	}
	if certFile != "" {
		cdata, err := readLimited(certFile, "certificate file")
		if err != nil {
			return nil, fmt.Errorf("%w (the certificate is looked for in the key file, in cert=, or in KEY.crt)", err)
		}
		more, err := parseCertificates(cdata, certFile)
		if err != nil {
			return nil, err
		}
		certs = append(certs, more...)
	}
	return newFileSigner(r.path, keys[0], certs)
}

// parsePEM returns the private keys and certificates in a PEM file.
func parsePEM(data []byte, path string) ([]crypto.Signer, []*x509.Certificate, error) {
	var keys []crypto.Signer
	var certs []*x509.Certificate
	for n := 0; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if n >= maxPEMBlocks {
			return nil, nil, fmt.Errorf("%w: %s holds more than %d PEM blocks", ErrBadKeyFile, path, maxPEMBlocks)
		}
		if _, encrypted := b.Headers["Proc-Type"]; encrypted || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, nil, fmt.Errorf("%w: %s holds an encrypted PEM key, which tamga does not read; convert it to PKCS#12 with "+
				"\"openssl pkcs12 -export -inkey KEY.pem -in CERT.pem -out KEY.p12\"", ErrUnsupported, path)
		}
		var (
			k   any
			err error
		)
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %s: certificate %d: %v", ErrBadKeyFile, path, len(certs)+1, err)
			}
			certs = append(certs, c)
			continue
		default:
			continue // EC PARAMETERS and the like
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: the %s block cannot be parsed: %v", ErrBadKeyFile, path, b.Type, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s holds a key of type %T", ErrUnsupported, path, k)
		}
		keys = append(keys, s)
	}
	return keys, certs, nil
}

// parseCertificates reads a certificate file: PEM with one or more
// certificates, or one DER certificate.
func parseCertificates(data []byte, path string) ([]*x509.Certificate, error) {
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is neither PEM nor a DER certificate: %v", ErrBadKeyFile, path, err)
		}
		return []*x509.Certificate{c}, nil
	}
	keys, certs, err := parsePEM(data, path)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		return nil, fmt.Errorf("%w: the certificate file %s holds a private key", ErrBadKeyFile, path)
	}
	return certs, nil
}

// newFileSigner pairs a key with its certificate among certs.
func newFileSigner(path string, key crypto.Signer, certs []*x509.Certificate) (Signer, error) {
	pub := key.Public()
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, fmt.Errorf("%w: %s holds a key of type %T; use RSA or ECDSA", ErrUnsupported, path, pub)
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	objs := make([]certObject, len(certs))
	for i, c := range certs {
		objs[i] = certObject{cert: c}
	}
	leaf, err := pickLeaf(pub, nil, nil, objs)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return &fileSigner{key: key, pub: pub, cert: leaf, chain: buildChain(leaf, certs)}, nil
}

// fileSigner is a software key read from a file.
type fileSigner struct {
	pub   crypto.PublicKey
	cert  *x509.Certificate
	chain []*x509.Certificate

	mu  sync.RWMutex // guards key; Close takes it to wait for signatures
	key crypto.Signer
}

func (s *fileSigner) Public() crypto.PublicKey       { return s.pub }
func (s *fileSigner) Certificate() *x509.Certificate { return s.cert }
func (s *fileSigner) Chain() []*x509.Certificate     { return append([]*x509.Certificate(nil), s.chain...) }

func (s *fileSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.SignContext(context.Background(), digest, opts)
}

func (s *fileSigner) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	spec, err := checkRequest(s.pub, digest, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if spec.pss {
		// The resolved salt length, so that files and tokens agree.
		opts = &rsa.PSSOptions{SaltLength: spec.saltLen, Hash: spec.hash}
	} else {
		opts = spec.hash
	}
	s.mu.RLock()
	key := s.key
	if key == nil {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	sig, err := key.Sign(rand.Reader, digest, opts)
	s.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("token: signing failed: %w", err)
	}
	if err := verifySignature(s.pub, spec, digest, sig); err != nil {
		return nil, err
	}
	return sig, nil
}

// SoftwareKey returns the Go key, or nil once closed. internal/cms then
// signs with the key directly and checks it against the certificate once
// instead of verifying every signature (see its package documentation);
// SignContext keeps verifying each signature for other callers.
func (s *fileSigner) SoftwareKey() crypto.Signer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.key
}

// Close drops the key. Go's big-number keys cannot be reliably zeroed; the
// memory is left to the garbage collector.
func (s *fileSigner) Close() error {
	s.mu.Lock()
	s.key = nil
	s.mu.Unlock()
	return nil
}
