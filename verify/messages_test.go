package verify

// Tests of the message catalogue: every code in every language, with the
// same placeholders as its English text, and rendering of arguments.

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// catalogueLanguages are the languages every message must have: the
// verifier's pages are in these four.
var catalogueLanguages = []string{"en", "ky", "ru", "kk"}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// placeholders returns the {names} of a text, sorted, with repeats.
func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

func TestCatalogueComplete(t *testing.T) {
	codes := MessageCodes()
	require.NotEmpty(t, codes)
	for _, code := range codes {
		texts := catalogue[code]
		en := texts["en"]
		require.NotEmpty(t, en, "%s has no English text", code)
		for lang := range texts {
			assert.Contains(t, catalogueLanguages, lang, "%s has a text in %q, a language the pages do not offer", code, lang)
		}
		for _, lang := range catalogueLanguages[1:] {
			tr := texts[lang]
			if !assert.NotEmpty(t, tr, "%s has no %s text", code, lang) {
				continue
			}
			assert.Equal(t, placeholders(en), placeholders(tr), "%s/%s: placeholders differ from the English", code, lang)
			assert.NotEqual(t, en, tr, "%s/%s is the English text", code, lang)
			// A translation is in Cyrillic: at least one of its letters is,
			// so an English text pasted into a translation is caught.
			assert.True(t, strings.ContainsFunc(placeholderRE.ReplaceAllString(tr, ""), func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }),
				"%s/%s has no Cyrillic letter", code, lang)
			assert.Equal(t, strings.TrimSpace(tr), tr, "%s/%s has surrounding space", code, lang)
		}
		// Kyrgyz has no letter Kazakh lacks, but Kazakh has six Kyrgyz
		// lacks: a Kazakh text in the Kyrgyz slot shows them.
		if ky := texts["ky"]; ky != "" {
			assert.False(t, strings.ContainsAny(ky, "ӘәҒғҚқҰұҺһІі"), "%s/ky has Kazakh-only letters: %s", code, ky)
		}
	}
}

func TestLocalize(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  Message
		lang string
		want string
	}{
		{"kyrgyz with an English algorithm", newMessage(LevelError, "DIGEST_MISMATCH", "alg", "SHA-256"), "ky",
			"Кол коюлган маалымат кол коюлгандан кийин өзгөртүлгөн: анын SHA-256 хэши кол тамгага дал келбейт."},
		{"region subtag", newMessage(LevelInfo, "NO_SIGNATURE"), "ru-KG", "В файле нет подписи."},
		{"underscore and case", newMessage(LevelInfo, "NO_SIGNATURE"), "KK_kz", "Файлда қолтаңба жоқ."},
		{"unknown language falls back to English", newMessage(LevelInfo, "NO_SIGNATURE"), "de", "The file holds no signature."},
		{"empty language", newMessage(LevelInfo, "NO_SIGNATURE"), "", "The file holds no signature."},
		{"unknown code keeps its text", Message{Code: "NOT_A_CODE", Text: "as given"}, "ky", "as given"},
		// An English technical value stays as it is, and a value that
		// looks like a placeholder is not substituted again.
		{"English error in Kazakh", newMessage(LevelError, "MALFORMED_SIGNATURE", "error", "asn1: structure error {alg}"), "kk",
			"Қолтаңба бүлінген немесе дұрыс құрылмаған: asn1: structure error {alg}."},
		{"longer names first", newMessage(LevelError, "PDF_NOT_WHOLE_DOCUMENT", "revision", "1", "revisions", "3"), "ru",
			"Подпись охватывает редакцию 1 из 3; последующие редакции добавлены после подписания."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.msg.Localize(tc.lang))
		})
	}
	// English is what Text holds.
	m := newMessage(LevelError, "DIGEST_MISMATCH", "alg", "SHA-256")
	assert.Equal(t, m.Localize("en"), m.Text)
}

// TestLocalizeEveryCode renders every message in every language with its
// placeholders filled, and checks no placeholder is left over.
func TestLocalizeEveryCode(t *testing.T) {
	for _, code := range MessageCodes() {
		var args []string
		for _, p := range placeholders(catalogue[code]["en"]) {
			args = append(args, strings.Trim(p, "{}"), "X")
		}
		m := newMessage(LevelInfo, code, args...)
		for _, lang := range catalogueLanguages {
			out := m.Localize(lang)
			assert.Empty(t, placeholderRE.FindAllString(out, -1), "%s/%s: %s", code, lang, out)
		}
	}
}

// FuzzLocalize renders catalogue messages with arbitrary language tags and
// argument values: no panic, every placeholder filled, the value shown as
// given (not substituted again, even when it looks like a placeholder).
func FuzzLocalize(f *testing.F) {
	f.Add(0, "ky", "SHA-256")
	f.Add(1, "ru-KG", "{time}")
	f.Add(2, "KK_kz", "")
	f.Add(3, "-", "{{alg}}")
	f.Add(4, "en;q=0.5", "\x00")
	codes := MessageCodes()
	f.Fuzz(func(t *testing.T, i int, lang, value string) {
		code := codes[uint(i)%uint(len(codes))]
		names := placeholders(catalogue[code]["en"])
		var args []string
		for _, p := range names {
			args = append(args, strings.Trim(p, "{}"), value)
		}
		out := newMessage(LevelInfo, code, args...).Localize(lang)
		if len(names) > 0 && !strings.Contains(out, value) {
			t.Fatalf("%s/%q: %q lost the value %q", code, lang, out, value)
		}
		rest := strings.ReplaceAll(out, value, "")
		if value == "" {
			rest = out
		}
		if left := placeholderRE.FindAllString(rest, -1); len(left) > 0 {
			t.Fatalf("%s/%q: placeholders %v left in %q", code, lang, left, out)
		}
	})
}
