// This file holds the conveniences for tests. They take a TB, the part of
// testing.TB they use, so that this package does not import "testing" and
// the tamga binary, which uses New for its demo, does not link it.

package testpki

// TB is the part of testing.TB that NewTest and NewTestServer use; a
// *testing.T or *testing.B satisfies it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewTest builds a PKI from cfg (or the zero Config if none is given) with
// ReuseKeys set, and fails the test if that fails.
func NewTest(t TB, cfg ...Config) *PKI {
	t.Helper()
	c := oneConfig(t, cfg)
	c.ReuseKeys = true
	p, err := New(c)
	if err != nil {
		t.Fatalf("testpki.NewTest: %v", err)
	}
	return p
}

// NewTestServer starts a Server whose PKI is built from cfg (or the zero
// Config) with ReuseKeys set, fails the test if that fails, and closes the
// server when the test ends.
func NewTestServer(t TB, cfg ...Config) *Server {
	t.Helper()
	c := oneConfig(t, cfg)
	c.ReuseKeys = true
	s, err := NewServer(c)
	if err != nil {
		t.Fatalf("testpki.NewTestServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func oneConfig(t TB, cfg []Config) Config {
	t.Helper()
	switch len(cfg) {
	case 0:
		return Config{}
	case 1:
		return cfg[0]
	}
	t.Fatalf("testpki: pass at most one Config, not %d", len(cfg))
	return Config{}
}
