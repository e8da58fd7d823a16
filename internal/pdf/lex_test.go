// Tests of the object parser: values, spans, and the errors of bad syntax.

package pdf

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseOne(src string) (Object, error) {
	lim := DefaultLimits()
	p := &parser{buf: []byte(src), inFile: true, lim: &lim}
	return p.parseValue(0)
}

func TestParseValues(t *testing.T) {
	d := func(kv ...any) *Dict {
		x := NewDict()
		for i := 0; i < len(kv); i += 2 {
			x.Set(Name(kv[i].(string)), kv[i+1].(Object))
		}
		return x
	}
	tests := []struct {
		src  string
		want Object
	}{
		{"null", Null{}},
		{"true", Bool(true)},
		{"false", Bool(false)},
		{"123", Int(123)},
		{"-17", Int(-17)},
		{"+17", Int(17)},
		{"3.25", Real(3.25)},
		{"-.5", Real(-0.5)},
		{"4.", Real(4)},
		{"/Name", Name("Name")},
		{"/A#20B", Name("A B")},
		{"/", Name("")},
		{"(hello)", String{Value: []byte("hello")}},
		{"(a(b)c)", String{Value: []byte("a(b)c")}},
		{`(\(\)\\\n\r\t\b\f)`, String{Value: []byte("()\\\n\r\t\b\f")}},
		{`(\101\7\0123)`, String{Value: []byte("A\a\n3")}},
		{"(a\\\nb)", String{Value: []byte("ab")}},
		{"(a\r\nb)", String{Value: []byte("a\nb")}},
		{"(a\rb)", String{Value: []byte("a\nb")}},
		{`(\q)`, String{Value: []byte("q")}},
		{"<48 65 6c6C6f>", String{Value: []byte("Hello"), Hex: true}},
		{"<123>", String{Value: []byte{0x12, 0x30}, Hex: true}},
		{"<>", String{Value: []byte{}, Hex: true}},
		{"[1 2 0 R /X]", Array{Int(1), Ref{2, 0}, Name("X")}},
		{"[1 2]", Array{Int(1), Int(2)}},
		{"[1 2 R]", Array{Ref{1, 2}}},
		{"[]", Array{}},
		{"<< /A 1 /B [true] % comment\n /C << /D (x) >> >>", d("A", Int(1), "B", Array{Bool(true)}, "C", d("D", String{Value: []byte("x")}))},
		{"<</A/B/C 5 0 R>>", d("A", Name("B"), "C", Ref{5, 0})},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := parseOne(tt.src)
			require.NoError(t, err)
			assert.True(t, Equal(got, tt.want), "got %#v", got)
			if s, ok := got.(String); ok {
				assert.Equal(t, tt.src, string(s.Raw), "raw bytes kept")
				assert.Equal(t, tt.want.(String).Hex, s.Hex)
			}
		})
	}
}

func TestParseDictSpans(t *testing.T) {
	src := "<< /Type /Sig /Contents <0a0b0c> /ByteRange [0 10 20 30] /Name (x) >>"
	v, err := parseOne(src)
	require.NoError(t, err)
	d := v.(*Dict)
	for key, tok := range map[Name]string{"Type": "/Sig", "Contents": "<0a0b0c>", "ByteRange": "[0 10 20 30]", "Name": "(x)"} {
		e, ok := d.Entry(key)
		require.True(t, ok)
		assert.Equal(t, tok, src[e.Span.Start:e.Span.End], "span of /%s", key)
	}
	assert.Equal(t, []Name{"Type", "Contents", "ByteRange", "Name"}, keys(d), "order kept")
}

func keys(d *Dict) []Name {
	var ks []Name
	for _, e := range d.Entries() {
		ks = append(ks, e.Key)
	}
	return ks
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src   string
		want  error
		limit string
	}{
		{"", ErrMalformed, ""},
		{"(unterminated", ErrMalformed, ""},
		{"<12 zz>", ErrMalformed, ""},
		{"<< /A 1 /A 2 >>", ErrMalformed, ""},
		{"<< 1 2 >>", ErrMalformed, ""},
		{"<< /A >>", ErrMalformed, ""},
		{"<< /A 1 >", ErrMalformed, ""},
		{"[1 2", ErrMalformed, ""},
		{"]", ErrMalformed, ""},
		{"endobj", ErrMalformed, ""},
		{"1.2.3", ErrMalformed, ""},
		{"--5", ErrMalformed, ""},
		{"99999999999999999999", ErrMalformed, ""},
		{"/A#4", ErrMalformed, ""},
		{"/A#zz", ErrMalformed, ""},
		{"/A#00", ErrMalformed, ""},
		{"[1 70000 R]", ErrMalformed, ""},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), ErrLimit, "MaxDepth"},
		{strings.Repeat("<</A ", 100), ErrLimit, "MaxDepth"},
		{"/" + strings.Repeat("n", 2000), ErrLimit, "MaxNameLen"},
		{"[99999999 0 R]", ErrLimit, "MaxObjects"},
	}
	for _, tt := range tests {
		name := tt.src
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			_, err := parseOne(tt.src)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var e *Error
			require.True(t, errors.As(err, &e), "typed error, got %T", err)
			assert.Equal(t, tt.limit, e.Limit)
		})
	}
}

func TestParseStringLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxStringLen = 10
	for _, src := range []string{"(" + strings.Repeat("a", 20) + ")", "<" + strings.Repeat("ab", 20) + ">"} {
		p := &parser{buf: []byte(src), lim: &lim}
		_, err := p.parseValue(0)
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, "MaxStringLen", e.Limit)
	}
}

// A window that ends inside a token asks for more instead of guessing.
func TestParseNeedMore(t *testing.T) {
	lim := DefaultLimits()
	for _, src := range []string{"12", "1 0", "1 0 ", "(abc", "<< /A 1", "/Nam", "<", "tru"} {
		p := &parser{buf: []byte(src), more: true, lim: &lim}
		_, err := p.parseValue(0)
		assert.Equal(t, errNeedMore, err, "%q", src)
	}
}

func TestEqual(t *testing.T) {
	a := NewDict()
	a.Set("A", Int(1))
	a.Set("B", Null{})
	b := NewDict()
	b.Set("A", Real(1))
	assert.True(t, Equal(a, b), "null entry equals absent, 1 equals 1.0")
	assert.True(t, Equal(String{Value: []byte("x"), Hex: true}, String{Value: []byte("x")}))
	assert.False(t, Equal(Int(1<<53+1), Int(1<<53)))
	assert.False(t, Equal(Ref{1, 0}, Ref{1, 1}))
	assert.False(t, Equal(Name("A"), String{Value: []byte("A")}))
	assert.True(t, Equal(nil, Null{}))
	assert.False(t, Equal(Array{Int(1)}, Array{Int(1), Int(2)}))
}

// TestDecimalMatchesParseUint holds the xref reader's number parser to
// strconv.ParseUint, which it replaced.
func TestDecimalMatchesParseUint(t *testing.T) {
	for _, s := range []string{"", "0", "00000", "0000000017", "+1", "-1", "1_0", "0x1", "12a", " 1",
		"4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999"} {
		for _, bits := range []uint{32, 63} {
			want, err := strconv.ParseUint(s, 10, int(bits))
			got, ok := decimal([]byte(s), bits)
			assert.Equal(t, err == nil, ok, "%q/%d", s, bits)
			if err == nil {
				assert.Equal(t, want, got, "%q/%d", s, bits)
			}
		}
	}
}
