package testpki

import (
	"encoding/asn1"

	"github.com/tamgasign/tamga/internal/tsp"
)

// OIDTSAPolicy is the policy the test time-stamp authority states in its
// tokens: an arc under the private-enterprise number reserved for examples
// (RFC 5612), so it can never be mistaken for a real TSA's policy.
var OIDTSAPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 3161, 1}

// ServeTSA runs an RFC 3161 time-stamp authority at /tsa, signing with the
// PKI's TSA identity on the PKI's clock, and returns its URL.
func (s *Server) ServeTSA() (string, error) {
	tsa, err := tsp.NewServer(tsp.ServerConfig{
		Signer:      s.PKI.TSA.Key,
		Certificate: s.PKI.TSA.Cert,
		Chain:       s.PKI.TSA.Chain,
		Policy:      OIDTSAPolicy,
		Now:         s.PKI.Now,
	})
	if err != nil {
		return "", err
	}
	s.Handle("/tsa", tsa)
	return s.URL + "/tsa", nil
}
