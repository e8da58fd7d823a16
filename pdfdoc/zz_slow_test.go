package pdfdoc

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

func TestZZSlow(t *testing.T) {
	tm, _ := ParseTemplate([]byte(minimalTemplate))
	d, _ := ParseData([]byte(minimalData))
	issued, _ := Issue(context.Background(), tm, d, &IssueOptions{QRText: "X", Time: time.Unix(0, 0)})
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		b := append([]byte(nil), issued...)
		for j := 0; j < 1+r.IntN(4); j++ {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		start := time.Now()
		done := make(chan struct{})
		go func() { ReadAttachment(context.Background(), b, "document.json"); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			os.WriteFile("/tmp/slow.pdf", b, 0o644)
			t.Fatalf("iteration %d hangs", i)
		}
		if el := time.Since(start); el > 200*time.Millisecond {
			t.Logf("iteration %d took %v", i, el)
		}
	}
}
