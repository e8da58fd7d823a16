// This file holds the PKCS#11 Signer: finding the slot, the key and its
// certificates, the session pool, and signing with context-specific login.

package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// maxObjects bounds how many objects are read from a token in one search.
const maxObjects = 1024

// resolveModule picks the module for a URI: module-path, module-name,
// opts.ModulePath, TAMGA_PKCS11_MODULE.
func resolveModule(u *URI, opts *Options) (string, error) {
	switch {
	case u.ModulePath != "":
		return u.ModulePath, nil
	case u.ModuleName != "":
		return moduleByName(u.ModuleName)
	case opts.ModulePath != "":
		return opts.ModulePath, nil
	}
	if p := opts.getenv()(EnvModule); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("%w: the key URI names no module; add ?module-path=/path/to/module.so, set %s, or pass the module option", ErrModule, EnvModule)
}

// slotMatch is a slot whose token matches a URI.
type slotMatch struct {
	id    uint
	token *TokenInfo
	info  pkcs11.TokenInfo
}

// findSlot returns the one slot whose token matches u.
func findSlot(m *module, u *URI) (slotMatch, error) {
	info, err := m.ctx.GetInfo()
	if err != nil {
		return slotMatch{}, p11err("C_GetInfo", err)
	}
	if !u.matchesLibrary(trimPad(info.ManufacturerID), trimPad(info.LibraryDescription), info.LibraryVersion.Major, info.LibraryVersion.Minor) {
		return slotMatch{}, fmt.Errorf("%w: the module %s (%s %d.%d) does not match the library attributes of the URI",
			ErrTokenNotPresent, m.path, trimPad(info.LibraryDescription), info.LibraryVersion.Major, info.LibraryVersion.Minor)
	}
	ids, err := m.ctx.GetSlotList(true)
	if err != nil {
		return slotMatch{}, p11err("C_GetSlotList", err)
	}
	var matches []slotMatch
	var present []string
	for _, id := range ids {
		si, err := m.ctx.GetSlotInfo(id)
		if err != nil {
			continue // removed meanwhile
		}
		ti, err := m.ctx.GetTokenInfo(id)
		if err != nil || ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		t := tokenInfo(ti)
		present = append(present, strconv.Quote(t.Label))
		if u.matchesSlot(id, trimPad(si.SlotDescription), trimPad(si.ManufacturerID), t) {
			matches = append(matches, slotMatch{id: id, token: t, info: ti})
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		have := "no initialised token is present"
		if len(present) > 0 {
			have = "tokens present: " + strings.Join(present, ", ")
		}
		return slotMatch{}, fmt.Errorf("%w: no token matches %s in %s (%s); insert the token or fix the URI (\"tamga token list\" shows the tokens)",
			ErrTokenNotPresent, u.describeToken(), m.path, have)
	}
	var names []string
	for _, s := range matches {
		names = append(names, fmt.Sprintf("%q (serial %s)", s.token.Label, s.token.Serial))
	}
	return slotMatch{}, fmt.Errorf("%w: %d tokens match %s: %s; add serial= (or token=) to the URI",
		ErrAmbiguousKey, len(matches), u.describeToken(), strings.Join(names, ", "))
}

// trimPad removes the blank (or NUL) padding of PKCS#11 fixed-size strings.
func trimPad(s string) string { return strings.TrimRight(s, " \x00") }

func tokenInfo(ti pkcs11.TokenInfo) *TokenInfo {
	f := ti.Flags
	return &TokenInfo{
		Label:              trimPad(ti.Label),
		Manufacturer:       trimPad(ti.ManufacturerID),
		Model:              trimPad(ti.Model),
		Serial:             trimPad(ti.SerialNumber),
		Initialized:        f&pkcs11.CKF_TOKEN_INITIALIZED != 0,
		LoginRequired:      f&pkcs11.CKF_LOGIN_REQUIRED != 0,
		UserPINInitialized: f&pkcs11.CKF_USER_PIN_INITIALIZED != 0,
		PINCountLow:        f&pkcs11.CKF_USER_PIN_COUNT_LOW != 0,
		PINFinalTry:        f&pkcs11.CKF_USER_PIN_FINAL_TRY != 0,
		PINLocked:          f&pkcs11.CKF_USER_PIN_LOCKED != 0,
		PINToBeChanged:     f&pkcs11.CKF_USER_PIN_TO_BE_CHANGED != 0,
		ProtectedAuthPath:  f&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH != 0,
		WriteProtected:     f&pkcs11.CKF_WRITE_PROTECTED != 0,
	}
}

// pinPrompt is the prompt for a token's user PIN, with the warnings the
// token gives about failed tries.
func pinPrompt(t *TokenInfo, what string) string {
	p := fmt.Sprintf("%s for token %q", what, t.Label)
	switch {
	case t.PINFinalTry:
		p += " (FINAL TRY: a wrong PIN locks the token)"
	case t.PINCountLow:
		p += " (a wrong PIN was entered before)"
	}
	return p + ": "
}

// findObjects returns the handles of the objects matching tmpl, at most
// limit of them.
func findObjects(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, tmpl []*pkcs11.Attribute, limit int) ([]pkcs11.ObjectHandle, error) {
	if err := ctx.FindObjectsInit(s, tmpl); err != nil {
		return nil, p11err("C_FindObjectsInit", err)
	}
	var all []pkcs11.ObjectHandle
	for len(all) < limit {
		hs, _, err := ctx.FindObjects(s, min(64, limit-len(all)))
		if err != nil {
			ctx.FindObjectsFinal(s)
			return nil, p11err("C_FindObjects", err)
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	if err := ctx.FindObjectsFinal(s); err != nil {
		return nil, p11err("C_FindObjectsFinal", err)
	}
	return all, nil
}

// attr reads one attribute; ok is false when the object does not have it
// or it cannot be read (sensitive). One at a time, because the wrapper
// fails the whole call when any attribute of a template is missing.
func attr(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle, typ uint) ([]byte, bool) {
	a, err := ctx.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil || len(a) != 1 || a[0].Value == nil {
		return nil, false
	}
	return a[0].Value, true
}

// attrULong reads a CK_ULONG attribute.
func attrULong(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle, typ uint) (uint, bool) {
	v, ok := attr(ctx, s, h, typ)
	if !ok {
		return 0, false
	}
	switch len(v) {
	case 8:
		return uint(binary.NativeEndian.Uint64(v)), true
	case 4:
		return uint(binary.NativeEndian.Uint32(v)), true
	}
	return 0, false
}

// attrBool reads a CK_BBOOL attribute; missing is false.
func attrBool(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle, typ uint) (value, present bool) {
	v, ok := attr(ctx, s, h, typ)
	if !ok || len(v) != 1 {
		return false, false
	}
	return v[0] != 0, true
}

var curveOIDs = []struct {
	oid   asn1.ObjectIdentifier
	curve elliptic.Curve
}{
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256()},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384()},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521()},
}

