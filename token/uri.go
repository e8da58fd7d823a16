// This file holds the RFC 7512 PKCS#11 URI: the parser, the String form and
// the matching of slots and tokens against a URI.

package token

import (
	"bytes"
	"strconv"
	"strings"
)

// maxURILen bounds the length of a key reference, and maxURIValues the
// decoded length of its values; real ones are a few hundred bytes. As
// String encodes a byte in at most three, what ParseURI accepts prints to
// a URI it accepts again.
const (
	maxURILen    = 16 << 10
	maxURIValues = 4 << 10
)

// A URI is a parsed RFC 7512 PKCS#11 URI, such as
//
//	pkcs11:token=Executor;object=sign-key;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin
//
// Path attributes select the library, slot, token and object; an attribute
// that is empty is absent and matches anything. Query attributes say which
// module to load and where the PIN comes from.
//
// The pin-value query attribute, which RFC 7512 allows, is refused: a PIN in
// a URI ends up in shell history, process lists and logs. Use pin-source or
// the TAMGA_PIN environment variable instead. Vendor attributes ("x-...")
// are accepted and ignored, as RFC 7512 asks; any other unknown attribute is
// an error, since silently ignoring it could select the wrong key.
type URI struct {
	// Token attributes, matched against CK_TOKEN_INFO.
	Token        string // "token": the token label
	Manufacturer string // "manufacturer": the token manufacturer ID
	Model        string // "model": the token model
	Serial       string // "serial": the token serial number

	// Slot attributes, matched against CK_SLOT_INFO and the slot ID.
	SlotDescription  string // "slot-description"
	SlotManufacturer string // "slot-manufacturer"
	SlotID           *uint  // "slot-id": a decimal CK_SLOT_ID; nil when absent

	// Library attributes, matched against CK_INFO.
	LibraryManufacturer string // "library-manufacturer"
	LibraryDescription  string // "library-description"
	LibraryVersion      string // "library-version": "M" or "M.N"

	// Object attributes.
	Object string // "object": the object label (CKA_LABEL)
	ID     []byte // "id": the object ID (CKA_ID), percent-encoded bytes in the URI
	Type   string // "type": "private", "public", "cert", "secret-key" or "data"

	// Query attributes.
	ModulePath string // "module-path": absolute path of the PKCS#11 module
	ModuleName string // "module-name": module name looked up in the system's module directories
	PINSource  string // "pin-source": "file:/path" of a file holding the PIN
}

// The characters that may appear unencoded in path and query attribute
// values (RFC 7512, pk11-pchar and pk11-qchar).
const (
	uriUnreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	uriResAvail   = ":[]@!$'()*+,="
	uriPathChars  = uriUnreserved + uriResAvail + "&"
	uriQueryChars = uriUnreserved + uriResAvail + "/?|"
)

var objectTypes = []string{"private", "public", "cert", "secret-key", "data"}

