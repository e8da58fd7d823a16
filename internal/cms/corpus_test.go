// This file checks the parser and the signature check against CMS made by
// other implementations (EU DSS, pyHanko, Adobe), read from the shared
// signed-file corpus when it is present (it is never copied here).

package cms

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testtool"
)

// corpusDir returns ../shared/signed-corpus next to the repository root,
// or skips the test when it is not there.
func corpusDir(t *testing.T) string {
	t.Helper()
	return testtool.Shared(t, "signed-corpus")
}

type manifestRow struct {
	file, kind, expected, detached, openssl string
}

func readManifest(t *testing.T, dir string) []manifestRow {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	require.NoError(t, err)
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var cols map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, name := range fields {
				cols[name] = i
			}
			continue
		}
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(fields) {
				return fields[i]
			}
			return ""
		}
		rows = append(rows, manifestRow{get("file"), get("kind"), get("expected"), get("detached_content"), get("openssl_cms_result")})
	}
	require.NoError(t, sc.Err())
	return rows
}

// signerPool is the certificates a verifier can use: the parsed ones and
// the partial parses of those crypto/x509 rejects.
func signerPool(sd *SignedData) []*x509.Certificate {
	pool := append([]*x509.Certificate(nil), sd.Certificates...)
	for _, u := range sd.UnparsedCertificates {
		if u.Partial != nil {
			pool = append(pool, u.Partial)
		}
	}
	return pool
}

