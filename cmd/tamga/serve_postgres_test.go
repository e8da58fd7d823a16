package main

// The done-when on PostgreSQL: "tamga demo --db postgres://..."
// issues and registers the sample document in a real PostgreSQL server and
// serves the verifier on it; uploading the document is green in Kyrgyz, one
// changed byte is red with the reason in Kyrgyz, and after "tamga registry
// annul --db postgres://..." the seal page says annulled.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/pgtest"
)

func TestDemoPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newCLI(strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }).run(ctx,
			[]string{"demo", "--dir", dir, "--addr", addr, "--db", dsn})
	}()
	base := "http://" + addr
	require.Eventually(t, func() bool {
		select {
		case code := <-done:
			t.Fatalf("the demo exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "the verifier did not come up\n%s", stdout.String())

	out := stdout.String()
	m := regexp.MustCompile(`the seal page:\s+(\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	sealURL := m[1]
	m = regexp.MustCompile(`No\. (\d+), check code`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	number := m[1]
	assert.NotContains(t, out, "sqlite:", "the demo used SQLite although --db named PostgreSQL")

	pdf, err := os.ReadFile(filepath.Join(dir, "residence.pdf"))
	require.NoError(t, err)
	// One byte inside the signed range: in the first content stream, which
	// the signature's digest covers.
	i := bytes.Index(pdf, []byte("stream\n"))
	require.Positive(t, i)
	tampered := bytes.Clone(pdf)
	tampered[i+len("stream\n")+16] ^= 0x01

	post := func(path string, file []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "residence.pdf")
		fw.Write(file)
		mw.Close()
		resp, err := http.Post(base+path, mw.FormDataContentType(), &body)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}

	t.Run("upload: green in Kyrgyz", func(t *testing.T) {
		status, page := post("/verify?lang=ky", pdf)
		require.Equal(t, http.StatusOK, status, page)
		assert.Contains(t, page, "ЖАРАКТУУ")
		assert.NotContains(t, page, "ЖАРАКСЫЗ")
		assert.Contains(t, page, "Кол коюлган маалымат өзгөрүлгөн эмес")
		status, body := post("/api/v1/verify", pdf)
		require.Equal(t, http.StatusOK, status, body)
		var report struct{ Indication string }
		require.NoError(t, json.Unmarshal([]byte(body), &report))
		assert.Equal(t, "TOTAL_PASSED", report.Indication)
	})
	t.Run("one byte changed: red, the reason in Kyrgyz", func(t *testing.T) {
		status, page := post("/verify?lang=ky", tampered)
		require.Equal(t, http.StatusOK, status, page)
		assert.Contains(t, page, "ЖАРАКСЫЗ")
		assert.Contains(t, page, "TOTAL_FAILED")
		assert.Contains(t, page, "Кол коюлган маалымат кол коюлгандан кийин өзгөртүлгөн")
		assert.NotContains(t, page, "was changed after signing")
	})
	t.Run("seal page: valid, then annulled", func(t *testing.T) {
		status, page := get(sealURL + "?lang=ky")
		require.Equal(t, http.StatusOK, status, page)
		assert.Contains(t, page, "ЖАРАКТУУ")
		code, _, errOut := runCLI(t, nil, "registry", "annul", "--db", dsn, "--reason", "берилген жаңылыштык менен", number)
		require.Equal(t, exitOK, code, errOut)
		status, page = get(sealURL + "?lang=ky")
		require.Equal(t, http.StatusOK, status, page)
		assert.Contains(t, page, "ЖОККО ЧЫГАРЫЛГАН")
		assert.Contains(t, page, "берилген жаңылыштык менен")
		assert.NotContains(t, page, "ЖАРАКТУУ")
	})

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop")
	}
	assert.NotContains(t, stderr.String(), number, "a document number in the logs")
}
