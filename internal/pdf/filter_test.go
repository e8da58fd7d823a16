// Tests of the stream decoders, cross-checked against pdfcpu's encoders,
// and of the decoded-size limits.

package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	pdfcpufilter "github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decodeWith(t *testing.T, names []Name, parms []*Dict, raw []byte) ([]byte, error) {
	t.Helper()
	if parms == nil {
		parms = make([]*Dict, len(names))
	}
	r, err := decodeChain(bytes.NewReader(raw), names, parms, 0)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// sample returns compressible but irregular data.
func sample(n int) []byte {
	rng := rand.New(rand.NewSource(int64(n)))
	b := make([]byte, n)
	for i := range b {
		if i%7 < 3 {
			b[i] = byte(rng.Intn(256))
		} else {
			b[i] = byte(i / 13)
		}
	}
	return b
}

// Our decoders read what pdfcpu's encoders write: an independent
// implementation of each filter.
func TestDecodersAgainstPdfcpu(t *testing.T) {
	for _, name := range []string{"FlateDecode", "ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode"} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 127, 128, 129, 1000, 70000} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				in := sample(n)
				if name == "RunLengthDecode" && n > 0 {
					in = append(bytes.Repeat([]byte{'x'}, 300), in...)
				}
				f, err := pdfcpufilter.NewFilter(name, nil)
				require.NoError(t, err)
				enc, err := f.Encode(bytes.NewReader(in))
				require.NoError(t, err)
				raw, err := io.ReadAll(enc)
				require.NoError(t, err)
				got, err := decodeWith(t, []Name{Name(name)}, nil, raw)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(in, got), "round trip of %d bytes", len(in))
			})
		}
	}
}