// ParseURI parses an RFC 7512 PKCS#11 URI. Errors are *ReferenceError
// (errors.Is(err, ErrBadReference)) naming the attribute at fault.
func ParseURI(s string) (*URI, error) {
	if len(s) > maxURILen {
		return nil, refErr("", "the URI is longer than %d bytes", maxURILen)
	}
	const scheme = "pkcs11:"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return nil, refErr("scheme", `a PKCS#11 URI starts with "pkcs11:"`)
	}
	rest := s[len(scheme):]
	path, query, hasQuery := strings.Cut(rest, "?")
	u := new(URI)
	seen := make(map[string]bool)
	total := 0
	tooLong := func(value []byte) error {
		if total += len(value); total > maxURIValues {
			return refErr("", "the URI's values are longer than %d bytes", maxURIValues)
		}
		return nil
	}
	if path != "" {
		for attr := range strings.SplitSeq(path, ";") {
			name, value, err := splitAttr(attr, uriPathChars, "path")
			if err != nil {
				return nil, err
			}
			if err := tooLong(value); err != nil {
				return nil, err
			}
			if err := u.setPath(name, value, seen); err != nil {
				return nil, err
			}
		}
	}
	if hasQuery && query != "" {
		for attr := range strings.SplitSeq(query, "&") {
			name, value, err := splitAttr(attr, uriQueryChars, "query")
			if err != nil {
				return nil, err
			}
			if err := tooLong(value); err != nil {
				return nil, err
			}
			if err := u.setQuery(name, value, seen); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// splitAttr splits one "name=value" attribute and percent-decodes the value,
// which may use only the characters in allowed and %XX escapes.
func splitAttr(attr, allowed, part string) (name string, value []byte, err error) {
	name, raw, ok := strings.Cut(attr, "=")
	if !ok || name == "" {
		if attr == "" {
			return "", nil, refErr(part, `empty attribute (two separators in a row, or one at the end)`)
		}
		return "", nil, refErr(part, `an attribute is "name=value"; found one without "="`)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", nil, refErr(part, "an attribute name may hold only letters, digits, '-' and '_'")
		}
	}
	value, err = percentDecode(raw, allowed)
	if err != nil {
		return "", nil, refErr(safeName(name), "%s", err.Error())
	}
	return name, value, nil
}

// safeName returns name for error messages; names are restricted to
// [A-Za-z0-9_-] by splitAttr, but long ones are cut.
func safeName(name string) string {
	if len(name) > 40 {
		return name[:40] + "..."
	}
	return name
}

type decodeError string

func (e decodeError) Error() string { return string(e) }

func percentDecode(s, allowed string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return nil, decodeError(`"%" must be followed by two hexadecimal digits`)
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return nil, decodeError(`"%" must be followed by two hexadecimal digits`)
			}
			out = append(out, hi<<4|lo)
			i += 2
		case strings.IndexByte(allowed, c) >= 0:
			out = append(out, c)
		default:
			return nil, decodeError("character " + strconv.QuoteRune(rune(c)) + " must be percent-encoded")
		}
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (u *URI) setPath(name string, v []byte, seen map[string]bool) error {
	if strings.HasPrefix(name, "x-") {
		return nil // vendor attribute: ignored (RFC 7512, section 2.3)
	}
	if seen[name] {
		return refErr(safeName(name), "the attribute appears twice")
	}
	seen[name] = true
	if len(v) == 0 {
		return refErr(name, "the value is empty; remove the attribute to match any")
	}
	s := string(v)
	switch name {
	case "token":
		u.Token = s
	case "manufacturer":
		u.Manufacturer = s
	case "model":
		u.Model = s
	case "serial":
		u.Serial = s
	case "slot-description":
		u.SlotDescription = s
	case "slot-manufacturer":
		u.SlotManufacturer = s
	case "slot-id":
		id, err := parseDecimal(s)
		if err != nil {
			return refErr(name, "the value must be a decimal number")
		}
		u.SlotID = &id
	case "library-manufacturer":
		u.LibraryManufacturer = s
	case "library-description":
		u.LibraryDescription = s
	case "library-version":
		major, minor, hasMinor := strings.Cut(s, ".")
		if _, err := parseDecimal(major); err != nil {
			return refErr(name, `the value must be "M" or "M.N" with decimal numbers`)
		}
		if hasMinor {
			if _, err := parseDecimal(minor); err != nil {
				return refErr(name, `the value must be "M" or "M.N" with decimal numbers`)
			}
		}
		u.LibraryVersion = s
	case "object":
		u.Object = s
	case "id":
		u.ID = v
	case "type":
		for _, t := range objectTypes {
			if s == t {
				u.Type = s
				return nil
			}
		}
		return refErr(name, "the value must be one of %s", strings.Join(objectTypes, ", "))
	default:
		return refErr(safeName(name), "unknown path attribute; RFC 7512 defines token, manufacturer, model, serial, "+
			"slot-description, slot-manufacturer, slot-id, library-manufacturer, library-description, "+
			"library-version, object, id and type (vendor attributes start with x-)")
	}
	return nil
}

