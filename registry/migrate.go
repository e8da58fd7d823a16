package registry

// This file holds the embedded, versioned schema migrations.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	sql     string
}

// migrations returns the embedded migrations in version order; a file is
// NNNN_name.sql.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("registry: migration %s has no version number", name)
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction with the schema_version row, and creates the registry's
// secrets on first use.
func (r *Registry) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	for _, m := range ms {
		if err := r.apply(ctx, m, latest); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) apply(ctx context.Context, m migration, latest int) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := r.d.lockMigrations(ctx, tx); err != nil {
		return fmt.Errorf("registry: lock for migration: %w", err)
	}
	// Created under the lock: two servers opening a new PostgreSQL database
	// at once would otherwise race on CREATE TABLE IF NOT EXISTS.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("registry: create schema_version: %w", err)
	}
	var current sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&current); err != nil {
		return err
	}
	if int(current.Int64) > latest {
		return ErrSchemaTooNew
	}
	if int(current.Int64) >= m.version {
		return nil
	}
	for _, stmt := range strings.Split(strings.ReplaceAll(stripComments(m.sql), "{{SERIAL}}", r.d.serial), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("registry: migration %d: %w", m.version, err)
		}
	}
	if m.version == 1 {
		for _, name := range []string{secretCode, secretClient} {
			if _, err := tx.ExecContext(ctx, r.d.rebind(`INSERT INTO secrets (name, value) VALUES (?, ?)`), name, newSecret()); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, r.d.rebind(`INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`), m.version, r.now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// stripComments drops the migration files' "--" comment lines, which may
// hold semicolons, before the file is split into statements.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
