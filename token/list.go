// This file holds List: the slots, tokens and objects a PKCS#11 module
// shows, with a key URI for each private key.

package token

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"slices"

	"github.com/miekg/pkcs11"
)

// A Slot is a PKCS#11 slot (a reader, or a virtual slot of an HSM).
type Slot struct {
	ID           uint
	Description  string
	Manufacturer string
	TokenPresent bool
	Token        *TokenInfo // nil when no token is present
}

// TokenInfo describes a token (CK_TOKEN_INFO) and, from List, its objects.
type TokenInfo struct {
	Label        string
	Manufacturer string
	Model        string
	Serial       string

	Initialized        bool // CKF_TOKEN_INITIALIZED
	LoginRequired      bool // CKF_LOGIN_REQUIRED
	UserPINInitialized bool // CKF_USER_PIN_INITIALIZED
	PINCountLow        bool // CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered since the last right one
	PINFinalTry        bool // CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks it
	PINLocked          bool // CKF_USER_PIN_LOCKED
	PINToBeChanged     bool // CKF_USER_PIN_TO_BE_CHANGED
	ProtectedAuthPath  bool // CKF_PROTECTED_AUTHENTICATION_PATH: the PIN is entered on a PIN pad
	WriteProtected     bool // CKF_WRITE_PROTECTED

	// LoggedIn reports whether List logged in, so that private objects
	// are included in Objects.
	LoggedIn bool
	Objects  []Object
}

// An ObjectClass names a PKCS#11 object class.
type ObjectClass string

// The object classes List reports.
const (
	ClassPrivateKey  ObjectClass = "private-key"
	ClassPublicKey   ObjectClass = "public-key"
	ClassCertificate ObjectClass = "certificate"
	ClassSecretKey   ObjectClass = "secret-key"
	ClassData        ObjectClass = "data"
	ClassOther       ObjectClass = "other"
)

// An Object is an object on a token.
type Object struct {
	Class ObjectClass
	Label string // CKA_LABEL
	ID    []byte // CKA_ID

	// Keys.
	KeyType            string // "RSA", "EC", or "0x..." for other CKK_ values
	Bits               int    // key size (RSA modulus, EC field size); 0 if unknown
	Curve              string // EC keys: "P-256", ... or the curve OID
	AlwaysAuthenticate bool   // private keys: CKA_ALWAYS_AUTHENTICATE

	// Certificate is the parsed X.509 certificate, or nil (not X.509, or
	// unparsable).
	Certificate *x509.Certificate

	// URI is, for private keys, a PKCS#11 URI that Open accepts.
	URI string
}

// List returns the slots of the PKCS#11 module at modulePath (when empty:
// opts.ModulePath, else TAMGA_PKCS11_MODULE) with their tokens and the
// objects visible on them. Without a login only public objects are
// visible; with opts.Login, List logs in to each token that needs it, with
// the PIN from TAMGA_PIN or opts.PIN, and lists private keys too. A wrong
// PIN stops List with ErrPINIncorrect.
func List(ctx context.Context, modulePath string, opts *Options) ([]Slot, error) {
	if opts == nil {
		opts = &Options{}
	}
	if modulePath == "" {
		modulePath = opts.ModulePath
	}
	if modulePath == "" {
		modulePath = opts.getenv()(EnvModule)
	}
	if modulePath == "" {
		return nil, fmt.Errorf("%w: no module given; pass its path or set %s", ErrModule, EnvModule)
	}
	m, err := acquireModule(modulePath)
	if err != nil {
		return nil, err
	}
	defer m.release()
	ids, err := m.ctx.GetSlotList(false)
	if err != nil {
		return nil, p11err("C_GetSlotList", err)
	}
	pins := pinSource{getenv: opts.getenv(), callback: opts.PIN}
	var slots []Slot
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		si, err := m.ctx.GetSlotInfo(id)
		if err != nil {
			continue // gone meanwhile
		}
		s := Slot{
			ID:           id,
			Description:  trimPad(si.SlotDescription),
			Manufacturer: trimPad(si.ManufacturerID),
			TokenPresent: si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0,
		}
		if s.TokenPresent {
			ti, err := m.ctx.GetTokenInfo(id)
			if err == nil {
				s.Token = tokenInfo(ti)
				if err := listObjects(ctx, m, id, s.Token, modulePath, opts.Login, pins); err != nil {
					return nil, err
				}
			}
		}
		slots = append(slots, s)
	}
	return slots, nil
}

