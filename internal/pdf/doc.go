// Package pdf is a strict, bounded PDF reader and incremental-update
// writer: the foundation of tamga's PAdES signing and verification.
//
// # Why it is written here
//
// A PAdES verifier must know the file's revisions exactly: which bytes
// each revision added, which object numbers each redefined, and what each
// cross-reference section says. The published attacks on PDF signatures
// (incremental saving, signature wrapping, universal signature forgery,
// shadow, evil-annotation and sneaky-signature attacks) all live in the
// space between what a file says and what a lenient reader makes of it.
// Readers that repair damaged files — rebuilding a missing or wrong xref
// by scanning for "obj", searching for "endstream" when /Length is wrong,
// taking the last of two equal dictionary keys — hide exactly the
// manipulations a verifier must see. pdfcpu (in go.mod for pdfdoc) is such
// a reader: its model is one merged document (it does not keep revisions
// or the byte spans of values), it repairs xrefs and stream lengths, and
// its writer rewrites the whole file instead of appending an update. So
// this package reuses none of pdfcpu at run time; its tests use pdfcpu's
// filters to cross-check our decoders. The stream decoders are our own
// because they must stream under a shared byte budget and fail, never
// tolerate, on corrupt data.
//
// # What it does
//
// Open reads the header, scans the file once for "%%EOF" markers and
// "xref" keywords (in 1 MiB chunks; the file is never held in memory),
// follows startxref and /Prev through classic tables, xref streams and
// hybrid files, and builds the Revisions: for each, the byte range it
// added, its trailer and its xref entries. A linearized file's first-page
// and main sections form one revision. Structure that does not fit the
// chain — bytes after the last %%EOF, %%EOF markers or xref tables off the
// chain, a startxref that points elsewhere — becomes a Finding, never a
// silent repair. Objects are read on demand, as of any revision
// (ObjectAt), from the file or from object streams; dictionary entries
// carry the file Span of their values, so a verifier can check that
// /Contents is exactly the hole in /ByteRange. Pages, Fields, Signatures,
// Walk and Diff are the document-level views the verifier's change
// classification is built on.
//
// The Updater appends one incremental update: the original bytes copied
// unchanged, then new and changed objects, an xref table or stream (as the
// last revision had), and a trailer chained by /Prev. Placeholder values
// reserve /Contents and /ByteRange, and UpdateResult reports their offsets
// so a signer can patch them after hashing.
//
// # Strictness and limits
//
// Every input error is an *Error wrapping ErrMalformed, ErrLimit,
// ErrUnsupported, ErrEncrypted or ErrNotFound, with the byte offset. The
// reader rejects what lenient readers guess at: a wrong stream /Length, an
// xref entry that points at another object, duplicate dictionary keys, an
// object stream inside an object stream, a /Prev that loops. Limits bounds
// decompressed bytes (per stream and per File), nesting, object counts,
// string and name lengths, reference chains and revisions, so deflate
// bombs and reference loops end in ErrLimit or ErrMalformed in bounded
// time and memory. Encrypted files are refused with ErrEncrypted.
package pdf
