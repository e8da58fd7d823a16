package pdfdoc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIssueExamples issues the three example documents and checks each
// with real tools: qpdf --check, pdftotext, pdffonts, pdftoppm + zbarimg,
// pdfdetach and qpdf --show-attachment, plus the PDF/A structure check.
func TestIssueExamples(t *testing.T) {
	tests := []struct {
		name string
		want []string // text that must come back from pdftotext exactly
	}{
		{"residence-ky", []string{
			"МААЛЫМКАТ", "жашаган жери тууралуу", "Үсөнбаева Гүлнара Өмүрбековна",
			"Жаңы-Жер кичи району, Өрүк көчөсү", "Берилген күнү: 14.03.2025",
			"Квалификацияланган электрондук кол тамга менен кол коюлган", "Ж. Т. Эңсебеков",
		}},
		{"residence-ru", []string{
			"СПРАВКА", "о месте жительства", "Ёлкина Анастасия Эдуардовна",
			"Октябрьский район, ул. Байтик Баатыра, д. 98, кв. 31", "Дата выдачи: 14.03.2025",
			"Подписано квалифицированной электронной подписью", "Ә. Ү. Щербакова-Өмүрова",
		}},
		{"extract-kk", []string{
			"ҮЗІНДІ", "жылжымайтын мүлікке құқықтарды тіркеу тізілімінен", "Құрманғалиев Әділет Ұланұлы",
			"Іле көшесі, 5-үй, 17-пәтер", "Берілген күні: 30.01.2025", "Жеке меншік құқығы (толық)",
			"Ғ. Һ. Сәрсенбаева", "Білікті электрондық қолтаңбамен қол қойылған",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, d := issueExample(t, tc.name)
			path := writeTemp(t, tc.name+".pdf", out)
			if os.Getenv("PDFDOC_KEEP") != "" {
				os.WriteFile(filepath.Join(os.TempDir(), tc.name+".pdf"), out, 0o644)
			}

			qpdfCheck(t, path)
			checkPDFA3(t, path)

			txt := pdfText(t, path)
			for _, w := range tc.want {
				assert.Contains(t, txt, w)
			}
			assert.Contains(t, txt, d.Number())

			fonts := run(t, "pdffonts", path)
			for _, f := range []string{"DejaVuSans", "DejaVuSans-Bold"} {
				// name, type, encoding, emb, sub, uni
				assert.Regexp(t, `(?m)^[A-Z]{6}\+`+f+` +CID TrueType +Identity-H +yes yes yes `, fonts)
			}
			assert.NotRegexp(t, `(?m) no +(yes|no) +(yes|no) +\d+ +\d+$`, fonts, "every font embedded")

			found, _ := scan(t, path, 1)
			assert.Equal(t, []string{qrFor(d)}, found["QR-Code"])
			assert.Equal(t, []string{d.Number()}, found["CODE-128"])

			dir := t.TempDir()
			run(t, "pdfdetach", "-saveall", "-o", dir, path)
			got, err := os.ReadFile(filepath.Join(dir, "document.json"))
			require.NoError(t, err)
			assert.Equal(t, d.Canonical(), got)
			assert.Equal(t, string(d.Canonical()), run(t, "qpdf", "--show-attachment=document.json", path))

			att, err := ReadAttachment(context.Background(), out, "document.json")
			require.NoError(t, err)
			assert.Equal(t, d.Canonical(), att.Data)
			assert.Equal(t, "application/json", att.MIMEType)
			assert.Equal(t, "Data", att.Relationship)
			assert.True(t, att.ModTime.Equal(testTime))
		})
	}
}