func (u *URI) setQuery(name string, v []byte, seen map[string]bool) error {
	if strings.HasPrefix(name, "x-") {
		return nil
	}
	if seen["?"+name] {
		return refErr(safeName(name), "the attribute appears twice")
	}
	seen["?"+name] = true
	if name == "pin-value" {
		// Checked before the value is looked at, so that no message can
		// carry it.
		return refErr(name, "a PIN in the URI is refused because it ends up in shell history and process lists; "+
			"use pin-source=file:/path or the TAMGA_PIN environment variable")
	}
	if len(v) == 0 {
		return refErr(name, "the value is empty; remove the attribute")
	}
	s := string(v)
	switch name {
	case "module-path":
		if !strings.HasPrefix(s, "/") {
			return refErr(name, "the module path must be absolute")
		}
		if bytes.IndexByte(v, 0) >= 0 {
			return refErr(name, "the module path contains a NUL byte")
		}
		u.ModulePath = s
	case "module-name":
		if strings.ContainsAny(s, "/\x00") || s == "." || s == ".." {
			return refErr(name, "a module name is a file name without directories; use module-path for a path")
		}
		u.ModuleName = s
	case "pin-source":
		if _, err := pinSourcePath(s); err != nil {
			return err
		}
		u.PINSource = s
	default:
		return refErr(safeName(name), "unknown query attribute; RFC 7512 defines module-path, module-name, pin-source "+
			"(and pin-value, which tamga refuses); vendor attributes start with x-")
	}
	return nil
}

// parseDecimal parses a non-negative decimal number that fits a CK_ULONG.
func parseDecimal(s string) (uint, error) {
	if s == "" {
		return 0, decodeError("empty number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, decodeError("not a decimal number")
		}
	}
	n, err := strconv.ParseUint(s, 10, strconv.IntSize)
	if err != nil {
		return 0, err
	}
	return uint(n), nil
}

// pinSourcePath returns the file named by a pin-source value:
// "file:PATH" (PATH absolute, or relative to the current directory),
// "file:///abs", "file://localhost/abs", or an absolute path. Other forms,
// which RFC 7512 leaves open (some tools run a program for "|prog"), are
// refused.
func pinSourcePath(s string) (string, error) {
	p := s
	if rest, ok := strings.CutPrefix(s, "file:"); ok {
		p = rest
		if after, ok := strings.CutPrefix(p, "//"); ok {
			host, path, _ := strings.Cut(after, "/")
			if host != "" && host != "localhost" {
				return "", refErr("pin-source", "a file: URI with a host other than localhost is not supported")
			}
			p = "/" + path
		}
	} else if !strings.HasPrefix(p, "/") {
		return "", refErr("pin-source", `use "file:" and the path of a file holding the PIN, e.g. pin-source=file:/run/secrets/pin`)
	}
	if p == "" || p == "/" {
		return "", refErr("pin-source", "no file named")
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", refErr("pin-source", "the path contains a NUL byte")
	}
	return p, nil
}

// String returns the URI in the form ParseURI accepts, with attributes in a
// fixed order and every byte of the id percent-encoded.
func (u *URI) String() string {
	var b strings.Builder
	b.WriteString("pkcs11:")
	n := 0
	add := func(name, value string, allowed string) {
		if n > 0 {
			b.WriteByte(';')
		}
		n++
		b.WriteString(name)
		b.WriteByte('=')
		percentEncode(&b, value, allowed)
	}
	path := func(name, value string) {
		if value != "" {
			add(name, value, uriPathChars)
		}
	}
	path("token", u.Token)
	path("manufacturer", u.Manufacturer)
	path("model", u.Model)
	path("serial", u.Serial)
	path("slot-description", u.SlotDescription)
	path("slot-manufacturer", u.SlotManufacturer)
	if u.SlotID != nil {
		path("slot-id", strconv.FormatUint(uint64(*u.SlotID), 10))
	}
	path("library-manufacturer", u.LibraryManufacturer)
	path("library-description", u.LibraryDescription)
	path("library-version", u.LibraryVersion)
	path("object", u.Object)
	if len(u.ID) > 0 {
		add("id", string(u.ID), "") // every byte encoded: ids are binary
	}
	path("type", u.Type)

	q := 0
	query := func(name, value string) {
		if value == "" {
			return
		}
		if q == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		q++
		b.WriteString(name)
		b.WriteByte('=')
		percentEncode(&b, value, uriQueryChars)
	}
	query("module-path", u.ModulePath)
	query("module-name", u.ModuleName)
	query("pin-source", u.PINSource)
	return b.String()
}

