package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// writeSealTrust writes a signed seal trust list listing key, and the
// operator's public key, and returns their paths.
func writeSealTrust(t *testing.T, dir string, key *ecdsa.PrivateKey) (list, operator string) {
	t.Helper()
	op, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	kid, err := seal.KeyIDOf(&key.PublicKey)
	require.NoError(t, err)
	now := time.Now()
	payload, sig, err := seal.SignTrustList(context.Background(), &seal.TrustList{Sequence: 1, Issued: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Keys: []seal.TrustedKey{{KeyID: kid, IssuerID: "GRS", Algorithm: seal.ECDSAP256, PublicKey: &key.PublicKey,
			NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: now.AddDate(1, 0, 0), Status: seal.KeyActive, Names: map[string]string{"en": "State Registration Service"}}}}, op)
	require.NoError(t, err)
	list = filepath.Join(dir, "seal-trust-list.json")
	require.NoError(t, os.WriteFile(list, payload, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "seal-trust-list.sig"), sig, 0o644))
	der, err := x509.MarshalPKIXPublicKey(&op.PublicKey)
	require.NoError(t, err)
	operator = filepath.Join(dir, "operator.pem")
	require.NoError(t, os.WriteFile(operator, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
	return list, operator
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	p := testpki.NewTest(t)
	roots := filepath.Join(dir, "root.pem")
	require.NoError(t, os.WriteFile(roots, testpki.CertPEM(p.Root.Cert), 0o644))
	sealKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	list, operator := writeSealTrust(t, dir, sealKey)
	db := newRegistry(t)
	addr := freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- newCLI(strings.NewReader(""), io.Discard, &stderr, func(string) string { return "" }).run(ctx,
			[]string{"serve", "--addr", addr, "--db", db, "--trust", roots, "--seal-trust-list", list, "--seal-operator-key", operator, "--max-upload", "64KB"})
	}()
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)

	t.Run("verify", func(t *testing.T) {
		content := []byte("application")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "a.p7s")
		w.Write(signedCMS(t, p, content))
		w, _ = mw.CreateFormFile("content", "a.xml")
		w.Write(content)
		mw.Close()
		resp, err := http.Post(base+"/api/v1/verify", mw.FormDataContentType(), &body)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var r verify.Report
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		// B-B without revocation data, and no --online-host: not confirmed,
		// and nothing was fetched.
		assert.Equal(t, verify.Indeterminate, r.Indication)
		assert.Equal(t, verify.TryLater, r.SubIndication)
	})
	t.Run("upload limit", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "big.p7s")
		w.Write(bytes.Repeat([]byte{0x30}, 100<<10))
		mw.Close()
		resp, err := http.Post(base+"/api/v1/verify", mw.FormDataContentType(), &body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})
	t.Run("seal page", func(t *testing.T) {
		b, err := seal.Sign(context.Background(), &seal.Document{IssuerID: "GRS", DocType: 101, Number: "20250417000123",
			IssueDate: time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC), HolderName: "Асанова Айгүл Бакытбековна", Data: []byte(`{}`)}, sealKey)
		require.NoError(t, err)
		u, err := seal.EncodeURL(addr, b)
		require.NoError(t, err)
		resp, err := http.Get(base + u[strings.Index(u, "/S/"):] + "?lang=en")
		require.NoError(t, err)
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		// The registry's record has another seal key id than this test's
		// key: the page must not say valid.
		assert.Contains(t, string(page), "does not match the registry")
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	})

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
	logs := stderr.String()
	assert.Contains(t, logs, `"msg":"listening"`)
	assert.Contains(t, logs, `"msg":"shutting down"`)
	assert.NotContains(t, logs, "20250417000123")
	assert.Equal(t, 1, strings.Count(logs, "127.0.0.1"), "no client addresses in logs, only the listen line's own")
}

func TestServeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "--trust is required"},
		{[]string{"serve", "--trust", "x.pem", "--seal-trust-list", "l.json"}, "together"},
		{[]string{"serve", "--trust", "x.pem", "--max-upload", "lots"}, "--max-upload"},
		{[]string{"serve", "extra"}, "no arguments"},
		{[]string{"serve", "--trust", "x.pem", "--trusted-proxy", "lb"}, "--trusted-proxy"},
	} {
		code, _, stderr := runCLI(t, nil, tc.args...)
		assert.Equal(t, exitUsage, code, tc.args)
		assert.Contains(t, stderr, tc.want)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"20MB", 20 << 20}, {"512kb", 512 << 10}, {"1000", 1000}, {"3 MiB", 3 << 20}, {"", 0}, {"-1", 0}, {"0", 0}, {"9999999999999MB", 0}, {"MB", 0}} {
		got, err := parseSize(tc.in)
		if tc.want == 0 {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// signedCMS makes a detached CAdES-B-B signature over content with sign.CAdES.
func signedCMS(t *testing.T, p *testpki.PKI, content []byte) []byte {
	t.Helper()
	der, err := sign.CAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(content), nil)
	require.NoError(t, err)
	return der
}

// TestServeReloadsSealTrustList replaces the seal trust list under a
// running "tamga serve": a changed file is picked up at the next look, a
// list with a bad signature is logged and the list in use stays, and SIGHUP
// reloads at once.
func TestServeReloadsSealTrustList(t *testing.T) {
	dir := t.TempDir()
	p := testpki.NewTest(t)
	roots := filepath.Join(dir, "root.pem")
	require.NoError(t, os.WriteFile(roots, testpki.CertPEM(p.Root.Cert), 0o644))
	sealKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	op, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	list, sigFile := filepath.Join(dir, "seal-trust-list.json"), filepath.Join(dir, "seal-trust-list.sig")
	writeList := func(seq uint64, signer *ecdsa.PrivateKey, keys ...*ecdsa.PrivateKey) {
		t.Helper()
		now := time.Now()
		tl := &seal.TrustList{Sequence: seq, Issued: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)}
		for _, k := range keys {
			kid, err := seal.KeyIDOf(&k.PublicKey)
			require.NoError(t, err)
			tl.Keys = append(tl.Keys, seal.TrustedKey{KeyID: kid, IssuerID: "GRS", Algorithm: seal.ECDSAP256, PublicKey: &k.PublicKey,
				NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: now.AddDate(1, 0, 0), Status: seal.KeyActive})
		}
		payload, sig, err := seal.SignTrustList(context.Background(), tl, signer)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(list, payload, 0o644))
		require.NoError(t, os.WriteFile(sigFile, sig, 0o644))
	}
	der, err := x509.MarshalPKIXPublicKey(&op.PublicKey)
	require.NoError(t, err)
	operator := filepath.Join(dir, "operator.pem")
	require.NoError(t, os.WriteFile(operator, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
	writeList(1, op, otherKey) // the seal key is not listed yet

	db := newRegistry(t)
	b, err := seal.Sign(context.Background(), &seal.Document{IssuerID: "GRS", DocType: 101, Number: "20250417000999",
		IssueDate: time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC), HolderName: "Асанова Айгүл Бакытбековна", Data: []byte(`{}`)}, sealKey)
	require.NoError(t, err)
	// serve starts "tamga serve" with the given --seal-trust-list-check
	// and returns a probe of its seal page and its log.
	serve := func(t *testing.T, check string) (unknownKey func() bool, logs *syncBuffer) {
		t.Helper()
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		logs = &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- newCLI(strings.NewReader(""), io.Discard, logs, func(string) string { return "" }).run(ctx,
				[]string{"serve", "--addr", addr, "--db", db, "--trust", roots, "--seal-trust-list", list,
					"--seal-operator-key", operator, "--seal-trust-list-check", check})
		}()
		t.Cleanup(func() {
			cancel()
			select {
			case code := <-done:
				assert.Equal(t, exitOK, code, logs.String())
			case <-time.After(20 * time.Second):
				t.Error("serve did not stop on cancel")
			}
			assert.NotContains(t, logs.String(), "20250417000999")
			assert.NotContains(t, logs.String(), "Асанова")
		})
		base := "http://" + addr
		require.Eventually(t, func() bool {
			resp, err := http.Get(base + "/healthz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}, 10*time.Second, 20*time.Millisecond)
		u, err := seal.EncodeURL(addr, b)
		require.NoError(t, err)
		sealURL := base + u[strings.Index(u, "/S/"):] + "?lang=en"
		return func() bool {
			resp, err := http.Get(sealURL)
			require.NoError(t, err)
			defer resp.Body.Close()
			page, _ := io.ReadAll(resp.Body)
			return strings.Contains(string(page), "not in the trust list")
		}, logs
	}

	t.Run("file change", func(t *testing.T) {
		unknownKey, logs := serve(t, "20ms")
		require.True(t, unknownKey())
		// The operator publishes a list with the seal key.
		writeList(2, op, otherKey, sealKey)
		require.Eventually(t, func() bool { return !unknownKey() }, 10*time.Second, 20*time.Millisecond, "the changed list was not loaded")
		// A list signed by someone else is refused; the list in use stays.
		writeList(3, otherKey, otherKey)
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "seal trust list not reloaded") }, 10*time.Second, 20*time.Millisecond)
		assert.False(t, unknownKey(), "a list with a bad signature replaced the one in use")
	})
	t.Run("SIGHUP", func(t *testing.T) {
		// No looking at the files: only the signal reloads.
		writeList(4, op, otherKey, sealKey)
		unknownKey, logs := serve(t, "0")
		require.False(t, unknownKey())
		writeList(5, op, otherKey)
		time.Sleep(50 * time.Millisecond)
		require.False(t, unknownKey(), "reloaded without a signal")
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
		require.Eventually(t, unknownKey, 10*time.Second, 20*time.Millisecond, "SIGHUP did not reload the list")
		assert.Contains(t, logs.String(), `"sequence":5`)
	})
}
