package pdfdoc

// A structural PDF/A-3b check over qpdf's JSON view of a file. There is no
// veraPDF on Debian, so this test checks, through an implementation
// independent of pdfcpu, the requirements of ISO 19005-3 that our output
// can get wrong. It is not a full validator: it does not check font
// program internals, glyph widths against the font, or XMP schema
// validity beyond the properties named here.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type qpdfDoc struct {
	t       testing.TB
	objects map[string]map[string]any
}

func loadQPDF(t testing.TB, path string) *qpdfDoc {
	out := run(t, "qpdf", "--json=2", "--json-stream-data=inline", "--decode-level=generalized", path)
	var top struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &top))
	require.Len(t, top.QPDF, 2)
	d := &qpdfDoc{t: t}
	require.NoError(t, json.Unmarshal(top.QPDF[1], &d.objects))
	return d
}

// resolve follows an indirect reference ("12 0 R") to the object's value or
// stream dictionary.
func (d *qpdfDoc) resolve(v any) any {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, " R") {
		return v
	}
	o, ok := d.objects["obj:"+s]
	require.True(d.t, ok, "dangling reference %s", s)
	if st, ok := o["stream"].(map[string]any); ok {
		return st["dict"]
	}
	return o["value"]
}

func (d *qpdfDoc) dict(v any) map[string]any {
	m, ok := d.resolve(v).(map[string]any)
	require.True(d.t, ok, "expected a dictionary, got %v", v)
	return m
}

func (d *qpdfDoc) streamData(ref any) []byte {
	o := d.objects["obj:"+ref.(string)]
	st := o["stream"].(map[string]any)
	b, err := base64.StdEncoding.DecodeString(st["data"].(string))
	require.NoError(d.t, err)
	return b
}

func (d *qpdfDoc) trailer() map[string]any {
	return d.objects["trailer"]["value"].(map[string]any)
}