// verifyAll verifies every SignerInfo over content and returns the first
// error, and the results.
func verifyAll(sd *SignedData, content []byte) ([]*Verification, error) {
	var vs []*Verification
	for _, si := range sd.SignerInfos {
		cert, err := si.FindCertificate(signerPool(sd))
		if err != nil {
			return vs, err
		}
		h, err := si.DigestHash()
		if err != nil {
			return vs, err
		}
		v, err := si.Verify(cert, sum(h, content))
		if err != nil {
			return vs, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func TestCorpusCAdES(t *testing.T) {
	dir := corpusDir(t)
	n := 0
	for _, row := range readManifest(t, dir) {
		if row.kind != "cades" {
			continue
		}
		n++
		name := filepath.Base(row.file)
		t.Run(name+"/"+strings.Fields(row.detached + " -")[0], func(t *testing.T) {
			der, err := os.ReadFile(filepath.Join(dir, row.file))
			require.NoError(t, err)
			sd, err := Parse(der)
			if strings.HasPrefix(row.expected, "malformed") {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			content := sd.Content
			if row.detached != "-" {
				content, err = os.ReadFile(filepath.Join(dir, strings.Fields(row.detached)[0]))
				require.NoError(t, err)
			}
			vs, err := verifyAll(sd, content)
			switch {
			case name == "dss-cades-ber-reordered.p7m":
				// DISPUTED in the manifest. The signer signed the DER (sorted)
				// signed attributes but embedded them unsorted: valid per RFC
				// 5652 (and DSS); OpenSSL keeps the embedded order and fails.
				// The signer's certificate only parses partially (crypto/x509
				// rejects its policies).
				require.NoError(t, err)
				assert.True(t, vs[0].SignedAttrsNotDER)
				assert.False(t, vs[0].SignedOverEmbeddedEncoding)
				require.Len(t, sd.UnparsedCertificates, 1)
			case name == "dss-cades-rsapss-sha3-256.p7m":
				// OpenSSL refuses a PSS hash (SHA3-256) that differs from the
				// digest algorithm; DSS verifies it, and so do we, reporting
				// the difference for the policy.
				require.NoError(t, err)
				assert.Equal(t, RSAPSS, vs[0].Scheme)
				assert.NotEqual(t, vs[0].DigestAlgorithm, vs[0].SignatureHash)
			case strings.HasPrefix(row.openssl, "Verification successful"):
				require.NoError(t, err, "OpenSSL verifies this signature")
				for _, v := range vs {
					assert.False(t, v.SignedOverEmbeddedEncoding)
				}
			case strings.Contains(row.openssl, "CMS_SignerInfo_verify_content"):
				assert.ErrorIs(t, err, ErrDigestMismatch)
			case strings.Contains(row.openssl, "signer certificate not found"):
				assert.ErrorIs(t, err, ErrSignerNotFound)
			default:
				t.Fatalf("no expectation for OpenSSL result %q", row.openssl)
			}

			// Counter-signatures sign the signature value.
			for _, si := range sd.SignerInfos {
				cs, err := si.CounterSignatures()
				require.NoError(t, err)
				for _, c := range cs {
					cert, err := c.FindCertificate(signerPool(sd))
					require.NoError(t, err)
					h, err := c.DigestHash()
					require.NoError(t, err)
					_, err = c.Verify(cert, sum(h, si.Signature))
					assert.NoError(t, err, "countersignature")
				}
				// Getters never panic on real data.
				si.SigningTime()
				si.ESSSigningCertificateV2()
				si.ESSSigningCertificate()
				si.SignaturePolicyIdentifier()
				si.CommitmentTypeIndications()
			}

			// A round trip keeps every signed byte.
			out, err := sd.Marshal()
			require.NoError(t, err)
			again, err := Parse(out)
			require.NoError(t, err)
			for i, si := range sd.SignerInfos {
				assert.Equal(t, si.RawSignedAttrs, again.SignerInfos[i].RawSignedAttrs)
				assert.Equal(t, si.Signature, again.SignerInfos[i].Signature)
			}
			assert.Equal(t, sd.Content, again.Content)
		})
	}
	assert.Equal(t, 21, n, "manifest CAdES rows")
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// pdfSignatures finds the CMS blobs of a PDF the simple way: each
// /ByteRange's gap holds <hex>. It is a test helper, not a PDF parser;
// PDFs it cannot read this way are reported and skipped.
func pdfSignatures(data []byte) (blobs, signed [][]byte) {
	for _, m := range byteRangeRE.FindAllSubmatch(data, -1) {
		var br [4]int
		for i := range br {
			br[i], _ = strconv.Atoi(string(m[i+1]))
		}
		if br[0] != 0 || br[1] >= br[2] || br[2] > len(data) || br[2]+br[3] > len(data) {
			blobs, signed = append(blobs, nil), append(signed, nil)
			continue
		}
		gap := data[br[1]:br[2]]
		i, j := bytes.IndexByte(gap, '<'), bytes.IndexByte(gap, '>')
		if i < 0 || j < i {
			blobs, signed = append(blobs, nil), append(signed, nil)
			continue
		}
		raw, err := hex.DecodeString(string(bytes.Join(bytes.Fields(gap[i+1:j]), nil)))
		if err != nil {
			blobs, signed = append(blobs, nil), append(signed, nil)
			continue
		}
		// /Contents is zero-padded after the CMS.
		if trimmed, _, err := TrimPadding(raw); err == nil {
			raw = trimmed
		}
		blobs = append(blobs, raw)
		signed = append(signed, append(bytes.Clone(data[:br[1]]), data[br[2]:br[2]+br[3]]...))
	}
	return blobs, signed
}

var sigResultRE = regexp.MustCompile(`sig(\d+)(\[[^\]]*\])?: ([^|]*)`)

func TestCorpusPAdESCMS(t *testing.T) {
	dir := corpusDir(t)
	checked := 0
	for _, row := range readManifest(t, dir) {
		if row.kind != "pades" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, row.file))
		require.NoError(t, err)
		blobs, signed := pdfSignatures(data)
		for _, m := range sigResultRE.FindAllStringSubmatch(row.openssl, -1) {
			k, _ := strconv.Atoi(m[1])
			result := m[3]
			if k >= len(blobs) || blobs[k] == nil {
				continue // the crude extraction could not find it
			}
			t.Run(filepath.Base(row.file)+"/sig"+m[1], func(t *testing.T) {
				sd, err := Parse(blobs[k])
				if strings.HasPrefix(result, "CMS not parseable") {
					assert.ErrorIs(t, err, ErrMalformed)
					return
				}
				require.NoError(t, err)
				content := signed[k]
				if sd.Content != nil {
					content = sd.Content
				}
				vs, err := verifyAll(sd, content)
				switch {
				case strings.HasPrefix(result, "Verification successful"):
					require.NoError(t, err, "OpenSSL verifies this signature")
					if strings.Contains(row.file, "unsorted-signedattrs") && sd.ContentType.Equal(OIDData) {
						// DISPUTED: the five signatures (not the document
						// time-stamp) are over the unsorted embedded encoding.
						assert.True(t, vs[0].SignedOverEmbeddedEncoding)
					}
				case strings.Contains(result, "CMS_SignerInfo_verify_content"):
					assert.ErrorIs(t, err, ErrDigestMismatch)
				case strings.Contains(result, "signer certificate not found"):
					assert.ErrorIs(t, err, ErrSignerNotFound)
				default:
					// Ed448, SHAKE256, a curve OID as signature algorithm, and
					// brainpool plain-ECDSA: OpenSSL fails, we report them
					// unsupported rather than invalid.
					assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
				}
				checked++
			})
		}
	}
	assert.GreaterOrEqual(t, checked, 75, "signatures checked")
}

func TestCorpusFilesNeverPanic(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cades", "*.p7*"))
	require.NotEmpty(t, files)
	for _, f := range files {
		der, err := os.ReadFile(f)
		require.NoError(t, err)
		// Every prefix of a real file is a typed error, never a panic.
		for n := 0; n < len(der); n += 1 + len(der)/200 {
			_, err := Parse(der[:n])
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s[:%d]: untyped error %v", filepath.Base(f), n, err)
			}
		}
	}
}
