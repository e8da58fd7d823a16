// Package registry keeps the register of issued documents and the audit log
// of the public checks made against it.
//
// A result document is registered when it is issued: its number, type,
// issuing agency, holder name, issue date, the SHA-256 of the signed PDF, the
// id of the seal key that sealed it, and a check code. The check code is
// random, handed to the holder once (Register returns it) and stored only as
// an HMAC keyed with the registry's secret, so a copy of the database does
// not reveal the codes. A document is ISSUED or ANNULLED; every change is
// kept as an event.
//
// The audit log records each check: when, what kind, which document, the
// outcome and a salted hash of the client's address, never the address
// itself. RecordCheck returns only once its record is committed, but
// concurrent calls share one INSERT and one transaction (group commit, in
// audit.go), so a busy verifier does not pay a commit per check. The salt is generated at first open and kept in the database, so
// the same client hashes the same way across restarts (for rate limits and
// abuse analysis) but the hash cannot be reversed by trying the 2³² IPv4
// addresses without the database.
//
// One database/sql code path serves both back ends: embedded SQLite
// (modernc.org/sqlite, pure Go, so the binary needs no cgo) by default and
// PostgreSQL (pgx) for a portal's shared deployment. The dialect differences
// — placeholders, the auto-increment column and the migration lock — are in
// dialect.go. Migrations are embedded, versioned and applied by Open in one
// transaction each, so opening an up-to-date database changes nothing.
//
// Lookups by number and code do not tell an unknown number from a wrong
// code: both are ErrNotFound and both cost one HMAC, so the endpoint built on
// them cannot be used to enumerate issued numbers.
package registry