// checkPDFA3 asserts the structural PDF/A-3b requirements.
func checkPDFA3(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	// 6.1.2: header and a binary comment of four bytes >= 128.
	require.Regexp(t, `^%PDF-1\.[0-7]\n%`, string(raw[:10]))
	for _, c := range raw[10:14] {
		require.GreaterOrEqual(t, c, byte(0x80), "binary comment")
	}
	require.Equal(t, byte('\n'), raw[14])
	// Classic cross-reference table, reached by startxref.
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(raw)
	require.NotNil(t, m)
	assert.True(t, strings.HasPrefix(string(raw[atoi(t, string(m[1])):]), "xref\n"))

	d := loadQPDF(t, path)
	tr := d.trailer()
	require.Len(t, tr["/ID"], 2, "6.1.3: trailer /ID")
	assert.NotContains(t, tr, "/Encrypt", "6.1.3: no encryption")

	cat := d.dict(tr["/Root"])
	// 6.6.2: XMP metadata, unfiltered, with the PDF/A identification.
	md := d.dict(cat["/Metadata"])
	assert.Equal(t, "/Metadata", md["/Type"])
	assert.Equal(t, "/XML", md["/Subtype"])
	assert.NotContains(t, md, "/Filter")
	x := string(d.streamData(cat["/Metadata"]))
	assert.Contains(t, x, "<pdfaid:part>3</pdfaid:part>")
	assert.Contains(t, x, "<pdfaid:conformance>B</pdfaid:conformance>")

	// 6.6.2.3.1: Info entries agree with their XMP equivalents.
	info := d.dict(tr["/Info"])
	xmpVal := func(tag string) string {
		m := regexp.MustCompile(`<` + tag + `>(.*?)</` + tag + `>`).FindStringSubmatch(x)
		require.NotNil(t, m, tag)
		return m[1]
	}
	for _, c := range []struct{ info, xmp string }{{"/CreationDate", "xmp:CreateDate"}, {"/ModDate", "xmp:ModifyDate"}} {
		it, ok := parsePDFDate(strings.TrimPrefix(info[c.info].(string), "u:"))
		require.True(t, ok, "Info %s = %v", c.info, info[c.info])
		xt, err := time.Parse(time.RFC3339, xmpVal(c.xmp))
		require.NoError(t, err)
		assert.True(t, it.Equal(xt), "%s %v vs %s %v", c.info, it, c.xmp, xt)
	}
	assert.Equal(t, "u:"+xmpVal("pdf:Producer"), info["/Producer"])
	assert.Equal(t, "u:"+xmpVal("xmp:CreatorTool"), info["/Creator"])
	title := regexp.MustCompile(`<rdf:li xml:lang="x-default">(.*?)</rdf:li>`).FindStringSubmatch(x)
	require.NotNil(t, title)
	assert.Equal(t, "u:"+title[1], info["/Title"])

	// 6.2.3: an output intent with an embedded ICC profile.
	ois := cat["/OutputIntents"].([]any)
	require.Len(t, ois, 1)
	oi := d.dict(ois[0])
	assert.Equal(t, "/GTS_PDFA1", oi["/S"])
	assert.Contains(t, oi, "/OutputConditionIdentifier")
	prof := d.dict(oi["/DestOutputProfile"])
	assert.EqualValues(t, 3, prof["/N"])
	icc := d.streamData(oi["/DestOutputProfile"])
	assert.Equal(t, "RGB ", string(icc[16:20]), "profile colour space")
	assert.LessOrEqual(t, icc[8], byte(4), "ICC version at most 4")

	// 6.8: embedded files are associated files with a MIME type.
	af := cat["/AF"].([]any)
	require.NotEmpty(t, af)
	for _, ref := range af {
		fs := d.dict(ref)
		assert.Equal(t, "/Filespec", fs["/Type"])
		assert.Contains(t, fs, "/F")
		assert.Contains(t, fs, "/UF")
		assert.Contains(t, []any{"/Data", "/Source", "/Alternative", "/Supplement", "/Unspecified"}, fs["/AFRelationship"])
		ef := d.dict(fs["/EF"])
		s := d.dict(ef["/F"])
		assert.Equal(t, "/EmbeddedFile", s["/Type"])
		assert.Regexp(t, `^/[a-z]+/[-+.a-z0-9]+$`, s["/Subtype"])
		assert.Contains(t, d.dict(s["/Params"]), "/ModDate")
	}

	for id, o := range d.objects {
		if id == "trailer" {
			continue
		}
		var dict map[string]any
		if st, ok := o["stream"].(map[string]any); ok {
			dict = st["dict"].(map[string]any)
			// 6.1.7: no external streams, no LZW.
			for _, k := range []string{"/F", "/FFilter", "/FDecodeParms"} {
				assert.NotContains(t, dict, k, id)
			}
			assert.NotContains(t, fmt.Sprint(dict["/Filter"]), "LZW", id)
			assert.NotEqual(t, "/XRef", dict["/Type"], "no cross-reference streams")
		} else if v, ok := o["value"].(map[string]any); ok {
			dict = v
		} else {
			continue
		}
		assert.NotContains(t, dict, "/JS", "6.6.1: no JavaScript in %s", id)
		switch dict["/Type"] {
		case "/Font":
			// 6.2.11.4: every font embedded; CIDFontType2 needs CIDToGIDMap.
			switch dict["/Subtype"] {
			case "/Type0":
				assert.Contains(t, dict, "/ToUnicode", id)
			case "/CIDFontType2":
				assert.Contains(t, dict, "/CIDToGIDMap", id)
				fd := d.dict(dict["/FontDescriptor"])
				assert.Contains(t, fd, "/FontFile2", id)
				assert.Regexp(t, `^/[A-Z]{6}\+`, fd["/FontName"], "subset tag")
			default:
				t.Errorf("%s: font subtype %v is not expected", id, dict["/Subtype"])
			}
		case "/Page":
			// 6.3: annotations, if any, must be printable; we add none.
			assert.NotContains(t, dict, "/Annots", id)
		}
		if dict["/Subtype"] == "/Image" {
			assert.NotEqual(t, true, dict["/Interpolate"], "6.2.8: no interpolation")
			assert.NotContains(t, dict, "/Alternates", id)
		}
	}
}

func atoi(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// parsePDFDate parses D:YYYYMMDDHHmmSS+HH'mm'.
func parsePDFDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	t, err := time.Parse("20060102150405-0700", s)
	return t, err == nil
}
