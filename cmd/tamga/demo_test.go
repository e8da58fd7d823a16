package main

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the demo writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDemoServes runs the README's first command as it runs for people:
// after the checks it serves the verifier, which answers the issued
// document green, until it is stopped.
func TestDemoServes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newCLI(strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }).run(ctx, []string{"demo", "--dir", dir, "--addr", addr})
	}()

	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the verifier did not come up\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	pdf, err := os.ReadFile(filepath.Join(dir, "residence.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "residence.pdf")
	fw.Write(pdf)
	mw.Close()
	resp, err := http.Post(base+"/api/v1/verify", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var report struct{ Indication string }
	err = json.NewDecoder(resp.Body).Decode(&report)
	resp.Body.Close()
	if err != nil || report.Indication != "TOTAL_PASSED" {
		t.Fatalf("verify API: %v %+v", err, report)
	}
	if !strings.Contains(stdout.String(), "The public verifier serves on "+base) {
		t.Errorf("the demo did not say where it serves:\n%s", stdout.String())
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("demo exit %d\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop")
	}
}
