package canon

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

// TestRFC8785Examples runs the examples of RFC 8785 section 3.2.
func TestRFC8785Examples(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			// Section 3.2.2: primitive data types.
			"3.2.2",
			`{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			// Section 3.2.3: sorting by UTF-16 code units. U+1F600 (a
			// surrogate pair, D83D DE00) sorts before U+FB33.
			"3.2.3",
			`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\U0001f600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Transform([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
	// Section 3.2.4 gives the UTF-8 bytes of the 3.2.2 result; the Go
	// string literal above is those bytes.
}

// TestRFC8785Numbers runs the number samples of RFC 8785 appendix B.
func TestRFC8785Numbers(t *testing.T) {
	tests := []struct{ bits, want string }{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"},
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	}
	for _, tc := range tests {
		t.Run(tc.bits, func(t *testing.T) {
			b, err := hex.DecodeString(tc.bits)
			require.NoError(t, err)
			f := math.Float64frombits(binary.BigEndian.Uint64(b))
			assert.Equal(t, tc.want, string(AppendNumber(nil, f)))
			// And through the parser, from Go's own spelling of f.
			got, err := Transform(fmt.Appendf(nil, "[%v]", f))
			require.NoError(t, err)
			assert.Equal(t, "["+tc.want+"]", string(got))
		})
	}
}

func TestTransformErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	tests := []struct {
		in   string
		want error
	}{
		{``, ErrSyntax},
		{` `, ErrSyntax},
		{`{`, ErrSyntax},
		{`{"a"}`, ErrSyntax},
		{`{"a":1,}`, ErrSyntax},
		{`[1,]`, ErrSyntax},
		{`[1 2]`, ErrSyntax},
		{`{"a":1}{}`, ErrSyntax},
		{`{'a':1}`, ErrSyntax},
		{`01`, ErrSyntax},
		{`1.`, ErrSyntax},
		{`.5`, ErrSyntax},
		{`1e`, ErrSyntax},
		{`+1`, ErrSyntax},
		{`-`, ErrSyntax},
		{`NaN`, ErrSyntax},
		{`Infinity`, ErrSyntax},
		{`tru`, ErrSyntax},
		{`nul`, ErrSyntax},
		{"\"a\x01\"", ErrSyntax},
		{"\"\xff\"", ErrSyntax},
		{"\"\xed\xa0\x80\"", ErrSyntax}, // UTF-8 encoded surrogate
		{`"\ud800"`, ErrSyntax},
		{`"\udc00\ud800"`, ErrSyntax},
		{`"\ud800\u0041"`, ErrSyntax},
		{`"\x41"`, ErrSyntax},
		{`"\u12"`, ErrSyntax},
		{`"\u12G4"`, ErrSyntax},
		{"\xef\xbb\xbf{}", ErrSyntax}, // byte order mark
		{"\v1", ErrSyntax},
		{`{"a":1,"a":2}`, ErrDuplicateKey},
		{`{"a":1,"\u0061":2}`, ErrDuplicateKey},
		{`{"x":{"b":[],"b":{}}}`, ErrDuplicateKey},
		{`1e400`, ErrNumberRange},
		{`-1e309`, ErrNumberRange},
		{deep, ErrTooDeep},
		{strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), ErrTooDeep},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			out, err := Transform([]byte(tc.in))
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, out)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.GreaterOrEqual(t, e.Offset, 0)
			assert.LessOrEqual(t, e.Offset, len(tc.in))
		})
	}
}

func TestTransformAccepts(t *testing.T) {
	tests := []struct{ in, want string }{
		{`1e-400`, `0`}, // underflow is zero, as in ECMAScript
		{`-0`, `0`},
		{`-0.0e5`, `0`},
		{`100`, `100`},
		{`1E2`, `100`},
		{`123456789012345678901234567890`, `1.2345678901234568e+29`},
		{`0.1`, `0.1`},
		{` [ ] `, `[]`},
		{`{}`, `{}`},
		{`"\u0000\u001f\u007f\u2028"`, "\"\\u0000\\u001f\u007f\u2028\""},
		{`"\/"`, `"/"`},
		{`{"b":{"d":1,"c":2},"a":[{"z":0,"y":null}]}`, `{"a":[{"y":null,"z":0}],"b":{"c":2,"d":1}}`},
		{strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)},
		{`{"Асанова":"Айгүл"}`, `{"Асанова":"Айгүл"}`},
	}
	for _, tc := range tests {
		got, err := Transform([]byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(got), tc.in)
	}
}

