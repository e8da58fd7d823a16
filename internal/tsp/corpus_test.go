// This file verifies the signature-time-stamp tokens inside the CAdES
// files of the shared signed-file corpus (EU DSS, real TSAs), when the
// corpus is present; it is never copied here.

package tsp

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/testtool"
)

func corpusDir(t *testing.T) string {
	t.Helper()
	return testtool.Shared(t, "signed-corpus")
}

func TestCorpusSignatureTimeStamps(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "cades", "*.p7*"))
	require.NoError(t, err)
	verified := 0
	for _, f := range files {
		der, err := os.ReadFile(f)
		require.NoError(t, err)
		sd, err := cms.Parse(der)
		if err != nil {
			continue // the truncated file; package cms tests it
		}
		signers := sd.SignerInfos
		for _, si := range sd.SignerInfos {
			cs, err := si.CounterSignatures()
			require.NoError(t, err)
			signers = append(signers, cs...)
		}
		for _, si := range signers {
			for i, raw := range si.TimeStampTokens() {
				t.Run(fmt.Sprintf("%s/%d", filepath.Base(f), i), func(t *testing.T) {
					tok, err := ParseToken(raw)
					require.NoError(t, err)
					digest := sum(tok.Info.HashAlgorithm, si.Signature)
					_, err = tok.Verify(digest, append([]*x509.Certificate(nil), sd.Certificates...))
					if filepath.Base(f) == "dss-cades-t-modified-ts-hash.p7m" {
						// The corpus says the time-stamp's imprint was altered.
						assert.ErrorIs(t, err, ErrDigestMismatch)
						return
					}
					require.NoError(t, err)
					verified++
				})
			}
		}
	}
	assert.Positive(t, verified)
}
