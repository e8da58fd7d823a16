// This file tests the BER-to-DER normaliser.

package cms

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestToDER(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"already DER", "30 03 02 01 05", "30 03 02 01 05"},
		{"indefinite SEQUENCE", "30 80 02 01 05 00 00", "30 03 02 01 05"},
		{"nested indefinite", "30 80 30 80 05 00 00 00 00 00", "30 04 30 02 05 00"},
		{"non-minimal length", "30 81 03 02 01 05", "30 03 02 01 05"},
		{"length with leading zero", "04 82 00 01 aa", "04 01 aa"},
		{"constructed OCTET STRING", "24 80 04 02 61 62 04 01 63 00 00", "04 03 61 62 63"},
		{"constructed OCTET STRING definite", "24 07 04 02 61 62 04 01 63", "04 03 61 62 63"},
		{"nested constructed OCTET STRING", "24 80 24 80 04 01 61 00 00 04 01 62 00 00", "04 02 61 62"},
		{"empty constructed OCTET STRING", "24 80 00 00", "04 00"},
		{"constructed UTF8String", "2c 80 0c 01 41 0c 01 42 00 00", "0c 02 41 42"},
		{"constructed BIT STRING", "23 80 03 02 00 ff 03 02 04 f0 00 00", "03 03 04 ff f0"},
		{"[0] indefinite keeps tag", "a0 80 04 01 61 00 00", "a0 03 04 01 61"},
		{"[0] constructed string under implicit tag not merged", "a1 80 04 01 61 04 01 62 00 00", "a1 06 04 01 61 04 01 62"},
		{"openssl -stream eContent", "a0 80 24 80 04 03 61 62 63 00 00 00 00", "a0 05 04 03 61 62 63"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := unhex(c.in)
			n, err := toDER(in)
			require.NoError(t, err)
			assert.Equal(t, unhex(c.want), n.der)
			// Normalising DER is the identity and shares memory.
			again, err := toDER(n.der)
			require.NoError(t, err)
			assert.Equal(t, &n.der[0], &again.der[0])
		})
	}
}

func TestToDERRejects(t *testing.T) {
	deep := bytes.Repeat([]byte{0x30, 0x80}, maxDepth+2)
	deep = append(deep, bytes.Repeat([]byte{0, 0}, maxDepth+2)...)
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0x30}},
		{"truncated", unhex("30 05 02 01")},
		{"length beyond input", unhex("30 84 7f ff ff ff 00")},
		{"trailing data", unhex("30 00 00")},
		{"missing end-of-contents", unhex("30 80 02 01 05")},
		{"indefinite primitive", unhex("04 80 61 00 00")},
		{"end-of-contents at top level", unhex("00 00")},
		{"end-of-contents in definite", unhex("30 02 00 00")},
		{"high tag number", unhex("1f 81 00 00")},
		{"five length octets", unhex("04 85 00 00 00 00 01 61")},
		{"reserved length", unhex("04 ff")},
		{"child overruns parent", unhex("30 03 04 05 61 62 63 64 65")},
		{"wrong segment tag", unhex("24 80 0c 01 61 00 00")},
		{"BIT STRING segment with unused bits before last", unhex("23 80 03 02 04 f0 03 02 00 ff 00 00")},
		{"BIT STRING empty segment", unhex("23 80 03 00 00 00")},
		{"nested constructed BIT STRING", unhex("23 80 23 80 03 01 00 00 00 00 00")},
		{"too deep", deep},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := toDER(c.in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrMalformed), "%v", err)
		})
	}
}

func TestToDERKeepsOriginalSignedAttrs(t *testing.T) {
	// A [0] element with BER inside: the span maps the DER offset back to
	// the input bytes.
	in := unhex("30 80 02 01 01 a0 80 30 80 05 00 00 00 00 00 00 00")
	n, err := toDER(in)
	require.NoError(t, err)
	assert.Equal(t, unhex("30 09 02 01 01 a0 04 30 02 05 00"), n.der)
	assert.Equal(t, unhex("a0 80 30 80 05 00 00 00 00 00"), n.original(in, 5, 11))
	assert.Equal(t, n.der[2:5], n.original(in, 2, 5)) // not a recorded span
}

func TestTrimPadding(t *testing.T) {
	cases := []struct{ in, cms, padding string }{
		{"30 80 02 01 05 00 00 00 00 00", "30 80 02 01 05 00 00", "00 00 00"},
		{"30 03 02 01 05", "30 03 02 01 05", ""},
		{"30 03 02 01 05 00 01", "30 03 02 01 05", "00 01"},
	}
	for _, c := range cases {
		cms, padding, err := TrimPadding(unhex(c.in))
		require.NoError(t, err)
		assert.Equal(t, unhex(c.cms), cms)
		assert.Equal(t, unhex(c.padding), padding)
	}
	_, _, err := TrimPadding(unhex("00 00 00"))
	assert.ErrorIs(t, err, ErrMalformed)
	_, _, err = TrimPadding(unhex("30 05 02 01"))
	assert.ErrorIs(t, err, ErrMalformed)
}
