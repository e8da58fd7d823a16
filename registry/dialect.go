package registry

// This file holds the few differences between SQLite and PostgreSQL; the
// rest of the package is one database/sql code path.

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

type dialect struct {
	name   string // "sqlite" or "postgres"
	driver string
	// serial is the type of an auto-increment primary key column.
	serial string
	// lock serialises migrations between processes opening the same
	// database at once; it runs inside the migration transaction.
	lock string
}

var (
	sqlite   = dialect{name: "sqlite", driver: "sqlite", serial: "INTEGER PRIMARY KEY AUTOINCREMENT"}
	postgres = dialect{name: "postgres", driver: "pgx", serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		lock: "SELECT pg_advisory_xact_lock(7305446741)"}
)

// parseDSN picks the dialect and the driver's data source name.
func parseDSN(dsn string) (dialect, string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return dialect{}, "", ErrDSN
		}
		return postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#\x00") {
			return dialect{}, "", ErrDSN
		}
		// WAL lets readers run while a check is written; busy_timeout
		// makes a second process wait rather than fail; foreign keys are
		// off by default in SQLite.
		q := "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
		if path != ":memory:" {
			q += "&_pragma=journal_mode(WAL)"
		}
		return sqlite, "file:" + path + q, nil
	}
	return dialect{}, "", ErrDSN
}

// rebind turns the package's '?' placeholders into PostgreSQL's $n. The
// queries are the package's own constants and hold no '?' in literals.
func (d dialect) rebind(q string) string {
	if d.name != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// configure sets the pool for the dialect: an SQLite file takes one writer
// at a time, so one connection avoids SQLITE_BUSY between our own
// goroutines.
func (d dialect) configure(db *sql.DB) {
	if d.name == "sqlite" {
		db.SetMaxOpenConns(1)
	}
}

func (d dialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if d.lock == "" {
		return nil // SQLite: _txlock=immediate takes the write lock at BEGIN
	}
	_, err := tx.ExecContext(ctx, d.lock)
	return err
}