// TestIssueAllLetters puts every Kyrgyz and Kazakh letter, lower and
// upper case, through layout, the subset font and pdftotext.
func TestIssueAllLetters(t *testing.T) {
	const letters = "ң ө ү ә ғ қ ұ һ і Ң Ө Ү Ә Ғ Қ Ұ Һ І Ё ё Щ щ Ъ ъ Ж ж Є"
	tm, err := ParseTemplate([]byte(`{"format":"tamga.template/1","document_type":"letters","language":"en",
		"title":"Letters {letters}","agency":{"name":"Test agency"},
		"fields":[{"key":"letters","label":"All letters"}],
		"paragraphs":["Paragraph: {letters}"],
		"signature":{"position":"Officer","name":"A. B."}}`))
	require.NoError(t, err)
	d, err := ParseData([]byte(`{"format":"tamga.data/1","document_type":"letters","number":"1234","date":"2025-01-02",
		"values":{"letters":"` + letters + `"}}`))
	require.NoError(t, err)
	out, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: "Ң Ө Ү: " + letters, Time: testTime})
	require.NoError(t, err)
	path := writeTemp(t, "letters.pdf", out)
	qpdfCheck(t, path)
	txt := pdfText(t, path)
	assert.Equal(t, 3, strings.Count(txt, letters), txt)
	// The title is both on the page and in the metadata.
	assert.Contains(t, run(t, "pdfinfo", "-enc", "UTF-8", path), "Letters "+letters)
	found, _ := scan(t, path, 1)
	assert.Equal(t, []string{"Ң Ө Ү: " + letters}, found["QR-Code"], "UTF-8 in byte mode")
}

func TestIssueDeterministic(t *testing.T) {
	a, _ := issueExample(t, "residence-ru")
	b, _ := issueExample(t, "residence-ru")
	assert.True(t, bytes.Equal(a, b), "same input and time must give the same bytes")
}

func TestIssueLogo(t *testing.T) {
	tb, err := os.ReadFile("../testdata/templates/residence-ru.template.json")
	require.NoError(t, err)
	withLogo := bytes.Replace(tb, []byte(`"address":`), []byte(`"logo": "`+testLogo(t)+`", "address":`), 1)
	tm, err := ParseTemplate(withLogo)
	require.NoError(t, err)
	_, d := readExample(t, "residence-ru")
	out, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: qrFor(d), Time: testTime})
	require.NoError(t, err)
	path := writeTemp(t, "logo.pdf", out)
	qpdfCheck(t, path)
	checkPDFA3(t, path)
	assert.Contains(t, run(t, "pdfimages", "-list", path), "image")
	found, _ := scan(t, path, 1)
	assert.Equal(t, []string{d.Number()}, found["CODE-128"])
}

func TestIssueCustomAttachment(t *testing.T) {
	tm, d := readExample(t, "extract-kk")
	att := &Attachment{Name: "seal-payload.bin", MIMEType: "application/octet-stream", Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 5000)}
	out, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: "X", Attachment: att, Time: testTime})
	require.NoError(t, err)
	got, err := ReadAttachment(context.Background(), out, "seal-payload.bin")
	require.NoError(t, err)
	assert.Equal(t, att.Data, got.Data)
	_, err = ReadAttachment(context.Background(), out, "document.json")
	assert.ErrorIs(t, err, ErrNoAttachment)
}

func TestIssueErrors(t *testing.T) {
	tm, d := readExample(t, "residence-ky")
	long := strings.Repeat("Өтө узун текст. ", 120)
	tb, err := os.ReadFile("../testdata/templates/residence-ky.template.json")
	require.NoError(t, err)
	crowded := regexp.MustCompile(`"paragraphs": \[`).ReplaceAll(tb, []byte(`"paragraphs": ["`+long+`", "`+long+`",`))
	tmCrowded, err := ParseTemplate(crowded)
	require.NoError(t, err)

	tests := []struct {
		name string
		tm   *Template
		opts *IssueOptions
		want error
	}{
		{"no QR text", tm, &IssueOptions{}, ErrOptions},
		{"QR text too long for the box", tm, &IssueOptions{QRText: strings.Repeat("ж", 1200)}, ErrOptions},
		{"does not fit", tmCrowded, &IssueOptions{QRText: "X"}, ErrLayout},
		{"bad attachment name", tm, &IssueOptions{QRText: "X", Attachment: &Attachment{Name: "a/b", MIMEType: "text/plain"}}, ErrOptions},
		{"bad MIME type", tm, &IssueOptions{QRText: "X", Attachment: &Attachment{Name: "a", MIMEType: "text"}}, ErrOptions},
		{"attachment too large", tm, &IssueOptions{QRText: "X", Attachment: &Attachment{Name: "a", MIMEType: "text/plain", Data: make([]byte, MaxAttachmentSize+1)}}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Issue(context.Background(), tc.tm, d, tc.opts)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Issue(ctx, tm, d, &IssueOptions{QRText: "X"})
	assert.True(t, errors.Is(err, context.Canceled))
}
