package token

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func uintp(v uint) *uint { return &v }

func TestParseURI(t *testing.T) {
	tests := []struct {
		in   string
		want URI
	}{
		{"pkcs11:", URI{}},
		{"PKCS11:token=A", URI{Token: "A"}},
		{"pkcs11:?", URI{}},
		{
			"pkcs11:token=Executor;object=sign-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin",
			URI{Token: "Executor", Object: "sign-key", ModulePath: "/usr/lib/softhsm/libsofthsm2.so", PINSource: "file:/run/pin"},
		},
		// RFC 7512, section 3 examples.
		{
			"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
			URI{},
		},
		{
			"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
			URI{Token: "The Software PKCS#11 Softtoken", Manufacturer: "Snake Oil, Inc.", Model: "1.0", Object: "my-certificate", Type: "cert",
				ID: []byte{0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91}},
		},
		{
			"pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
			URI{Object: "my-sign-key", Type: "private", ModuleName: "mypkcs11"},
		},
		{
			"pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
			URI{Object: "my-sign-key", Type: "private", ModulePath: "/mnt/libmypkcs11.so.1"},
		},
		{
			"pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-source=file:/etc/token_pin",
			URI{Token: "Software PKCS#11 softtoken", Manufacturer: "Snake Oil, Inc.", PINSource: "file:/etc/token_pin"},
		},
		{
			"pkcs11:slot-description=Sun%20Metaslot;slot-manufacturer=Sun;slot-id=4294967295",
			URI{SlotDescription: "Sun Metaslot", SlotManufacturer: "Sun", SlotID: uintp(4294967295)},
		},
		{
			"pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token;library-version=1.23",
			URI{LibraryManufacturer: "Snake Oil, Inc.", LibraryDescription: "Soft Token", LibraryVersion: "1.23"},
		},
		{
			"pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ef%0F",
			URI{Token: "My token% created by Joe", LibraryVersion: "3", ID: []byte{1, 2, 3, 0xba, 0xdd, 0xef, 0x0f}},
		},
		{
			"pkcs11:token=A%2F1;object=a&b=c:[]@!$'()*+,",
			URI{Token: "A/1", Object: "a&b=c:[]@!$'()*+,"},
		},
		{
			"pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert",
			URI{Token: "Name with a small A with acute: á", Object: "my-certificate", Type: "cert"},
		},
		{"pkcs11:x-vendor=1;token=A?x-q=2&x-q=3", URI{Token: "A"}},
		{"pkcs11:?pin-source=file:///run/pin", URI{PINSource: "file:///run/pin"}},
		{"pkcs11:?pin-source=/run/pin", URI{PINSource: "/run/pin"}},
		{"pkcs11:?pin-source=file:demo/pin.txt", URI{PINSource: "file:demo/pin.txt"}},
		{"pkcs11:serial=0123;slot-id=0", URI{Serial: "0123", SlotID: uintp(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseURI(tt.in)
			if strings.HasSuffix(tt.in, "serial=") {
				require.ErrorIs(t, err, ErrBadReference, "an empty value is refused")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, *u)
			// String gives a URI that parses to the same.
			back, err := ParseURI(u.String())
			require.NoError(t, err, u.String())
			require.Equal(t, *u, *back)
		})
	}
}

func TestParseURIErrors(t *testing.T) {
	tests := []struct {
		in   string
		attr string
	}{
		{"", "scheme"},
		{"pkcs11", "scheme"},
		{"file:/x", "scheme"},
		{"pkcs11:token", "path"},
		{"pkcs11:=x", "path"},
		{"pkcs11:token=a;", "path"},
		{"pkcs11:token=a;;object=b", "path"},
		{"pkcs11:tok en=a", "path"},
		{"pkcs11:token=a b", "token"},
		{"pkcs11:token=a/b", "token"},
		{"pkcs11:token=a?b", ""}, // '?' starts the query: "b" lacks "="
		{"pkcs11:token=%", "token"},
		{"pkcs11:token=%4", "token"},
		{"pkcs11:token=%G0", "token"},
		{"pkcs11:token=a;token=b", "token"},
		{"pkcs11:token=", "token"},
		{"pkcs11:slot-id=-1", "slot-id"},
		{"pkcs11:slot-id=0x10", "slot-id"},
		{"pkcs11:slot-id=99999999999999999999999", "slot-id"},
		{"pkcs11:library-version=1.", "library-version"},
		{"pkcs11:library-version=a", "library-version"},
		{"pkcs11:type=key", "type"},
		{"pkcs11:objekt=a", "objekt"},
		{"pkcs11:?module-path=lib.so", "module-path"},
		{"pkcs11:?module-path=/a/b;c", "module-path"},
		{"pkcs11:?module-name=../lib", "module-name"},
		{"pkcs11:?pin-value=1234", "pin-value"},
		{"pkcs11:?pin-source=|/bin/echo", "pin-source"},
		{"pkcs11:?pin-source=pin.txt", "pin-source"},
		{"pkcs11:?pin-source=file:", "pin-source"},
		{"pkcs11:?pin-source=file://host/pin", "pin-source"},
		{"pkcs11:?module-path=/a&module-path=/b", "module-path"},
		{"pkcs11:?unknown=1", "unknown"},
		{"pkcs11:?a", "query"},
		{"pkcs11:" + strings.Repeat("a", maxURILen), ""},
		{"pkcs11:id=" + strings.Repeat("%EE", maxURIValues+1), ""},
		{"pkcs11:object=" + strings.Repeat("a", maxURIValues/2) + ";token=" + strings.Repeat("b", maxURIValues/2+1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 60)], func(t *testing.T) {
			_, err := ParseURI(tt.in)
			require.ErrorIs(t, err, ErrBadReference)
			var re *ReferenceError
			require.True(t, errors.As(err, &re))
			if tt.attr != "" {
				assert.Equal(t, tt.attr, re.Attr, err.Error())
			}
			assert.NotContains(t, err.Error(), "1234")
		})
	}
}

