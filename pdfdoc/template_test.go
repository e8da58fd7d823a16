package pdfdoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minimalTemplate = `{"format":"tamga.template/1","document_type":"t","language":"ru",
	"title":"Справка","agency":{"name":"Агентство"},
	"fields":[{"key":"name","label":"ФИО"}],
	"signature":{"position":"Специалист","name":"{executor}"}}`

// edit replaces the first occurrence of old in s, failing loudly if the
// test's base document changes under it.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Contains(t, s, old)
	return strings.Replace(s, old, new, 1)
}

func TestParseTemplateErrors(t *testing.T) {
	_, err := ParseTemplate([]byte(minimalTemplate))
	require.NoError(t, err)

	tests := []struct {
		name      string
		old, new  string
		kind      error
		wantField string
	}{
		{"unknown top-level", `"language":"ru"`, `"language":"ru","colour":"red"`, ErrUnknownField, "colour"},
		{"unknown nested", `"name":"Агентство"`, `"name":"Агентство","fax":"1"`, ErrUnknownField, "agency.fax"},
		{"unknown in field", `"label":"ФИО"`, `"label":"ФИО","width":3`, ErrUnknownField, "fields[0].width"},
		{"unknown label language", `"label":"ФИО"`, `"label":{"ru":"ФИО","de":"Name"}`, ErrUnknownField, "fields[0].label.de"},
		{"label missing own language", `"label":"ФИО"`, `"label":{"ky":"Аты"}`, ErrMissingField, "fields[0].label.ru"},
		{"missing title", `"title":"Справка",`, ``, ErrMissingField, "title"},
		{"empty title", `"title":"Справка"`, `"title":"  "`, ErrMissingField, "title"},
		{"missing agency name", `"name":"Агентство"`, `"address":"x"`, ErrMissingField, "agency.name"},
		{"missing signature", `"signature":`, `"sig":`, ErrMissingField, "signature"},
		{"no fields", `[{"key":"name","label":"ФИО"}]`, `[]`, ErrMissingField, "fields"},
		{"wrong format", `tamga.template/1`, `tamga.template/2`, ErrInvalidValue, "format"},
		{"bad language", `"language":"ru"`, `"language":"de"`, ErrInvalidValue, "language"},
		{"bad key", `"key":"name"`, `"key":"Name"`, ErrInvalidValue, "fields[0].key"},
		{"reserved key", `"key":"name"`, `"key":"number"`, ErrInvalidValue, "fields[0].key"},
		{"duplicate field key", `{"key":"name","label":"ФИО"}`, `{"key":"name","label":"ФИО"},{"key":"name","label":"x"}`, ErrInvalidValue, "fields[1].key"},
		{"field not object", `{"key":"name","label":"ФИО"}`, `"name"`, ErrInvalidValue, "fields[0]"},
		{"title wrong type", `"title":"Справка"`, `"title":7`, ErrInvalidValue, "title"},
		{"stray brace", `"title":"Справка"`, `"title":"Справка {"`, ErrInvalidValue, "title"},
		{"closing brace", `"title":"Справка"`, `"title":"a } b"`, ErrInvalidValue, "title"},
		{"bad placeholder", `"title":"Справка"`, `"title":"{Имя}"`, ErrInvalidValue, "title"},
		{"control character", `"title":"Справка"`, `"title":"Спр\u0007авка"`, ErrInvalidValue, "title"},
		{"newline", `"title":"Справка"`, `"title":"Спр\navka"`, ErrInvalidValue, "title"},
		{"bidi override", `"title":"Справка"`, `"title":"Спр\u202eавка"`, ErrInvalidValue, "title"},
		{"glyph missing from font", `"title":"Справка"`, `"title":"Справка नमस्ते"`, ErrInvalidValue, "title"},
		{"CJK glyph missing", `"title":"Справка"`, `"title":"証明書"`, ErrInvalidValue, "title"},
		{"title too long", `"title":"Справка"`, `"title":"` + strings.Repeat("я", 301) + `"`, ErrInvalidValue, "title"},
		{"bad logo", `"name":"Агентство"`, `"name":"Агентство","logo":"bm90IGFuIGltYWdl"`, ErrInvalidValue, "agency.logo"},
		{"verify_url not https", `"language":"ru"`, `"language":"ru","verify_url":"http://x"`, ErrInvalidValue, "verify_url"},
		{"QR off page", `"language":"ru"`, `"language":"ru","barcodes":{"qr":{"x":190,"y":200,"size":30}}`, ErrInvalidValue, "barcodes.qr.x"},
		{"QR in upper half", `"language":"ru"`, `"language":"ru","barcodes":{"qr":{"x":20,"y":20,"size":30}}`, ErrInvalidValue, "barcodes.qr.y"},
		{"QR too small", `"language":"ru"`, `"language":"ru","barcodes":{"qr":{"x":20,"y":200,"size":10}}`, ErrInvalidValue, "barcodes.qr.size"},
		{"barcodes overlap", `"language":"ru"`, `"language":"ru","barcodes":{"qr":{"x":100,"y":240,"size":40}}`, ErrInvalidValue, "barcodes.code128"},
		{"barcode unknown member", `"language":"ru"`, `"language":"ru","barcodes":{"qr":{"x":20,"y":200,"size":30,"colour":1}}`, ErrUnknownField, "barcodes.qr.colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(edit(t, minimalTemplate, tc.old, tc.new)))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrTemplate)
			assert.ErrorIs(t, err, tc.kind)
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "%T %v", err, err)
			assert.Equal(t, tc.wantField, fe.Field, err.Error())
		})
	}
}