func listObjects(ctx context.Context, m *module, slot uint, t *TokenInfo, modulePath string, login bool, pins pinSource) error {
	if !t.Initialized {
		return nil
	}
	if login && t.LoginRequired && t.UserPINInitialized && !t.PINLocked {
		if _, err := m.login(ctx, slot, pinPrompt(t, "PIN"), pins, false); err != nil {
			return fmt.Errorf("token %q: %w", t.Label, err)
		}
		defer m.logout(slot)
		t.LoggedIn = true
	}
	s, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return p11err("C_OpenSession", err)
	}
	defer m.ctx.CloseSession(s)
	hs, err := findObjects(m.ctx, s, nil, maxObjects)
	if err != nil {
		return err
	}
	for _, h := range hs {
		t.Objects = append(t.Objects, describe(m.ctx, s, h, t, modulePath))
	}
	order := map[ObjectClass]int{ClassPrivateKey: 0, ClassPublicKey: 1, ClassCertificate: 2, ClassSecretKey: 3, ClassData: 4, ClassOther: 5}
	slices.SortStableFunc(t.Objects, func(a, b Object) int {
		return cmp.Or(cmp.Compare(order[a.Class], order[b.Class]), bytes.Compare(a.ID, b.ID), cmp.Compare(a.Label, b.Label))
	})
	return nil
}

// describe reads what List reports about one object.
func describe(ctx *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle, t *TokenInfo, modulePath string) Object {
	var o Object
	label, _ := attr(ctx, s, h, pkcs11.CKA_LABEL)
	o.Label = string(label)
	o.ID, _ = attr(ctx, s, h, pkcs11.CKA_ID)
	class, _ := attrULong(ctx, s, h, pkcs11.CKA_CLASS)
	switch class {
	case pkcs11.CKO_PRIVATE_KEY:
		o.Class = ClassPrivateKey
	case pkcs11.CKO_PUBLIC_KEY:
		o.Class = ClassPublicKey
	case pkcs11.CKO_CERTIFICATE:
		o.Class = ClassCertificate
	case pkcs11.CKO_SECRET_KEY:
		o.Class = ClassSecretKey
	case pkcs11.CKO_DATA:
		o.Class = ClassData
	default:
		o.Class = ClassOther
	}
	switch o.Class {
	case ClassPrivateKey, ClassPublicKey:
		kt, ok := attrULong(ctx, s, h, pkcs11.CKA_KEY_TYPE)
		switch {
		case !ok:
		case kt == pkcs11.CKK_RSA:
			o.KeyType = "RSA"
			if n, ok := attr(ctx, s, h, pkcs11.CKA_MODULUS); ok {
				o.Bits = bitLen(n)
			} else if bits, ok := attrULong(ctx, s, h, pkcs11.CKA_MODULUS_BITS); ok {
				o.Bits = int(bits)
			}
		case kt == pkcs11.CKK_EC:
			o.KeyType = "EC"
			if params, ok := attr(ctx, s, h, pkcs11.CKA_EC_PARAMS); ok {
				curve, name, err := curveFromParams(params)
				o.Curve = name
				if err == nil {
					o.Bits = curve.Params().BitSize
				}
			}
		default:
			o.KeyType = fmt.Sprintf("0x%X", kt)
		}
		if o.Class == ClassPrivateKey {
			o.AlwaysAuthenticate, _ = attrBool(ctx, s, h, pkcs11.CKA_ALWAYS_AUTHENTICATE)
			u := URI{Token: t.Label, Serial: t.Serial, Object: o.Label, ID: o.ID, Type: "private", ModulePath: modulePath}
			o.URI = u.String()
		}
	case ClassCertificate:
		if ct, ok := attrULong(ctx, s, h, pkcs11.CKA_CERTIFICATE_TYPE); ok && ct == pkcs11.CKC_X_509 {
			if der, ok := attr(ctx, s, h, pkcs11.CKA_VALUE); ok {
				if c, err := x509.ParseCertificate(der); err == nil {
					o.Certificate = c
				}
			}
		}
	}
	return o
}

// bitLen is the bit length of a big-endian unsigned number.
func bitLen(b []byte) int {
	for i, c := range b {
		if c != 0 {
			n := (len(b) - i - 1) * 8
			for ; c != 0; c >>= 1 {
				n++
			}
			return n
		}
	}
	return 0
}