func percentEncode(b *strings.Builder, s, allowed string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(allowed, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// matchesLibrary reports whether the library attributes match CK_INFO.
func (u *URI) matchesLibrary(manufacturer, description string, major, minor byte) bool {
	if u.LibraryManufacturer != "" && u.LibraryManufacturer != manufacturer {
		return false
	}
	if u.LibraryDescription != "" && u.LibraryDescription != description {
		return false
	}
	if u.LibraryVersion != "" {
		// Numerically, so that "2.06" matches 2.6; a missing minor
		// version means 0 (RFC 7512, section 2.3).
		m, n, _ := strings.Cut(u.LibraryVersion, ".")
		mi, err1 := parseDecimal(m)
		ni := uint(0)
		var err2 error
		if n != "" {
			ni, err2 = parseDecimal(n)
		}
		return err1 == nil && err2 == nil && mi == uint(major) && ni == uint(minor)
	}
	return true
}

// matchesSlot reports whether the slot and token attributes match.
func (u *URI) matchesSlot(id uint, slotDescription, slotManufacturer string, t *TokenInfo) bool {
	if u.SlotID != nil && *u.SlotID != id {
		return false
	}
	if u.SlotDescription != "" && u.SlotDescription != slotDescription {
		return false
	}
	if u.SlotManufacturer != "" && u.SlotManufacturer != slotManufacturer {
		return false
	}
	if u.Token != "" && u.Token != t.Label {
		return false
	}
	if u.Manufacturer != "" && u.Manufacturer != t.Manufacturer {
		return false
	}
	if u.Model != "" && u.Model != t.Model {
		return false
	}
	if u.Serial != "" && u.Serial != t.Serial {
		return false
	}
	return true
}

// describeToken names the token the URI asks for, for error messages.
func (u *URI) describeToken() string {
	var parts []string
	if u.Token != "" {
		parts = append(parts, "token="+strconv.Quote(u.Token))
	}
	if u.Serial != "" {
		parts = append(parts, "serial="+strconv.Quote(u.Serial))
	}
	if u.SlotID != nil {
		parts = append(parts, "slot-id="+strconv.FormatUint(uint64(*u.SlotID), 10))
	}
	if u.Manufacturer != "" {
		parts = append(parts, "manufacturer="+strconv.Quote(u.Manufacturer))
	}
	if u.Model != "" {
		parts = append(parts, "model="+strconv.Quote(u.Model))
	}
	if u.SlotDescription != "" {
		parts = append(parts, "slot-description="+strconv.Quote(u.SlotDescription))
	}
	if u.SlotManufacturer != "" {
		parts = append(parts, "slot-manufacturer="+strconv.Quote(u.SlotManufacturer))
	}
	if len(parts) == 0 {
		return "any token"
	}
	return strings.Join(parts, ";")
}

// describeKey names the key the URI asks for, for error messages.
func (u *URI) describeKey() string {
	var parts []string
	if u.Object != "" {
		parts = append(parts, "object="+strconv.Quote(u.Object))
	}
	if len(u.ID) > 0 {
		var b strings.Builder
		percentEncode(&b, string(u.ID), "")
		parts = append(parts, "id="+b.String())
	}
	if len(parts) == 0 {
		return "any private key"
	}
	return strings.Join(parts, ";")
}