// curveFromParams decodes CKA_EC_PARAMS (a DER namedCurve OID).
func curveFromParams(params []byte) (elliptic.Curve, string, error) {
	var oid asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(params, &oid)
	if err != nil || len(rest) != 0 {
		return nil, "", fmt.Errorf("%w: the key's EC parameters are not a named curve", ErrUnsupported)
	}
	for _, c := range curveOIDs {
		if oid.Equal(c.oid) {
			return c.curve, c.curve.Params().Name, nil
		}
	}
	return nil, oid.String(), fmt.Errorf("%w: elliptic curve %s; use P-256, P-384 or P-521", ErrUnsupported, oid)
}

// ecPoint decodes CKA_EC_POINT: a DER OCTET STRING holding the uncompressed
// point, as the standard says, or the bare point, as some tokens return.
func ecPoint(curve elliptic.Curve, v []byte) (*ecdsa.PublicKey, bool) {
	n := (curve.Params().BitSize + 7) / 8
	raw := v
	if len(v) != 1+2*n || v[0] != 4 {
		var inner []byte
		rest, err := asn1.Unmarshal(v, &inner)
		if err != nil || len(rest) != 0 {
			return nil, false
		}
		raw = inner
	}
	if len(raw) != 1+2*n || raw[0] != 4 {
		return nil, false
	}
	// This checks that the point is on the curve.
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
	if err != nil {
		return nil, false
	}
	return pub, true
}

