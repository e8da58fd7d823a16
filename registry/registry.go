package registry

// This file holds the Registry type and its operations.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is a document's status in the registry.
type Status string

// Statuses. StatusUnknown is never stored: it is what a public lookup
// answers for a number it cannot confirm.
const (
	StatusIssued   Status = "ISSUED"
	StatusAnnulled Status = "ANNULLED"
	StatusUnknown  Status = "UNKNOWN"
)

// Event kinds in a document's history.
const (
	EventIssued   = "issued"
	EventAnnulled = "annulled"
)

// Limits on stored text, so a hostile caller cannot fill the database.
const (
	MaxNumberLen = 32
	maxText      = 256
	maxReason    = 1000
)

// Document is an issued document as the registry holds it.
type Document struct {
	Number     string    // the document number: 1-32 digits, as in the seal
	Type       uint16    // the document type code from the issuer's register
	Issuer     string    // the issuing agency's code, as in the seal
	HolderName string    // as printed; shown to the public only masked (MaskName)
	IssueDate  time.Time // its calendar date is stored
	PDFSHA256  [32]byte  // SHA-256 of the signed result PDF
	SealKeyID  string    // the id of the seal key (seal.KeyID.String())

	// Filled in by the registry.
	Status  Status
	Reason  string  // why it was annulled
	History []Event // oldest first
}

// Event is one entry of a document's history.
type Event struct {
	At     time.Time
	Kind   string // EventIssued or EventAnnulled
	Reason string
}

// Check is one entry of the audit log: a public check of a document.
type Check struct {
	At      time.Time // zero means now
	Kind    string    // what was checked: "upload", "lookup", "seal"
	Subject string    // what identifies it: a document number or a file digest
	Outcome string    // the answer given, e.g. "TOTAL_PASSED", "ISSUED", "UNKNOWN"
	// ClientHash is ClientHash(address), never the address itself.
	ClientHash string
}

// Options adjusts Open.
type Options struct {
	// ClientSalt, when set, replaces the salt generated and stored at first
	// open for hashing client addresses (e.g. from a secrets store shared by
	// several servers). At least 16 bytes.
	ClientSalt []byte
	// Now is the registry's clock; nil means time.Now.
	Now func() time.Time
}

// Registry is the register of issued documents and the audit log. Its
// methods are safe for concurrent use.
type Registry struct {
	db      *sql.DB
	d       dialect
	now     func() time.Time
	codeKey []byte
	salt    []byte
	audit   *auditWriter // commits RecordCheck's records in groups
}

const (
	secretCode   = "check_code_key"
	secretClient = "client_salt"
)

// Open opens the registry named by dsn ("sqlite:PATH" or a "postgres://"
// URL), creating or migrating its schema.
func Open(ctx context.Context, dsn string) (*Registry, error) {
	return OpenWith(ctx, dsn, nil)
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts *Options) (*Registry, error) {
	if opts != nil && opts.ClientSalt != nil && len(opts.ClientSalt) < 16 {
		return nil, invalid("ClientSalt", "must be at least 16 bytes")
	}
	d, driverDSN, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(d.driver, driverDSN)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s database: %w", d.name, err)
	}
	d.configure(db)
	r := &Registry{db: db, d: d, now: time.Now}
	if opts != nil && opts.Now != nil {
		r.now = opts.Now
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: cannot reach the %s database (check the DSN and that the server runs): %w", d.name, err)
	}
	if err := r.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if r.codeKey, err = r.secret(ctx, secretCode); err != nil {
		db.Close()
		return nil, err
	}
	if r.salt, err = r.secret(ctx, secretClient); err != nil {
		db.Close()
		return nil, err
	}
	if opts != nil && opts.ClientSalt != nil {
		r.salt = append([]byte(nil), opts.ClientSalt...)
	}
	r.startAuditWriter()
	return r, nil
}

