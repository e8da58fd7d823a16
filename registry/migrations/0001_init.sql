-- The registry of issued documents, its events, the audit log of checks
-- and the registry's secrets. {{SERIAL}} is the dialect's auto-increment
-- primary key. Times are Unix microseconds (UTC); digests are hex.
CREATE TABLE documents (
	number      TEXT PRIMARY KEY,
	doc_type    INTEGER NOT NULL,
	issuer      TEXT NOT NULL,
	holder_name TEXT NOT NULL,
	issue_date  TEXT NOT NULL,
	pdf_sha256  TEXT NOT NULL,
	seal_key_id TEXT NOT NULL,
	code_mac    TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('ISSUED', 'ANNULLED')),
	reason      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE events (
	id     {{SERIAL}},
	number TEXT NOT NULL REFERENCES documents (number),
	at     BIGINT NOT NULL,
	kind   TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_number ON events (number);
CREATE TABLE checks (
	id          {{SERIAL}},
	at          BIGINT NOT NULL,
	kind        TEXT NOT NULL,
	subject     TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	client_hash TEXT NOT NULL
);
CREATE INDEX checks_at ON checks (at);
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