// keyObject is what Open learns about the private key.
type keyObject struct {
	handle     pkcs11.ObjectHandle
	id         []byte
	label      string
	keyType    uint
	curve      elliptic.Curve // EC keys
	pub        crypto.PublicKey
	alwaysAuth bool
}

// findKey finds the one private key matching u.
func findKey(m *module, s pkcs11.SessionHandle, u *URI, t *TokenInfo, loggedIn bool) (*keyObject, error) {
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)}
	if u.Object != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
	}
	if len(u.ID) > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, u.ID))
	}
	hs, err := findObjects(m.ctx, s, tmpl, maxObjects)
	if err != nil {
		return nil, err
	}
	switch len(hs) {
	case 0:
		hint := ""
		if !loggedIn {
			hint = " (the token does not require a login, so all its keys were visible)"
		}
		return nil, fmt.Errorf("%w: no private key with %s on token %q%s; run \"tamga token list --login\" to see the keys and their URIs",
			ErrKeyNotFound, u.describeKey(), t.Label, hint)
	case 1:
	default:
		var names []string
		ids := make(map[string]bool)
		for _, h := range hs {
			id, _ := attr(m.ctx, s, h, pkcs11.CKA_ID)
			label, _ := attr(m.ctx, s, h, pkcs11.CKA_LABEL)
			ids[string(id)] = true
			names = append(names, fmt.Sprintf("id=%s (object=%q)", encodeID(id), label))
		}
		slices.Sort(names)
		advice := "add the id= of the one to use to the URI"
		if len(ids) < len(hs) {
			advice = "some share an id too: give them distinct ids or labels with the token vendor's tool"
		}
		return nil, fmt.Errorf("%w: %d private keys match %s on token %q: %s; %s",
			ErrAmbiguousKey, len(hs), u.describeKey(), t.Label, strings.Join(names, ", "), advice)
	}
	k := &keyObject{handle: hs[0]}
	k.id, _ = attr(m.ctx, s, k.handle, pkcs11.CKA_ID)
	label, _ := attr(m.ctx, s, k.handle, pkcs11.CKA_LABEL)
	k.label = string(label)
	kt, ok := attrULong(m.ctx, s, k.handle, pkcs11.CKA_KEY_TYPE)
	if !ok {
		return nil, fmt.Errorf("%w: the key's type (CKA_KEY_TYPE) cannot be read", ErrUnsupported)
	}
	k.keyType = kt
	k.alwaysAuth, _ = attrBool(m.ctx, s, k.handle, pkcs11.CKA_ALWAYS_AUTHENTICATE)
	if canSign, present := attrBool(m.ctx, s, k.handle, pkcs11.CKA_SIGN); present && !canSign {
		return nil, fmt.Errorf("%w: the key %s on token %q may not sign (CKA_SIGN is false)", ErrUnsupported, u.describeKey(), t.Label)
	}
	switch kt {
	case pkcs11.CKK_RSA:
		k.pub = rsaPublic(m.ctx, s, k.handle)
	case pkcs11.CKK_EC:
		params, ok := attr(m.ctx, s, k.handle, pkcs11.CKA_EC_PARAMS)
		if !ok {
			return nil, fmt.Errorf("%w: the EC key's parameters (CKA_EC_PARAMS) cannot be read", ErrUnsupported)
		}
		curve, _, err := curveFromParams(params)
		if err != nil {
			return nil, err
		}
		k.curve = curve
	default:
		return nil, fmt.Errorf("%w: key type 0x%X; RSA and EC keys are supported", ErrUnsupported, kt)
	}
	if k.pub == nil && len(k.id) > 0 {
		k.pub = publicKeyObject(m.ctx, s, k)
	}
	return k, nil
}

// rsaPublic reads the public part of an RSA key object, or nil.
func rsaPublic(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle) *rsa.PublicKey {
	n, ok1 := attr(ctx, s, h, pkcs11.CKA_MODULUS)
	e, ok2 := attr(ctx, s, h, pkcs11.CKA_PUBLIC_EXPONENT)
	if !ok1 || !ok2 || len(n) == 0 || len(n) > maxRSABits/8 || len(e) == 0 || len(e) > 8 {
		return nil
	}
	E := new(big.Int).SetBytes(e)
	if !E.IsInt64() || E.Int64() < 3 || E.Int64() > 1<<31-1 {
		return nil
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(E.Int64())}
}