func TestParseTemplateNotJSON(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         ``,
		"array":         `[]`,
		"duplicate key": strings.Replace(minimalTemplate, `"language":"ru"`, `"language":"ru","language":"ky"`, 1),
		"invalid UTF-8": strings.Replace(minimalTemplate, `Справка`, "Спр\xffавка", 1),
		"trailing data": minimalTemplate + `{}`,
		"too large":     `{"title":"` + strings.Repeat("a", MaxTemplateSize) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(in))
			assert.ErrorIs(t, err, ErrTemplate)
			assert.ErrorIs(t, err, ErrInvalidValue)
		})
	}
}

const minimalData = `{"format":"tamga.data/1","document_type":"t","number":"0042","date":"2025-03-14",
	"values":{"name":"Иванов Иван","executor":"Ә. Ү."}}`

func TestParseDataErrors(t *testing.T) {
	_, err := ParseData([]byte(minimalData))
	require.NoError(t, err)
	tests := []struct {
		name      string
		old, new  string
		kind      error
		wantField string
	}{
		{"unknown member", `"date":"2025-03-14"`, `"date":"2025-03-14","extra":1`, ErrUnknownField, "extra"},
		{"missing number", `"number":"0042",`, ``, ErrMissingField, "number"},
		{"number not digits", `"number":"0042"`, `"number":"42-A"`, ErrInvalidValue, "number"},
		{"number too long", `"number":"0042"`, `"number":"` + strings.Repeat("1", 33) + `"`, ErrInvalidValue, "number"},
		{"bad date", `"2025-03-14"`, `"14.03.2025"`, ErrInvalidValue, "date"},
		{"impossible date", `"2025-03-14"`, `"2025-02-30"`, ErrInvalidValue, "date"},
		{"missing values", `,
	"values":{"name":"Иванов Иван","executor":"Ә. Ү."}`, ``, ErrMissingField, "values"},
		{"value not string", `"name":"Иванов Иван"`, `"name":5`, ErrInvalidValue, "values.name"},
		{"bad value key", `"name":"Иванов Иван"`, `"Name":"x"`, ErrInvalidValue, "values.Name"},
		{"reserved value key", `"name":"Иванов Иван"`, `"date":"x"`, ErrInvalidValue, "values.date"},
		{"value with tab", `"Иванов Иван"`, `"Иванов\tИван"`, ErrInvalidValue, "values.name"},
		{"wrong format", `tamga.data/1`, `tamga.template/1`, ErrInvalidValue, "format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseData([]byte(edit(t, minimalData, tc.old, tc.new)))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrData)
			assert.ErrorIs(t, err, tc.kind)
			var fe *FieldError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tc.wantField, fe.Field, err.Error())
		})
	}
}

func TestBindErrors(t *testing.T) {
	tm, err := ParseTemplate([]byte(minimalTemplate))
	require.NoError(t, err)
	tests := []struct {
		name      string
		old, new  string
		kind      error
		wantField string
	}{
		{"other document type", `"document_type":"t"`, `"document_type":"u"`, ErrInvalidValue, "document_type"},
		{"value not used by template", `"executor":"Ә. Ү."`, `"executor":"Ә. Ү.","pin":"1"`, ErrUnknownField, "values.pin"},
		{"required field missing", `"name":"Иванов Иван",`, ``, ErrMissingField, "values.name"},
		{"required field empty", `"name":"Иванов Иван"`, `"name":" "`, ErrMissingField, "values.name"},
		{"placeholder value missing", `,"executor":"Ә. Ү."`, ``, ErrMissingField, "values.executor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseData([]byte(edit(t, minimalData, tc.old, tc.new)))
			require.NoError(t, err)
			_, err = tm.bind(d)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrData)
			assert.ErrorIs(t, err, tc.kind)
			var fe *FieldError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tc.wantField, fe.Field, err.Error())
		})
	}
}

func TestBindOptionalAndPlaceholders(t *testing.T) {
	tm, err := ParseTemplate([]byte(edit(t, minimalTemplate, `{"key":"name","label":"ФИО"}`,
		`{"key":"name","label":"ФИО"},{"key":"note","label":"Примечание","optional":true}`)))
	require.NoError(t, err)
	d, err := ParseData([]byte(minimalData))
	require.NoError(t, err)
	f, err := tm.bind(d)
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"ФИО", "Иванов Иван"}}, f.rows, "optional field without a value is left out")
	assert.Equal(t, "Ә. Ү.", f.sigName)
	assert.Equal(t, "14.03.2025", f.date)
}

func TestCanonicalData(t *testing.T) {
	d, err := ParseData([]byte(minimalData))
	require.NoError(t, err)
	assert.Equal(t, `{"date":"2025-03-14","document_type":"t","format":"tamga.data/1","number":"0042","values":{"executor":"Ә. Ү.","name":"Иванов Иван"}}`, string(d.Canonical()))
}
