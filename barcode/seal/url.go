package seal

// This file holds the URL form of a seal, HTTPS://HOST/S/BASE32: all of it
// in the QR alphanumeric character set, so a phone camera opens the check
// page and an offline app finds the whole seal in the URL.

import (
	"encoding/base32"
	"strings"
)

// maxURLLen bounds the URLs ParseURL looks at.
const maxURLLen = 2048

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// EncodeURL returns "HTTPS://" + HOST + "/S/" + the seal in RFC 4648 base32
// without padding, all upper case. host is the check page's host name
// (letters, digits, '.', '-', and an optional ":port"), e.g.
// "check.tunduk.kg".
func EncodeURL(host string, seal []byte) (string, error) {
	h := strings.ToUpper(host)
	if !validHost(h) {
		return "", invalidDoc("host", "must be a host name of letters, digits, '.', '-' and an optional :port")
	}
	if len(seal) == 0 || len(seal) > maxSealSize {
		return "", invalidDoc("seal", "empty or too long")
	}
	return "HTTPS://" + h + "/S/" + b32.EncodeToString(seal), nil
}

func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" || name[0] == '.' || name[0] == '-' || strings.HasSuffix(name, ".") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if hasPort {
		if port == "" || len(port) > 5 || port[0] == '0' {
			return false
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
	}
	return true
}

// ParseURL splits a seal URL into its host (upper case) and the seal's
// bytes. Scheme, host and the base32 text are read case-insensitively,
// because a browser lower-cases the scheme and host of what it opens; the
// URL must have exactly the form EncodeURL writes, with no query, fragment
// or padding. The host is not signed: a seal is authentic or not wherever
// it is hosted.
func ParseURL(u string) (host string, seal []byte, err error) {
	if len(u) > maxURLLen {
		return "", nil, malformed("url", "too long")
	}
	up := strings.ToUpper(u)
	rest, ok := strings.CutPrefix(up, "HTTPS://")
	if !ok {
		return "", nil, malformed("url", "must start with HTTPS://")
	}
	host, data, ok := strings.Cut(rest, "/S/")
	if !ok || !validHost(host) {
		return "", nil, malformed("url", "must be HTTPS://HOST/S/SEAL")
	}
	if data == "" || strings.ContainsAny(data, "=/?#") {
		return "", nil, malformed("url", "the seal part must be unpadded base32 and end the URL")
	}
	if b32.DecodedLen(len(data)) > maxSealSize {
		return "", nil, malformed("url", "the seal is longer than a seal can be")
	}
	seal, err = b32.DecodeString(data)
	if err != nil {
		return "", nil, malformed("url", "the seal part is not base32")
	}
	// Base32 text whose last character carries non-zero unused bits
	// decodes to the same bytes as the canonical text; accept only that.
	if b32.EncodeToString(seal) != data {
		return "", nil, malformed("url", "the seal part is not in canonical base32")
	}
	return host, seal, nil
}