// publicKeyObject reads the public key object with the key's CKA_ID, or nil.
func publicKeyObject(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, k *keyObject) crypto.PublicKey {
	hs, err := findObjects(ctx, s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_ID, k.id),
	}, 2)
	if err != nil || len(hs) != 1 {
		return nil
	}
	switch k.keyType {
	case pkcs11.CKK_RSA:
		if p := rsaPublic(ctx, s, hs[0]); p != nil {
			return p
		}
	case pkcs11.CKK_EC:
		v, ok := attr(ctx, s, hs[0], pkcs11.CKA_EC_POINT)
		if !ok {
			return nil
		}
		if p, ok := ecPoint(k.curve, v); ok {
			return p
		}
	}
	return nil
}

// tokenCertificates reads the X.509 certificates on the token.
func tokenCertificates(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) ([]certObject, error) {
	hs, err := findObjects(ctx, s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
	}, maxObjects)
	if err != nil {
		return nil, err
	}
	var certs []certObject
	for _, h := range hs {
		der, ok := attr(ctx, s, h, pkcs11.CKA_VALUE)
		if !ok {
			continue
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue // one bad object must not hide the others
		}
		id, _ := attr(ctx, s, h, pkcs11.CKA_ID)
		certs = append(certs, certObject{cert: c, id: id})
	}
	return certs, nil
}

// encodeID percent-encodes an object ID as a URI does.
func encodeID(id []byte) string {
	var b strings.Builder
	percentEncode(&b, string(id), "")
	return b.String()
}

func openPKCS11(ctx context.Context, u *URI, opts *Options) (_ Signer, err error) {
	if u.Type != "" && u.Type != "private" {
		return nil, refErr("type", "Open needs a private key: use type=private or leave type out")
	}
	modPath, err := resolveModule(u, opts)
	if err != nil {
		return nil, err
	}
	m, err := acquireModule(modPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			m.release()
		}
	}()
	sm, err := findSlot(m, u)
	if err != nil {
		return nil, err
	}
	t := sm.token
	if t.PINLocked {
		return nil, fmt.Errorf("%w: token %q reports its user PIN locked; unlock it with the token vendor's tool (PUK or SO PIN)", ErrPINLocked, t.Label)
	}
	pins := pinSource{getenv: opts.getenv(), callback: opts.PIN}
	if u.PINSource != "" {
		pins.file, _ = pinSourcePath(u.PINSource) // checked by ParseURI
	}

	sg := &p11Signer{
		mod:       m,
		slot:      sm.id,
		tokenName: t.Label,
		pins:      pins,
		perSig:    opts.PINPerSignature,
	}
	var pin []byte // the login PIN, kept in case the key wants it per signature
	defer func() {
		if err != nil {
			zero(pin)
		}
	}()
	if t.LoginRequired {
		pin, err = m.login(ctx, sm.id, pinPrompt(t, "PIN"), pins, !opts.PINPerSignature)
		if err != nil {
			return nil, err
		}
		sg.loggedIn = true
		defer func() {
			if err != nil {
				m.logout(sm.id)
			}
		}()
	}

	s, err := m.ctx.OpenSession(sm.id, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, p11err("C_OpenSession", err)
	}
	defer func() {
		if err != nil {
			m.ctx.CloseSession(s)
		}
	}()
	key, err := findKey(m, s, u, t, sg.loggedIn)
	if err != nil {
		return nil, err
	}
	certs, err := tokenCertificates(m.ctx, s)
	if err != nil {
		return nil, err
	}
	leaf, err := pickLeaf(key.pub, key.id, key.curve, certs)
	if err != nil {
		return nil, fmt.Errorf("%w (key %s on token %q)", err, describeObject(key), t.Label)
	}
	if err := checkPublicKey(leaf.PublicKey); err != nil {
		return nil, err
	}
	sg.key = key
	sg.pub = leaf.PublicKey
	sg.cert = leaf
	sg.chain = buildChain(leaf, certObjectsCerts(certs))

	if key.alwaysAuth && !opts.PINPerSignature {
		// Keep the PIN for the per-signature login. If another Signer had
		// logged the token in already, it is asked for now.
		if pin == nil {
			if pin, err = pins.get(ctx, pinPrompt(t, "Signature PIN")); err != nil {
				return nil, err
			}
		}
		sg.pin, pin = pin, nil
	} else {
		zero(pin)
		pin = nil
	}

	// The session used for the lookups becomes the first of the pool.
	n := opts.maxSessions()
	if mx := sm.info.MaxSessionCount; mx != pkcs11.CK_EFFECTIVELY_INFINITE && mx != pkcs11.CK_UNAVAILABLE_INFORMATION {
		// One session of the token's budget is the login anchor.
		n = max(1, min(n, int(mx)-1))
	}
	sg.pool = newSessionPool(m.ctx, sm.id, n)
	sg.pool.idle <- s
	return sg, nil
}