func TestDecoderCases(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
		err  error
	}{
		{"AHx", "48 65\n6C6c6F>", "Hello", nil},
		{"AHx", "414>", "A@", nil},
		{"AHx", "4142", "AB", nil}, // missing '>' tolerated at end of data
		{"AHx", "41G2>", "", ErrMalformed},
		{"A85", "87cURD]i,\"Ebo80~>", "Hello World!", nil},
		{"A85", "z~>", "\x00\x00\x00\x00", nil},
		{"A85", "87cUR~>", "Hell", nil},
		{"A85", "8~>", "", ErrMalformed},
		{"A85", "s8W-\"~>", "", ErrMalformed}, // group above 2^32
		{"A85", "87c{~>", "", ErrMalformed},
		{"RL", "\x02abc\xfdx\x80", "abcxxxx", nil},
		{"RL", "\x05ab", "", ErrMalformed},
		{"RL", "\xfd", "", ErrMalformed},
		{"Fl", "not zlib", "", ErrMalformed},
		{"Fl", string(zlibBytes([]byte("hello"))[:6]), "", ErrMalformed},
		{"DCTDecode", "x", "", ErrUnsupported},
		{"LZWDecode", "x", "", ErrUnsupported},
		{"JBIG2Decode", "x", "", ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.raw, func(t *testing.T) {
			n := tt.name
			if full, ok := filterNames[Name(n)]; ok {
				n = string(full)
			}
			got, err := decodeWith(t, []Name{Name(n)}, nil, []byte(tt.raw))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				var e *Error
				require.True(t, errors.As(err, &e), "typed error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// pngEncode applies PNG predictor type typ to rows of width w.
func pngEncode(data []byte, w, bpp int, typ byte) []byte {
	var out []byte
	prev := make([]byte, w)
	for i := 0; i < len(data); i += w {
		row := data[i : i+w]
		out = append(out, typ)
		for j := range row {
			var a, b, c int
			if j >= bpp {
				a, c = int(row[j-bpp]), int(prev[j-bpp])
			}
			b = int(prev[j])
			var p int
			switch typ {
			case 1:
				p = a
			case 2:
				p = b
			case 3:
				p = (a + b) / 2
			case 4:
				p = int(paeth(a, b, c))
			}
			out = append(out, row[j]-byte(p))
		}
		copy(prev, row)
	}
	return out
}

func TestPredictors(t *testing.T) {
	data := sample(6 * 50)
	for typ := byte(0); typ <= 4; typ++ {
		t.Run(fmt.Sprintf("png%d", typ), func(t *testing.T) {
			p := NewDict()
			p.Set("Predictor", Int(12))
			p.Set("Columns", Int(2))
			p.Set("Colors", Int(3))
			raw := zlibBytes(pngEncode(data, 6, 3, typ))
			got, err := decodeWith(t, []Name{"FlateDecode"}, []*Dict{p}, raw)
			require.NoError(t, err)
			assert.Equal(t, data, got)
		})
	}
	t.Run("tiff", func(t *testing.T) {
		p := NewDict()
		p.Set("Predictor", Int(2))
		p.Set("Columns", Int(4))
		enc := []byte{1, 1, 1, 1, 5, 0, 0, 0}
		got, err := decodeWith(t, []Name{"FlateDecode"}, []*Dict{p}, zlibBytes(enc))
		require.NoError(t, err)
		assert.Equal(t, []byte{1, 2, 3, 4, 5, 5, 5, 5}, got)
	})
	t.Run("partial row", func(t *testing.T) {
		p := NewDict()
		p.Set("Predictor", Int(12))
		p.Set("Columns", Int(4))
		_, err := decodeWith(t, []Name{"FlateDecode"}, []*Dict{p}, zlibBytes([]byte{2, 1, 2}))
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("bad row type", func(t *testing.T) {
		p := NewDict()
		p.Set("Predictor", Int(12))
		p.Set("Columns", Int(1))
		_, err := decodeWith(t, []Name{"FlateDecode"}, []*Dict{p}, zlibBytes([]byte{9, 1}))
		assert.ErrorIs(t, err, ErrMalformed)
	})
	t.Run("bad parameters", func(t *testing.T) {
		p := NewDict()
		p.Set("Predictor", Int(12))
		p.Set("Columns", Int(0))
		_, err := decodeWith(t, []Name{"FlateDecode"}, []*Dict{p}, zlibBytes([]byte{0}))
		assert.ErrorIs(t, err, ErrMalformed)
	})
}

// A chain of filters decodes in order.
func TestFilterChain(t *testing.T) {
	inner := zlibBytes([]byte("chained data"))
	var hexed strings.Builder
	for _, c := range inner {
		fmt.Fprintf(&hexed, "%02x", c)
	}
	hexed.WriteString(">")
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		stream(3, "/Filter [/AHx /Fl] /DecodeParms [null null]", []byte(hexed.String())).
		table(4, "/Root 1 0 R").bytes()
	f := openBytes(t, data)
	ind, err := f.Object(Ref{3, 0})
	require.NoError(t, err)
	got, err := f.Decode(ind.Value.(*Stream))
	require.NoError(t, err)
	assert.Equal(t, "chained data", string(got))
}

// The decoded-size limits stop a stream as soon as it passes them.
func TestDecodeLimits(t *testing.T) {
	big := zlibBytes(make([]byte, 1<<20))
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		stream(3, "/Filter /FlateDecode", big).
		stream(4, "/Filter /FlateDecode", big).
		stream(5, "/Filter /FlateDecode", big).
		table(6, "/Root 1 0 R").bytes()
	open := func(l Limits) *File {
		f, err := Open(bytes.NewReader(data), int64(len(data)), &l)
		require.NoError(t, err)
		return f
	}
	stream := func(f *File, n uint32) *Stream {
		ind, err := f.Object(Ref{n, 0})
		require.NoError(t, err)
		return ind.Value.(*Stream)
	}
	f := open(Limits{MaxStreamSize: 1<<20 - 1})
	_, err := f.Decode(stream(f, 3))
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "MaxStreamSize", e.Limit)
	assert.ErrorIs(t, err, ErrLimit)

	f = open(Limits{MaxTotalDecoded: 2<<20 + 10})
	for _, n := range []uint32{3, 4} {
		_, err := f.Decode(stream(f, n))
		require.NoError(t, err)
	}
	_, err = f.Decode(stream(f, 5))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "MaxTotalDecoded", e.Limit)
}
