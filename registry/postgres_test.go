package registry

// This file lists the back ends the tests run against.

import (
	"path/filepath"
	"testing"

	"github.com/tamgasign/tamga/internal/pgtest"
)

// backends lists the back ends the tests run against: a fresh SQLite
// file, and a fresh database on a real PostgreSQL server (pgtest: skipped,
// or failed in CI, when PostgreSQL is missing).
var backends = []struct {
	name  string
	start func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "registry.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.Start(t) }},
}