// randomJSON builds a random JSON text with unusual keys, strings and
// numbers, written with random whitespace and escapes.
func randomJSON(r *rand.Rand, depth int) string {
	switch k := r.IntN(10); {
	case depth > 4 || k < 3:
		return randomNumber(r)
	case k < 5:
		return randomString(r)
	case k < 6:
		return []string{"true", "false", "null"}[r.IntN(3)]
	case k < 8:
		var parts []string
		for range r.IntN(5) {
			parts = append(parts, randomJSON(r, depth+1))
		}
		return "[ " + strings.Join(parts, " ,\n") + "]"
	default:
		seen := map[string]bool{}
		var parts []string
		for range r.IntN(6) {
			k := randomString(r)
			var v string
			if err := json.Unmarshal([]byte(k), &v); err != nil || seen[v] {
				continue
			}
			seen[v] = true
			parts = append(parts, k+"\t:"+randomJSON(r, depth+1))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
}

func randomNumber(r *rand.Rand) string {
	switch r.IntN(5) {
	case 0:
		return fmt.Sprint(r.IntN(2000) - 1000)
	case 1:
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "1"
		}
		return fmt.Sprintf("%g", f)
	case 2:
		return fmt.Sprintf("%.*e", r.IntN(20), (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(60)-30)))
	case 3:
		return fmt.Sprintf("%.17f", r.Float64()*1e6)
	default:
		return fmt.Sprintf("%dE%d", r.IntN(1000), r.IntN(40)-20)
	}
}

func randomString(r *rand.Rand) string {
	pool := []rune{'a', 'B', '"', '\\', '/', '\n', 0x01, 0x1f, 0x7f, 0x80, 'ö', 'Ү', '€', 0xfb33, 0x1f600, 0x10ffff, 0xe000, 0xffff, ' '}
	var b strings.Builder
	b.WriteByte('"')
	for range r.IntN(6) {
		c := pool[r.IntN(len(pool))]
		switch {
		case c < 0x20 || c == '"' || c == '\\' || r.IntN(4) == 0:
			if c > 0xffff {
				hi, lo := (c-0x10000)>>10+0xd800, (c-0x10000)&0x3ff+0xdc00
				fmt.Fprintf(&b, "\\u%04x\\u%04X", hi, lo)
			} else {
				fmt.Fprintf(&b, "\\u%04x", c)
			}
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// canonJS is JCS written in JavaScript: JSON.stringify is the ECMAScript
// serialisation RFC 8785 builds on, and Array.prototype.sort compares
// UTF-16 code units.
const canonJS = `
const canon = v => v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? '[' + v.map(canon).join(',') + ']'
  : '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(l => l !== '');
process.stdout.write(lines.map(l => canon(JSON.parse(l))).join('\n') + '\n');
`

// TestAgainstNode compares Transform with JSON.stringify in Node.js (V8)
// on random documents.
func TestAgainstNode(t *testing.T) {
	node := testtool.Require(t, "node")
	r := rand.New(rand.NewPCG(1, 2))
	var docs []string
	for range 2000 {
		// One document per line: newlines inside are whitespace only.
		docs = append(docs, strings.ReplaceAll(randomJSON(r, 0), "\n", " "))
	}
	cmd := exec.Command(node, "-e", canonJS)
	cmd.Stdin = strings.NewReader(strings.Join(docs, "\n") + "\n")
	out, err := cmd.Output()
	require.NoError(t, err)
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, want, len(docs))
	for i, d := range docs {
		got, err := Transform([]byte(d))
		require.NoError(t, err, d)
		require.Equal(t, want[i], string(got), "input %s", d)
	}
}

func FuzzTransform(f *testing.F) {
	for _, s := range []string{
		`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}`,
		`{"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}`,
		`[null,true,false,"\u0000",-0,1e-7,1e21]`,
		`{"a":{"b":[1,2,{"c":"d"}]}}`,
		`"\ud800"`,
		`{"a":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Transform(in)
		if err != nil {
			var e *Error
			if !errorsAs(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// The output is JSON, canonical (a fixed point), and the same
		// data as the input.
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
		again, err := Transform(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: %q -> %q (%v)", out, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil {
			if err := json.Unmarshal(out, &b); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("data changed: %q -> %q", in, out)
			}
		}
	})
}

func errorsAs(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok && x.Err != nil
}
