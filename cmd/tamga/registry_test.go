package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/registry"
)

// newRegistry makes an SQLite registry holding one document and returns
// its --db value.
func newRegistry(t *testing.T) string {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "registry.db")
	r, err := registry.Open(context.Background(), dsn)
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Register(context.Background(), registry.Document{Number: "20250417000123", Type: 101, Issuer: "GRS",
		HolderName: "Асанова Айгүл Бакытбековна", IssueDate: time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC), SealKeyID: "0011223344556677"})
	require.NoError(t, err)
	require.NoError(t, r.RecordCheck(context.Background(), registry.Check{Kind: "lookup", Subject: "20250417000123", Outcome: "ISSUED", ClientHash: r.ClientHash("192.0.2.1")}))
	return dsn
}

func TestRegistryVerbs(t *testing.T) {
	db := newRegistry(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"show", []string{"registry", "show", "--db", db, "20250417000123"}, exitOK,
			[]string{"Document 20250417000123: ISSUED", "Асанова Айгүл Бакытбековна", "issued"}, ""},
		{"show unknown", []string{"registry", "show", "--db", db, "999"}, exitDataErr, nil, "no such document"},
		{"annul needs a reason", []string{"registry", "annul", "--db", db, "20250417000123"}, exitUsage, nil, "--reason is required"},
		{"annul", []string{"registry", "annul", "--db", db, "--reason", "issued in error", "20250417000123"}, exitOK,
			[]string{"ANNULLED"}, ""},
		{"annul again", []string{"registry", "annul", "--db", db, "--reason", "x", "20250417000123"}, exitDataErr, nil, "already annulled"},
		{"show annulled", []string{"registry", "show", "--db", db, "20250417000123"}, exitOK,
			[]string{"ANNULLED", "Reason:     issued in error", "annulled: issued in error"}, ""},
		{"audit", []string{"registry", "audit", "--db", db, "--since", "1h"}, exitOK, []string{"lookup", "20250417000123", "ISSUED"}, ""},
		{"audit bad since", []string{"registry", "audit", "--db", db, "--since", "yesterday"}, exitUsage, nil, "RFC 3339"},
		{"bad dsn", []string{"registry", "show", "--db", "mysql://x", "1"}, exitUsage, nil, "sqlite:PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			require.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", stdout, stderr)
			for _, w := range tc.stdout {
				assert.Contains(t, stdout, w)
			}
			assert.Contains(t, stderr, tc.stderr)
		})
	}
	t.Run("audit json hides addresses", func(t *testing.T) {
		code, stdout, _ := runCLI(t, nil, "registry", "audit", "--db", db, "--since", "2000-01-01T00:00:00Z", "--json")
		require.Equal(t, exitOK, code)
		var checks []map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &checks))
		require.Len(t, checks, 1)
		assert.NotContains(t, stdout, "192.0.2.1")
		assert.Len(t, checks[0]["clientHash"], 32)
	})
}
