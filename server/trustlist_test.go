package server

// Tests of the seal trust list reload: a new list is served once its
// signature verifies; a bad or older list keeps the one in use and is
// logged; the watcher reloads on a signal and on a file change.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/barcode/seal"
)

// lockedBuffer is a log sink the watcher's goroutine and the test may use
// at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// signedList signs a trust list of sequence seq listing keys (all of
// issuer GRS, active) with the operator key op.
func signedList(t *testing.T, op *ecdsa.PrivateKey, seq uint64, keys ...*ecdsa.PrivateKey) (payload, sig []byte) {
	t.Helper()
	tl := &seal.TrustList{Sequence: seq, Issued: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour)}
	for _, k := range keys {
		kid, err := seal.KeyIDOf(&k.PublicKey)
		require.NoError(t, err)
		tl.Keys = append(tl.Keys, seal.TrustedKey{KeyID: kid, IssuerID: "GRS", Algorithm: seal.ECDSAP256, PublicKey: &k.PublicKey,
			NotBefore: today.AddDate(0, -1, 0), NotAfter: today.AddDate(1, 0, 0), Status: seal.KeyActive,
			Names: map[string]string{"en": "State Registration Service"}})
	}
	payload, sig, err := seal.SignTrustList(context.Background(), tl, op)
	require.NoError(t, err)
	return payload, sig
}

// fileLoader reads and checks the list in dir, as "tamga serve" does.
func fileLoader(dir string, op *ecdsa.PrivateKey) func() (*seal.TrustList, error) {
	return func() (*seal.TrustList, error) {
		payload, err := os.ReadFile(filepath.Join(dir, "list.json"))
		if err != nil {
			return nil, err
		}
		sig, err := os.ReadFile(filepath.Join(dir, "list.sig"))
		if err != nil {
			return nil, err
		}
		return seal.ParseTrustList(payload, sig, &op.PublicKey)
	}
}

func writeList(t *testing.T, dir string, payload, sig []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "list.json"), payload, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "list.sig"), sig, 0o644))
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func TestReloadSealTrustList(t *testing.T) {
	logs := &lockedBuffer{}
	f := newFixture(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	op := newKey(t)
	dir := t.TempDir()
	load := fileLoader(dir, op)
	const number = "20250417000777"
	f.register(t, number)
	sealPage := func() string {
		rec := f.do(httptest.NewRequest(http.MethodGet, f.sealPath(t, number)+"?lang=en", nil))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return rec.Body.String()
	}
	// The fixture's list, of another operator, holds the seal key.
	require.Contains(t, sealPage(), "registry lists the document as valid")

	// A list of sequence 2 without the seal key: the key is no longer
	// trusted, at once.
	other := newKey(t)
	p2, s2 := signedList(t, op, 2, other)
	writeList(t, dir, p2, s2)
	require.NoError(t, f.srv.ReloadSealTrustList(load))
	assert.Equal(t, uint64(2), f.srv.sealTrustList().Sequence)
	assert.Contains(t, sealPage(), "not in the trust list")

	for _, tc := range []struct {
		name    string
		payload []byte
		sig     []byte
		wantErr error
		logged  string
	}{
		{"signature of another list", p2[:len(p2)-1], s2, seal.ErrTrustListInvalid, "not reloaded"},
		{"truncated signature", p2, s2[:10], nil, "not reloaded"},
		{"not JSON", []byte("{"), s2, nil, "not reloaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeList(t, dir, tc.payload, tc.sig)
			err := f.srv.ReloadSealTrustList(load)
			require.Error(t, err)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			}
			assert.Equal(t, uint64(2), f.srv.sealTrustList().Sequence, "a bad list replaced the one in use")
			assert.Contains(t, logs.String(), tc.logged)
		})
	}

	t.Run("older list", func(t *testing.T) {
		p1, s1 := signedList(t, op, 1, f.sealKey)
		writeList(t, dir, p1, s1)
		err := f.srv.ReloadSealTrustList(load)
		require.ErrorIs(t, err, ErrSealTrustListOlder)
		assert.Equal(t, uint64(2), f.srv.sealTrustList().Sequence)
		assert.Contains(t, sealPage(), "not in the trust list")
	})
	t.Run("loader error", func(t *testing.T) {
		boom := errors.New("boom")
		require.ErrorIs(t, f.srv.ReloadSealTrustList(func() (*seal.TrustList, error) { return nil, boom }), boom)
		require.Error(t, f.srv.ReloadSealTrustList(func() (*seal.TrustList, error) { return nil, nil }))
		assert.Equal(t, uint64(2), f.srv.sealTrustList().Sequence)
	})
	t.Run("newer list brings the key back", func(t *testing.T) {
		p3, s3 := signedList(t, op, 3, other, f.sealKey)
		writeList(t, dir, p3, s3)
		require.NoError(t, f.srv.ReloadSealTrustList(load))
		assert.Contains(t, sealPage(), "registry lists the document as valid")
	})
	assert.NotContains(t, logs.String(), number, "a document number in the logs")
	assert.NotContains(t, logs.String(), "Асанова")
}

func TestWatchSealTrustList(t *testing.T) {
	logs := &lockedBuffer{}
	f := newFixture(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	op := newKey(t)
	dir := t.TempDir()
	p1, s1 := signedList(t, op, 10, f.sealKey)
	writeList(t, dir, p1, s1)
	load := fileLoader(dir, op)
	require.NoError(t, f.srv.ReloadSealTrustList(load))

	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		f.srv.WatchSealTrustList(ctx, load, []string{filepath.Join(dir, "list.json"), filepath.Join(dir, "list.sig")}, 10*time.Millisecond, hup)
		close(done)
	}()
	seq := func() uint64 { return f.srv.sealTrustList().Sequence }
	waitSeq := func(want uint64) {
		t.Helper()
		require.Eventually(t, func() bool { return seq() == want }, 5*time.Second, 5*time.Millisecond, "sequence %d, want %d", seq(), want)
	}

	// A changed file is picked up on the next look. The size differs, so
	// the change shows even where modification times are coarse.
	p2, s2 := signedList(t, op, 11, f.sealKey, newKey(t))
	writeList(t, dir, p2, s2)
	waitSeq(11)

	// A bad list is logged once and does not replace the one in use.
	writeList(t, dir, p2, s1)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "not reloaded") }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // ten more looks
	assert.Equal(t, 1, strings.Count(logs.String(), "not reloaded"), "a bad list is logged at every look")
	assert.Equal(t, uint64(11), seq())

	// SIGHUP reloads even when the files look unchanged: a list written
	// with the same size within the file system's time granularity.
	p3, s3 := signedList(t, op, 12, f.sealKey, newKey(t))
	writeList(t, dir, p3, s3)
	hup <- os.Interrupt
	waitSeq(12)

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher did not stop")
	}
}
