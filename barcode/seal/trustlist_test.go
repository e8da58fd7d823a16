package seal

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/canon"
)

func TestTrustListRoundTrip(t *testing.T) {
	for name, op := range signers(t) {
		t.Run(name, func(t *testing.T) {
			k1 := listed(t, "GRS", newECDSA(t).Public(), KeyActive)
			k2 := listed(t, "MVD", newEd25519(t).Public(), KeyRevoked)
			k2.Names = nil
			in := &TrustList{Sequence: 42, Issued: listFrom, NextUpdate: listUntil, Keys: []TrustedKey{k1, k2}}
			payload, sig, err := SignTrustList(context.Background(), in, op)
			require.NoError(t, err)
			assert.Len(t, sig, 64)
			c, err := canon.Transform(payload)
			require.NoError(t, err)
			assert.Equal(t, c, payload, "the payload is published in canonical form")
			assert.Contains(t, string(payload), `"format":"tamga-seal-trust-list/1"`)
			out, err := ParseTrustList(payload, sig, op.Public())
			require.NoError(t, err)
			assert.Equal(t, in, out)
		})
	}
}

func TestTrustListRejects(t *testing.T) {
	op := newEd25519(t)
	key := newECDSA(t)
	good := &TrustList{Sequence: 1, Issued: listFrom, NextUpdate: listUntil, Keys: []TrustedKey{listed(t, "GRS", key.Public(), KeyActive)}}
	payload, sig, err := SignTrustList(context.Background(), good, op)
	require.NoError(t, err)

	// Signature failures.
	_, err = ParseTrustList(payload, sig, newEd25519(t).Public())
	require.ErrorIs(t, err, ErrTrustListInvalid, "another operator")
	_, err = ParseTrustList(payload, sig, newECDSA(t).Public())
	require.ErrorIs(t, err, ErrTrustListInvalid, "another operator algorithm")
	_, err = ParseTrustList(payload, sig[:63], op.Public())
	require.ErrorIs(t, err, ErrTrustListInvalid)
	for i := 0; i < len(payload); i += 7 {
		p := bytes.Clone(payload)
		p[i] ^= 0x01
		_, err = ParseTrustList(p, sig, op.Public())
		require.ErrorIs(t, err, ErrTrustListInvalid, "byte %d changed", i)
	}
	_, err = ParseTrustList(payload, sig, "operator")
	require.ErrorIs(t, err, ErrUnsupportedKey)

	// Content failures in payloads the operator signed.
	edit := func(f func(m map[string]any, k map[string]any)) []byte {
		var c map[string]any
		require.NoError(t, json.Unmarshal(payload, &c))
		f(c, c["keys"].([]any)[0].(map[string]any))
		b, err := json.Marshal(c)
		require.NoError(t, err)
		b, err = canon.Transform(b)
		require.NoError(t, err)
		return b
	}
	tests := map[string][]byte{
		"not canonical":      append([]byte(" "), payload...),
		"not JSON":           []byte("{"),
		"duplicate member":   []byte(`{"format":"tamga-seal-trust-list/1","format":"x"}`),
		"unknown member":     edit(func(m, k map[string]any) { m["extra"] = 1 }),
		"upper-case member":  edit(func(m, k map[string]any) { m["Sequence"] = m["sequence"]; delete(m, "sequence") }),
		"both cases":         edit(func(m, k map[string]any) { m["Keys"] = []any{} }),
		"unknown key member": edit(func(m, k map[string]any) { k["certificate"] = "x" }),
		"format 2":           edit(func(m, k map[string]any) { m["format"] = "tamga-seal-trust-list/2" }),
		"bad issued":         edit(func(m, k map[string]any) { m["issued"] = "2025-05-01" }),
		"issued not UTC":     edit(func(m, k map[string]any) { m["issued"] = "2025-05-01T06:00:00+06:00" }),
		"next before issued": edit(func(m, k map[string]any) { m["nextUpdate"] = "2025-04-01T00:00:00Z" }),
		"kid mismatch":       edit(func(m, k map[string]any) { k["kid"] = "0000000000000000" }),
		"alg mismatch":       edit(func(m, k map[string]any) { k["alg"] = "Ed25519" }),
		"bad public key":     edit(func(m, k map[string]any) { k["publicKey"] = "AAAA" }),
		"public key not b64": edit(func(m, k map[string]any) { k["publicKey"] = "%%%" }),
		"lower-case issuer":  edit(func(m, k map[string]any) { k["issuer"] = "grs" }),
		"bad status":         edit(func(m, k map[string]any) { k["status"] = "suspended" }),
		"notAfter first":     edit(func(m, k map[string]any) { k["notAfter"] = "2024-01-01T00:00:00Z" }),
		"unknown language":   edit(func(m, k map[string]any) { k["names"].(map[string]any)["de"] = "Amt" }),
		"bidi in name":       edit(func(m, k map[string]any) { k["names"].(map[string]any)["en"] = "Service\u202e" }),
		"long name":          edit(func(m, k map[string]any) { k["names"].(map[string]any)["en"] = strings.Repeat("x", 257) }),
		"key listed twice":   edit(func(m, k map[string]any) { m["keys"] = []any{k, k} }),
		"sequence negative":  edit(func(m, k map[string]any) { m["sequence"] = -1 }),
		"keys not array":     edit(func(m, k map[string]any) { m["keys"] = map[string]any{} }),
		"trailing data":      append(bytes.Clone(payload), []byte(`{}`)...),
		"too large":          bytes.Repeat([]byte(" "), MaxTrustListSize+1),
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			sig, err := signRaw(context.Background(), op, Ed25519, listContext, p)
			require.NoError(t, err)
			tl, err := ParseTrustList(p, sig, op.Public())
			require.ErrorIs(t, err, ErrTrustListInvalid)
			assert.Nil(t, tl)
		})
	}
}

// TestDomainSeparation: a seal signature cannot pass as a trust list
// signature and the other way round, even with the same key and bytes.
func TestDomainSeparation(t *testing.T) {
	key := newEd25519(t)
	msg := []byte(`{"format":"tamga-seal-trust-list/1"}`)
	sig, err := signRaw(context.Background(), key, Ed25519, sealContext, msg)
	require.NoError(t, err)
	_, err = ParseTrustList(msg, sig, key.Public())
	require.ErrorIs(t, err, ErrTrustListInvalid)
	assert.False(t, verifyRaw(key.Public(), Ed25519, listContext, msg, sig))
}
