// Package barcode draws and reads the barcodes printed on tamga's result
// documents: a QR code carrying the signed seal (see package
// github.com/tamgasign/tamga/barcode/seal and SEAL.md), a Code 128 symbol
// carrying the document number, and DataMatrix for layouts that prefer it.
//
// Decree 525 (point 36) asks for "a 2D barcode and a 1D barcode that allow
// checking the document's authenticity". The 2D symbol is what an offline
// verifier reads; the 1D symbol lets an old hand scanner at a bank counter
// type the document number into the portal's check page.
//
// Encoding uses github.com/boombuler/barcode and decoding uses
// github.com/makiuchi-d/gozxing; this package adds what a document pipeline
// needs around them and what the libraries leave to the caller:
//
//   - Symbols are rendered at an integer number of pixels per module with the
//     quiet zone the symbology requires (4 modules for QR, 10 for Code 128,
//     2 for DataMatrix), as a two-colour paletted image, never rescaled, so
//     print and PDF embedding stay sharp.
//   - Code 128 takes digits only; boombuler then packs them two per symbol
//     in code set C (checked in the tests by the symbol's width and start
//     character). A QR seal URL in upper case is encoded in alphanumeric mode.
//   - Decode finds every QR, DataMatrix and Code 128 symbol on a page: gozxing
//     v0.1.1 has no generic multi-symbol reader, so each found symbol is
//     blanked out and the search repeated. When a pass finds nothing it is
//     retried with the global-histogram binarizer, on small images at twice
//     the size, and on the image turned a quarter; DataMatrix, whose gozxing
//     detector only sees a symbol at the image's centre, is also searched in
//     crops around symbol-shaped blobs (blobs.go). Panics inside the decoder
//     library are turned into "not found", never into a result.
//   - Images from the outside are bounded: ReadImage checks the header
//     dimensions before decoding pixels (a small PNG can claim to be
//     100000x100000), and Decode downsamples pages above a pixel budget with
//     an integer box filter so the work per page is bounded.
package barcode
