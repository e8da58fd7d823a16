// This file holds the time-stamp response (TimeStampResp, RFC 3161
// §2.4.2).

package tsp

import (
	"encoding/asn1"
	"math/big"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Reply is a TimeStampResp.
type Reply struct {
	Status     Status
	StatusText []string // PKIFreeText
	FailInfo   FailureInfo
	// Token is the DER of the TimeStampToken, or nil when absent (a TSA
	// sends none unless it grants the request).
	Token []byte
}

// Marshal returns the DER encoding of the reply.
func (r *Reply) Marshal() ([]byte, error) {
	status := [][]byte{encodeInt(big.NewInt(int64(r.Status)))}
	if len(r.StatusText) > 0 {
		var texts [][]byte
		for _, t := range r.StatusText {
			if !utf8.ValidString(t) {
				return nil, malformed("statusString", "not UTF-8")
			}
			texts = append(texts, tlv(0x0c, []byte(t)))
		}
		status = append(status, tlv(0x30, texts...))
	}
	if r.FailInfo != 0 {
		status = append(status, r.FailInfo.bitString())
	}
	parts := [][]byte{tlv(0x30, status...)}
	if r.Token != nil {
		parts = append(parts, r.Token)
	}
	return tlv(0x30, parts...), nil
}

// ParseReply parses a DER TimeStampResp. The token, if any, is returned
// raw; parse it with ParseToken.
func ParseReply(der []byte) (*Reply, error) {
	s := cryptobyte.String(der)
	var seq, status cryptobyte.String
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&status, casn1.SEQUENCE) {
		return nil, malformed("timeStampResp", "not a DER TimeStampResp")
	}
	r := &Reply{}
	var st int64
	if !status.ReadASN1Integer(&st) || st < 0 || st > 5 {
		return nil, malformed("timeStampResp.status", "bad PKIStatus")
	}
	r.Status = Status(st)
	if status.PeekASN1Tag(casn1.SEQUENCE) {
		var texts cryptobyte.String
		status.ReadASN1(&texts, casn1.SEQUENCE)
		for !texts.Empty() {
			var t cryptobyte.String
			if !texts.ReadASN1(&t, casn1.UTF8String) || !utf8.Valid(t) {
				return nil, malformed("timeStampResp.status.statusString", "not a UTF8String")
			}
			r.StatusText = append(r.StatusText, string(t))
		}
	}
	if status.PeekASN1Tag(casn1.BIT_STRING) {
		var bs asn1.BitString
		if !status.ReadASN1BitString(&bs) {
			return nil, malformed("timeStampResp.status.failInfo", "bad BIT STRING")
		}
		r.FailInfo = parseFailureInfo(bs)
	}
	if !status.Empty() {
		return nil, malformed("timeStampResp.status", "unexpected data")
	}
	if !seq.Empty() {
		var tok cryptobyte.String
		if !seq.ReadASN1Element(&tok, casn1.SEQUENCE) || !seq.Empty() {
			return nil, malformed("timeStampResp.timeStampToken", "not a ContentInfo SEQUENCE")
		}
		r.Token = tok
	}
	return r, nil
}