func TestURIString(t *testing.T) {
	u := URI{Token: "Ex ecutor;1", Object: "sign?key", ID: []byte{0x00, 0xff, 'a'}, Type: "private", SlotID: uintp(7),
		ModulePath: "/usr/lib/my lib.so", PINSource: "file:/run/pin&x"}
	s := u.String()
	assert.Equal(t, "pkcs11:token=Ex%20ecutor%3B1;slot-id=7;object=sign%3Fkey;id=%00%FF%61;type=private?module-path=/usr/lib/my%20lib.so&pin-source=file:/run/pin%26x", s)
	back, err := ParseURI(s)
	require.NoError(t, err)
	assert.Equal(t, u, *back)
}

func TestMatchesLibrary(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{"", true}, {"2", false}, {"2.6", true}, {"2.06", true}, {"2.7", false}, {"3.6", false},
	}
	for _, tt := range tests {
		u := URI{LibraryVersion: tt.version}
		assert.Equal(t, tt.want, u.matchesLibrary("SoftHSM", "Implementation of PKCS11", 2, 6), tt.version)
	}
	assert.True(t, (&URI{LibraryVersion: "2"}).matchesLibrary("", "", 2, 0), `"2" means 2.0`)
}

// FuzzParseURI checks that the parser never panics, that what it accepts
// prints to a URI that parses to the same value, and that an error never
// echoes a pin-value.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:",
		"pkcs11:token=Executor;object=sign-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin",
		"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
		"pkcs11:slot-description=Sun%20Metaslot;slot-manufacturer=Sun;slot-id=4294967295",
		"pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token;library-version=1.23",
		"pkcs11:x-vendor=1;token=A?x-q=2&x-q=3&module-name=softhsm2",
		"pkcs11:?pin-value=S3cret",
		"pkcs11:token=%",
		"pkcs11:id=%00%ff;type=private;serial=42",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if !errors.Is(err, ErrBadReference) {
				t.Fatalf("untyped error %v", err)
			}
			if strings.Contains(s, "pin-value=S3cret") && strings.Contains(err.Error(), "S3cret") {
				t.Fatalf("error echoes the pin-value: %v", err)
			}
			return
		}
		out := u.String()
		back, err := ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(%q) ok, but its String %q does not parse: %v", s, out, err)
		}
		if !reflect.DeepEqual(u, back) {
			t.Fatalf("round trip changed the URI:\n%q\n%q\n%#v\n%#v", s, out, u, back)
		}
		if back.String() != out {
			t.Fatalf("String is not stable: %q, %q", out, back.String())
		}
	})
}
