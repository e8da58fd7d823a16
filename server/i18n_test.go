package server

// Tests that the report page shows every verification message in the
// page's language, from the verify catalogue.

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/verify"
)

func TestReportPageLocalized(t *testing.T) {
	f := newFixture(t)
	changed := append([]byte{}, f.content...)
	changed[0] ^= 1
	for _, tc := range []struct {
		name    string
		content []byte
		verdict map[string]string
	}{
		{"valid", f.content, map[string]string{"ky": "ЖАРАКТУУ", "ru": "ДЕЙСТВИТЕЛЕН", "kk": "ЖАРАМДЫ"}},
		{"content changed", changed, map[string]string{"ky": "ЖАРАКСЫЗ", "ru": "НЕДЕЙСТВИТЕЛЕН", "kk": "ЖАРАМСЫЗ"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := [][2]string{{"file", string(f.detached)}, {"content", string(tc.content)}}
			rec := f.do(upload(t, "/api/v1/verify", parts...))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			var report verify.Report
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &report))
			msgs := append([]verify.Message{}, report.Messages...)
			for _, s := range report.Signatures {
				msgs = append(msgs, s.Messages...)
			}
			require.NotEmpty(t, msgs)
			for _, lang := range []string{"ky", "ru", "kk"} {
				rec := f.do(upload(t, "/verify?lang="+lang, parts...))
				require.Equal(t, http.StatusOK, rec.Code)
				page := html.UnescapeString(rec.Body.String())
				assert.Contains(t, page, tc.verdict[lang])
				for _, m := range msgs {
					// The arguments (times among them) differ between
					// the two runs: look for the text around them.
					for _, frag := range strings.Split(blankArgs(m).Localize(lang), "\x00") {
						assert.Contains(t, page, frag, "%s: %s not shown in %s", tc.name, m.Code, lang)
					}
					assert.NotContains(t, page, strings.Split(blankArgs(m).Text, "\x00")[0], "%s: %s shown in English on the %s page", tc.name, m.Code, lang)
				}
			}
		})
	}
}

// blankArgs is m with every argument a NUL, to split its texts at.
func blankArgs(m verify.Message) verify.Message {
	b := m
	b.Args = make(map[string]string, len(m.Args))
	for k := range m.Args {
		b.Args[k] = "\x00"
	}
	b.Text = b.Localize("en")
	return b
}
