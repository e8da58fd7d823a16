// This file holds the fuzz targets. Seeds in testdata/fuzz were written by
// TestWriteFuzzSeeds from our own and OpenSSL's queries, replies and tokens
// (no private keys are stored).

package tsp

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzParseToken(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		tok, err := ParseToken(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		tok.Verify(tok.Info.HashedMessage, nil)
	})
}

func FuzzParseQuery(f *testing.F) {
	q, _ := NewQuery(crypto.SHA256, make([]byte, 32))
	d, _ := q.Marshal()
	f.Add(d)
	f.Fuzz(func(t *testing.T, der []byte) {
		q, err := ParseQuery(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedAlgorithm) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		out, err := q.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		q2, err := ParseQuery(out)
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v", err)
		}
		if q2.HashAlgorithm != q.HashAlgorithm || !bytes.Equal(q2.HashedMessage, q.HashedMessage) ||
			q2.CertReq != q.CertReq || !sameNonce(q.Nonce, q2.Nonce) || !q2.Policy.Equal(q.Policy) {
			t.Fatal("round trip changed the query")
		}
	})
}

func FuzzParseReply(f *testing.F) {
	f.Add(reject(FailBadAlg, "x"))
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseReply(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if _, err := r.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzServerRespond feeds arbitrary queries to the server: it must always
// answer with a reply that parses, and a granted reply's token must verify.
func FuzzServerRespond(f *testing.F) {
	q, _ := NewQuery(crypto.SHA384, make([]byte, 48))
	d, _ := q.Marshal()
	f.Add(d)
	p := testCA(f)
	s, _, _ := newTestServer(f, p.ecKey, nil)
	f.Fuzz(func(t *testing.T, query []byte) {
		r, err := ParseReply(s.Respond(context.Background(), query))
		if err != nil {
			t.Fatalf("server reply does not parse: %v", err)
		}
		if r.Status != Granted {
			return
		}
		q, err := ParseQuery(query)
		if err != nil {
			t.Fatal("granted a query that does not parse")
		}
		tok, err := ParseToken(r.Token)
		if err != nil {
			t.Fatal(err)
		}
		if q.CertReq {
			if _, err := tok.Verify(q.HashedMessage, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestWriteFuzzSeeds regenerates the seed corpora when
// TAMGA_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TAMGA_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set TAMGA_WRITE_FUZZ_SEEDS=1 to regenerate the seed corpora")
	}
	write := func(target, name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644))
	}
	p := testCA(t)
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"rsa", p.rsaKey}, {"p256", p.ecKey}} {
		s, _, _ := newTestServer(t, k.key, nil)
		for _, certReq := range []bool{true, false} {
			q, _ := NewQuery(crypto.SHA256, sum(crypto.SHA256, []byte(k.name)))
			q.CertReq = certReq
			qd, _ := q.Marshal()
			reply := s.Respond(context.Background(), qd)
			r, err := ParseReply(reply)
			require.NoError(t, err)
			name := fmt.Sprintf("%s-certreq-%v", k.name, certReq)
			write("FuzzParseQuery", name, qd)
			write("FuzzServerRespond", name, qd)
			write("FuzzParseReply", name, reply)
			write("FuzzParseToken", name, r.Token)
		}
		dir := t.TempDir()
		cfg := opensslTSA(t, dir, k.key, "sha256", "sha256")
		qFile := filepath.Join(dir, "q.tsq")
		out, err := openssl(t, "ts", "-query", "-data", writeFile(t, dir, "d", []byte(k.name)), "-sha256", "-cert", "-out", qFile)
		require.NoError(t, err, "%s", out)
		rFile := filepath.Join(dir, "r.tsr")
		out, err = openssl(t, "ts", "-reply", "-config", cfg, "-queryfile", qFile, "-out", rFile)
		require.NoError(t, err, "%s", out)
		r, err := ParseReply(readFile(t, rFile))
		require.NoError(t, err)
		write("FuzzParseQuery", "openssl-"+k.name, readFile(t, qFile))
		write("FuzzParseReply", "openssl-"+k.name, readFile(t, rFile))
		write("FuzzParseToken", "openssl-"+k.name, r.Token)
	}
	write("FuzzParseReply", "rejection", reject(FailBadAlg|FailBadDataFormat, "no"))
}
