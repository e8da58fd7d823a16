package seal

// This file holds the holder's name: normalisation, and the packed 6-bit
// encoding that keeps a Cyrillic name from doubling in size.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameBytes is the longest normalised holder name (in UTF-8 bytes) a
// seal carries.
const MaxNameBytes = 120

// NormalizeName returns the name the way a seal carries it: Unicode NFC,
// upper case, runs of white space collapsed to one space, no leading or
// trailing space. A verifier compares the name printed on the document
// after the same normalisation.
func NormalizeName(s string) string {
	s = norm.NFC.String(s)
	s = strings.ToUpper(s)
	s = norm.NFC.String(s)
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// validName reports whether name is non-empty, valid UTF-8, printable
// (no control or format characters, which could hide text on screen) and
// normalised.
func validName(name string) bool {
	if name == "" || len(name) > MaxNameBytes || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsGraphic(r) {
			return false
		}
	}
	return NormalizeName(name) == name
}

// Name encodings (the first byte of the name field).
const (
	nameUTF8     = 0 // UTF-8, for any script
	nameCyrillic = 1 // 6 bits per letter: Kyrgyz, Russian, Kazakh and neighbours
	nameLatin    = 2 // 6 bits per letter: A-Z
)

// padSymbol fills the unused bits of the last byte of a packed name.
const padSymbol = 63

// Packed alphabets. Index = 6-bit code. Both start with the same four
// punctuation marks found in names.
var (
	cyrillicAlphabet = []rune(" -'." +
		"АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ" + // Russian
		"ҢӨҮ" + // Kyrgyz
		"ӘҒҚҰҺІ" + // Kazakh (Ң Ө Ү above)
		"ЎҲҶӢӮ" + // Uzbek and Tajik
		"ЄЇҐ") // Ukrainian (І above)
	latinAlphabet = []rune(" -'.ABCDEFGHIJKLMNOPQRSTUVWXYZ")

	cyrillicIndex = indexOf(cyrillicAlphabet)
	latinIndex    = indexOf(latinAlphabet)
)

func indexOf(a []rune) map[rune]byte {
	m := make(map[rune]byte, len(a))
	for i, r := range a {
		m[r] = byte(i)
	}
	return m
}

// encodeName picks the smallest encoding for a normalised name.
func encodeName(name string) []byte {
	for _, alpha := range []struct {
		code  byte
		index map[rune]byte
	}{{nameCyrillic, cyrillicIndex}, {nameLatin, latinIndex}} {
		if packed, ok := pack(name, alpha.index); ok {
			return append([]byte{alpha.code}, packed...)
		}
	}
	return append([]byte{nameUTF8}, name...)
}

// pack writes 6-bit codes big-endian, filling the last byte with ones.
func pack(name string, index map[rune]byte) ([]byte, bool) {
	var out []byte
	var acc uint32
	bits := 0
	for _, r := range name {
		c, ok := index[r]
		if !ok {
			return nil, false
		}
		acc = acc<<6 | uint32(c)
		bits += 6
		for bits >= 8 {
			out = append(out, byte(acc>>(bits-8)))
			bits -= 8
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(8-bits))|byte(0xff>>bits))
	}
	return out, true
}

// decodeName reads the name field. The result must re-encode to exactly the
// same bytes and be normalised, so every name has one encoding.
func decodeName(v []byte) (string, error) {
	if len(v) < 2 {
		return "", malformed("holder name", "empty")
	}
	var name string
	switch v[0] {
	case nameUTF8:
		name = string(v[1:])
	case nameCyrillic, nameLatin:
		alpha := cyrillicAlphabet
		if v[0] == nameLatin {
			alpha = latinAlphabet
		}
		var b strings.Builder
		var acc uint32
		bits := 0
		for _, x := range v[1:] {
			acc = acc<<8 | uint32(x)
			bits += 8
			for bits >= 6 {
				c := (acc >> (bits - 6)) & 63
				bits -= 6
				if c == padSymbol {
					continue // checked by re-encoding below
				}
				if int(c) >= len(alpha) {
					return "", malformed("holder name", "unassigned letter code")
				}
				b.WriteRune(alpha[c])
			}
			acc &= 1<<bits - 1
		}
		name = b.String()
	default:
		return "", malformed("holder name", "unknown name encoding")
	}
	if !validName(name) {
		return "", malformed("holder name", "not a normalised name of printable letters")
	}
	if string(encodeName(name)) != string(v) {
		return "", malformed("holder name", "not in canonical encoding")
	}
	return name, nil
}
