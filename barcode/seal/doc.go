// Package seal makes and verifies the signed seal printed in a result
// document's QR code, so that anyone can check the document offline: a bank
// clerk's or border officer's phone app needs only the QR code and a cached
// trust list.
//
// A seal is a compact binary record (about 150 bytes for a typical Kyrgyz
// document) of the issuer, key id, document type, number, dates, the
// holder's name, the SHA-256 of the document's full data in RFC 8785
// canonical JSON, and an ECDSA P-256 or Ed25519 signature over all of it.
// In the QR code it is a URL, HTTPS://HOST/S/BASE32, entirely in the QR
// alphanumeric character set, so a phone camera opens the online check page
// and a typical seal fits a QR version 12 at error correction level Q.
// SEAL.md in the parent directory gives the byte layout, the trust list
// format and the comparison with ICAO VDS, BSI TR-03171, 2D-Doc and the EU
// DCC, whose designs this one follows.
//
// Why a format of our own rather than one of those: VDS and 2D-Doc encode
// text in C40 for DataMatrix and their message catalogues are national;
// DCC's COSE/CBOR with base45 is about 370 bytes and needs QR version
// 15-18; VDS-NC embeds a certificate (1.8 kB). The seal here takes their
// ideas (raw r||s signatures, days-since-epoch dates, a key id looked up in
// a signed trust list, a digest of the full data instead of the data) and
// adds a 6-bit packing of Cyrillic names, which would otherwise take two
// bytes per letter.
//
// The parser is strict and bounded (at most 512 bytes, one canonical
// encoding per seal, nothing after the signature), so that a seal's bytes
// are unique: any change to any bit fails verification. Errors are the
// sentinel values in errors.go, tested with errors.Is.
package seal
