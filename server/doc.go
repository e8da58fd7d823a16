// Package server is the public verifier of the State Portal: the HTTP
// service behind "tamga serve" that tells a bank clerk with a file, or a
// phone that scanned a result document's QR code, whether the document is
// authentic.
//
// It offers, as JSON for programs and as server-rendered pages for people
// (no JavaScript, readable on a phone, in Kyrgyz, Russian, Kazakh and
// English):
//
//   - POST /api/v1/verify and POST /verify: validate an uploaded CMS/CAdES
//     signature or a signed PDF (PAdES), told apart from the bytes (the JSON
//     is the report "tamga verify --json" prints);
//   - GET /api/v1/documents/{number}?code= and GET /lookup: the registry's
//     status of a document, given its number and check code;
//   - GET /s/{seal}: the page the QR code opens: the seal checked offline
//     against the seal trust list, and the document's registry status;
//   - GET /healthz.
//
// It is written for a hostile public network. Uploads are limited in size
// while they are read; verification runs on a fixed number of workers with
// a short queue, and a full queue answers 503 at once, so a flood of uploads
// cannot exhaust memory; lookups are rate-limited per client (keyed by the
// registry's salted client hash) and answer an unknown number exactly as a
// wrong code, so numbers cannot be enumerated; nothing an uploaded file
// names is fetched unless the operator allow-lists hosts; logs and the
// audit log hold no names, raw addresses or document numbers in clear.
//
// The seal trust list can be replaced while the server runs
// (ReloadSealTrustList, WatchSealTrustList: on SIGHUP or a changed file),
// but only by a list whose signature verifies and whose sequence is not
// lower than the one in use; a bad list leaves the old one serving.
//
// The pages use html/template and embedded files rather than a web
// framework: the standard library's ServeMux patterns, MaxBytesReader and
// slog cover what the service needs, and a smaller dependency tree is a
// smaller attack surface for a security product.
package server