// describeObject names a key object for messages.
func describeObject(k *keyObject) string {
	if len(k.id) > 0 {
		return fmt.Sprintf("object=%q;id=%s", k.label, encodeID(k.id))
	}
	return fmt.Sprintf("object=%q", k.label)
}

// sessionPool hands out at most size sessions of one slot at a time.
// Sessions are opened when needed and kept for reuse; one that saw an
// error is closed rather than reused, since its state is unknown.
type sessionPool struct {
	ctx  *pkcs11.Ctx
	slot uint
	sem  chan struct{}             // one token per session in use
	idle chan pkcs11.SessionHandle // sessions ready for reuse
	done chan struct{}             // closed by close
	once sync.Once
}

func newSessionPool(ctx *pkcs11.Ctx, slot uint, size int) *sessionPool {
	return &sessionPool{
		ctx:  ctx,
		slot: slot,
		sem:  make(chan struct{}, size),
		idle: make(chan pkcs11.SessionHandle, size),
		done: make(chan struct{}),
	}
}

// get returns a session, waiting for one to be free.
func (p *sessionPool) get(ctx context.Context) (pkcs11.SessionHandle, error) {
	select {
	case <-p.done:
		return 0, ErrClosed
	default:
	}
	select {
	case p.sem <- struct{}{}:
	case <-p.done:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case <-p.done: // closed while we waited; do not race close for sessions
		<-p.sem
		return 0, ErrClosed
	default:
	}
	select {
	case s := <-p.idle:
		return s, nil
	default:
	}
	s, err := p.ctx.OpenSession(p.slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		<-p.sem
		return 0, p11err("C_OpenSession", err)
	}
	return s, nil
}

// put returns a session from get; a session that is not ok is closed.
func (p *sessionPool) put(s pkcs11.SessionHandle, ok bool) {
	if ok {
		select {
		case p.idle <- s:
		default:
			p.ctx.CloseSession(s)
		}
	} else {
		p.ctx.CloseSession(s)
	}
	<-p.sem
}

// close waits for the sessions in use and closes all sessions.
func (p *sessionPool) close() {
	p.once.Do(func() {
		close(p.done)
		for range cap(p.sem) {
			p.sem <- struct{}{}
		}
		for {
			select {
			case s := <-p.idle:
				p.ctx.CloseSession(s)
			default:
				return
			}
		}
	})
}

// p11Signer is a private key on a PKCS#11 token.
type p11Signer struct {
	mod       *module
	slot      uint
	tokenName string
	key       *keyObject
	pub       crypto.PublicKey
	cert      *x509.Certificate
	chain     []*x509.Certificate
	pool      *sessionPool
	loggedIn  bool
	pins      pinSource
	perSig    bool

	// authMu serialises context-specific logins, so that after one wrong
	// PIN no other goroutine tries another; it guards pin and pinFailed.
	authMu    sync.Mutex
	pin       []byte // kept for context-specific login, unless perSig
	pinFailed bool

	closeMu sync.Mutex
	closed  bool
}

func (s *p11Signer) Public() crypto.PublicKey       { return s.pub }
func (s *p11Signer) Certificate() *x509.Certificate { return s.cert }
func (s *p11Signer) Chain() []*x509.Certificate     { return append([]*x509.Certificate(nil), s.chain...) }
func (s *p11Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.SignContext(context.Background(), digest, opts)
}