func (r *Registry) secret(ctx context.Context, name string) ([]byte, error) {
	var v string
	if err := r.db.QueryRowContext(ctx, r.d.rebind(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&v); err != nil {
		return nil, fmt.Errorf("registry: read secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// Close commits the checks already handed to RecordCheck and closes the
// database; RecordCheck calls after it fail with ErrClosed.
func (r *Registry) Close() error {
	r.stopAuditWriter()
	return r.db.Close()
}

// Ping checks that the database answers, for health checks.
func (r *Registry) Ping(ctx context.Context) error { return r.db.PingContext(ctx) }

// ClientHash returns the salted hash of a client address that the audit log
// and rate limits use in place of the address.
func (r *Registry) ClientHash(addr string) string {
	m := hmac.New(sha256.New, r.salt)
	m.Write([]byte("client\x00" + addr))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// codeMAC keys the check code to the document number, so a code is worth
// nothing for any other number.
func (r *Registry) codeMAC(number, code string) []byte {
	m := hmac.New(sha256.New, r.codeKey)
	m.Write([]byte(number + "\x00" + normalizeCode(code)))
	return m.Sum(nil)
}

// codeAlphabet is Crockford's base32: no I, L, O, U, so a code read aloud
// or typed from paper is unambiguous.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLen is the length of a check code: 12 characters, 60 bits.
const CodeLen = 12

func newCode() string {
	var b [CodeLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:])
}

// normalizeCode accepts the code as people type it: any case, with spaces
// or dashes, and O/I/L for 0/1/1.
func normalizeCode(code string) string {
	r := strings.NewReplacer(" ", "", "-", "", "O", "0", "I", "1", "L", "1")
	return r.Replace(strings.ToUpper(code))
}

func validNumber(n string) bool {
	if len(n) == 0 || len(n) > MaxNumberLen {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func validText(field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return invalid(field, "is required")
	case len(s) > max:
		return invalid(field, fmt.Sprintf("is longer than %d bytes", max))
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return invalid(field, "is not valid UTF-8 text")
	}
	return nil
}

// Register adds an issued document and returns its check code, which the
// registry does not keep: print it on the document or hand it to the holder.
func (r *Registry) Register(ctx context.Context, doc Document) (code string, err error) {
	if !validNumber(doc.Number) {
		return "", invalid("Number", "must be 1-32 digits")
	}
	if err := validText("Issuer", doc.Issuer, maxText, true); err != nil {
		return "", err
	}
	if err := validText("HolderName", doc.HolderName, maxText, false); err != nil {
		return "", err
	}
	if err := validText("SealKeyID", doc.SealKeyID, maxText, false); err != nil {
		return "", err
	}
	if doc.IssueDate.IsZero() {
		return "", invalid("IssueDate", "is required")
	}
	code = newCode()
	now := r.now().UTC()
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, r.d.rebind(`SELECT COUNT(*) FROM documents WHERE number = ?`), doc.Number).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", ErrExists
	}
	if _, err := tx.ExecContext(ctx, r.d.rebind(`INSERT INTO documents
		(number, doc_type, issuer, holder_name, issue_date, pdf_sha256, seal_key_id, code_mac, status, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')`),
		doc.Number, int(doc.Type), doc.Issuer, doc.HolderName, doc.IssueDate.Format(time.DateOnly),
		hex.EncodeToString(doc.PDFSHA256[:]), doc.SealKeyID, hex.EncodeToString(r.codeMAC(doc.Number, code)), string(StatusIssued)); err != nil {
		if isUniqueViolation(err) {
			return "", ErrExists
		}
		return "", fmt.Errorf("registry: register: %w", err)
	}
	if err := addEvent(ctx, tx, r.d, doc.Number, now, EventIssued, ""); err != nil {
		return "", err
	}
	return code, tx.Commit()
}

func isUniqueViolation(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "duplicate key")
}

func addEvent(ctx context.Context, tx *sql.Tx, d dialect, number string, at time.Time, kind, reason string) error {
	_, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO events (number, at, kind, reason) VALUES (?, ?, ?, ?)`),
		number, at.UnixMicro(), kind, reason)
	return err
}

// Lookup returns the document with this number if code is its check code.
// An unknown number and a wrong code both give ErrNotFound, after the same
// work.
func (r *Registry) Lookup(ctx context.Context, number, code string) (*Document, error) {
	want := r.codeMAC(number, code)
	if !validNumber(number) {
		return nil, ErrNotFound
	}
	doc, mac, err := r.load(ctx, number)
	if errors.Is(err, ErrNotFound) {
		hmac.Equal(want, want) // the same comparison as for a known number
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(want, mac) {
		return nil, ErrNotFound
	}
	return doc, nil
}

// Show returns the document with this number, with its history, for the
// registry's operators and for seal checks (a seal already proves the
// number was issued).
func (r *Registry) Show(ctx context.Context, number string) (*Document, error) {
	if !validNumber(number) {
		return nil, ErrNotFound
	}
	doc, _, err := r.load(ctx, number)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, r.d.rebind(`SELECT at, kind, reason FROM events WHERE number = ? ORDER BY id`), number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var e Event
		if err := rows.Scan(&at, &e.Kind, &e.Reason); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		doc.History = append(doc.History, e)
	}
	return doc, rows.Err()
}

func (r *Registry) load(ctx context.Context, number string) (*Document, []byte, error) {
	var (
		doc                      Document
		typ                      int
		issued, digest, mac, sts string
	)
	err := r.db.QueryRowContext(ctx, r.d.rebind(`SELECT number, doc_type, issuer, holder_name, issue_date, pdf_sha256, seal_key_id, code_mac, status, reason
		FROM documents WHERE number = ?`), number).
		Scan(&doc.Number, &typ, &doc.Issuer, &doc.HolderName, &issued, &digest, &doc.SealKeyID, &mac, &sts, &doc.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("registry: read document: %w", err)
	}
	doc.Type = uint16(typ)
	doc.Status = Status(sts)
	if doc.IssueDate, err = time.Parse(time.DateOnly, issued); err != nil {
		return nil, nil, fmt.Errorf("registry: stored issue date: %w", err)
	}
	d, err := hex.DecodeString(digest)
	if err != nil || len(d) != 32 {
		return nil, nil, fmt.Errorf("registry: stored PDF digest is corrupt")
	}
	copy(doc.PDFSHA256[:], d)
	m, err := hex.DecodeString(mac)
	if err != nil {
		return nil, nil, fmt.Errorf("registry: stored check code is corrupt")
	}
	return &doc, m, nil
}

// Annul marks the document annulled for reason, which is kept in its
// history and shown to whoever checks it.
func (r *Registry) Annul(ctx context.Context, number, reason string) error {
	if !validNumber(number) {
		return ErrNotFound
	}
	if err := validText("reason", reason, maxReason, true); err != nil {
		return err
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, r.d.rebind(`UPDATE documents SET status = ?, reason = ? WHERE number = ? AND status = ?`),
		string(StatusAnnulled), reason, number, string(StatusIssued))
	if err != nil {
		return fmt.Errorf("registry: annul: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var sts string
		err := tx.QueryRowContext(ctx, r.d.rebind(`SELECT status FROM documents WHERE number = ?`), number).Scan(&sts)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return ErrAlreadyAnnulled
	}
	if err := addEvent(ctx, tx, r.d, number, r.now().UTC(), EventAnnulled, reason); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordCheck appends a check to the audit log and returns once it is
// committed, or with the error that kept it out. Concurrent calls share
// transactions (see audit.go), so a busy server pays one commit for many
// checks. ctx bounds the wait for the writer; once the record is handed
// over, the call waits for its commit.
func (r *Registry) RecordCheck(ctx context.Context, c Check) error {
	if c.At.IsZero() {
		c.At = r.now()
	}
	for _, f := range []struct{ name, v string }{{"Kind", c.Kind}, {"Subject", c.Subject}, {"Outcome", c.Outcome}, {"ClientHash", c.ClientHash}} {
		if err := validText(f.name, f.v, maxText, f.name != "Subject"); err != nil {
			return err
		}
	}
	return r.enqueue(ctx, c)
}

// MaxAudit is the most entries Audit returns in one call.
const MaxAudit = 10000

// Audit returns the checks made at or after since, oldest first, at most
// MaxAudit of them.
func (r *Registry) Audit(ctx context.Context, since time.Time) ([]Check, error) {
	rows, err := r.db.QueryContext(ctx, r.d.rebind(`SELECT at, kind, subject, outcome, client_hash FROM checks WHERE at >= ? ORDER BY id LIMIT ?`),
		since.UTC().UnixMicro(), MaxAudit)
	if err != nil {
		return nil, fmt.Errorf("registry: audit: %w", err)
	}
	defer rows.Close()
	var out []Check
	for rows.Next() {
		var at int64
		var c Check
		if err := rows.Scan(&at, &c.Kind, &c.Subject, &c.Outcome, &c.ClientHash); err != nil {
			return nil, err
		}
		c.At = time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
