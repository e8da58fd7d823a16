package verify

// TestMain runs the package's tests twice: as written, then with every
// Policy that has no Cache sharing one, so each test's expectations must
// hold with a cache warmed by the tests before it. Benchmarks run once,
// in the first pass, so that their figures mean what their code says.

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 {
		os.Exit(code)
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		os.Exit(code)
	}
	testCache = NewCache(1 << 12)
	fmt.Println("verify: second pass, with a shared Cache")
	code = m.Run()
	testCache = nil
	os.Exit(code)
}