func (s *p11Signer) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	spec, err := checkRequest(s.pub, digest, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mech, input, err := s.mechanism(spec, digest)
	if err != nil {
		return nil, err
	}
	sess, err := s.pool.get(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := s.signOn(ctx, sess, mech, input)
	s.pool.put(sess, err == nil)
	if err != nil {
		return nil, err
	}
	sig := raw
	if s.key.keyType == pkcs11.CKK_EC {
		if sig, err = ecdsaRawToASN1(raw, s.pub.(*ecdsa.PublicKey).Curve); err != nil {
			return nil, err
		}
	}
	if err := verifySignature(s.pub, spec, digest, sig); err != nil {
		return nil, err
	}
	return sig, nil
}

// signOn makes one signature on session sess.
func (s *p11Signer) signOn(ctx context.Context, sess pkcs11.SessionHandle, mech *pkcs11.Mechanism, input []byte) ([]byte, error) {
	if err := s.mod.ctx.SignInit(sess, []*pkcs11.Mechanism{mech}, s.key.handle); err != nil {
		return nil, p11err("C_SignInit", err)
	}
	if s.key.alwaysAuth {
		if err := s.contextLogin(ctx, sess); err != nil {
			return nil, err
		}
	}
	sig, err := s.mod.ctx.Sign(sess, input)
	if err != nil {
		return nil, p11err("C_Sign", err)
	}
	return sig, nil
}

// contextLogin gives the PIN for the signing operation just initialised
// on sess (CKA_ALWAYS_AUTHENTICATE keys).
func (s *p11Signer) contextLogin(ctx context.Context, sess pkcs11.SessionHandle) error {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if s.pinFailed {
		return fmt.Errorf("%w: the token rejected the signature PIN before; open the key again with the right PIN (not retried, so that the token does not lock)", ErrPINIncorrect)
	}
	pin := s.pin
	if s.perSig {
		var err error
		pin, err = s.pins.get(ctx, fmt.Sprintf("Signature PIN for key %s on token %q: ", describeObject(s.key), s.tokenName))
		if err != nil {
			return err
		}
		defer zero(pin)
	}
	if len(pin) == 0 {
		return fmt.Errorf("%w: the signer has been closed", ErrClosed)
	}
	err := loginWith(s.mod.ctx, sess, pkcs11.CKU_CONTEXT_SPECIFIC, pin)
	if err != nil {
		err = p11err("C_Login", err)
		if errors.Is(err, ErrPINIncorrect) || errors.Is(err, ErrPINLocked) {
			s.pinFailed = true
			zero(s.pin)
			s.pin = nil
		}
		return err
	}
	return nil
}

// mechanism builds the PKCS#11 mechanism and its input for spec.
func (s *p11Signer) mechanism(spec sigSpec, digest []byte) (*pkcs11.Mechanism, []byte, error) {
	switch s.key.keyType {
	case pkcs11.CKK_RSA:
		if !spec.pss {
			prefix := digestInfoPrefix[spec.hash]
			in := make([]byte, 0, len(prefix)+len(digest))
			return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil), append(append(in, prefix...), digest...), nil
		}
		hm, mgf := pssHash(spec.hash)
		params := pkcs11.NewPSSParams(hm, mgf, uint(spec.saltLen))
		return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, params), digest, nil
	case pkcs11.CKK_EC:
		return pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil), digest, nil
	}
	return nil, nil, fmt.Errorf("%w: key type 0x%X", ErrUnsupported, s.key.keyType)
}

// pssHash returns the hash mechanism and MGF1 function for h.
func pssHash(h crypto.Hash) (uint, uint) {
	switch h {
	case crypto.SHA224:
		return pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224
	case crypto.SHA384:
		return pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384
	case crypto.SHA512:
		return pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512
	}
	return pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256
}

func (s *p11Signer) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.pool.close()
	s.authMu.Lock()
	zero(s.pin)
	s.pin = nil
	s.authMu.Unlock()
	if s.loggedIn {
		s.mod.logout(s.slot)
	}
	s.mod.release()
	return nil
}

// String describes the key without secrets, for logs.
func (s *p11Signer) String() string {
	return fmt.Sprintf("PKCS#11 key %s on token %q (%s)", describeObject(s.key), s.tokenName, hex.EncodeToString(s.cert.SerialNumber.Bytes()))
}
