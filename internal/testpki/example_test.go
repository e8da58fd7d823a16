package testpki_test

import (
	"crypto/x509"
	"fmt"
	"log"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/tamgasign/tamga/internal/testpki"
)

// A test builds a PKI whose certificates point at a running server, revokes
// a certificate and checks what a verifier would see.
func Example() {
	srv, err := testpki.NewServer(testpki.Config{KeyAlg: testpki.ECDSAP256})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	p := srv.PKI

	_, err = p.Executor.Cert.Verify(x509.VerifyOptions{
		Roots:         p.Roots(),
		Intermediates: x509.NewCertPool(), // the chain would normally come with the signature
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	})
	fmt.Println("executor without its chain:", err != nil)

	if err := p.Revoke(p.Applicant.Cert, time.Time{}, ocsp.KeyCompromise); err != nil {
		log.Fatal(err)
	}
	der, err := p.OCSPResponse(p.Applicant.Cert, nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := ocsp.ParseResponseForCert(der, p.Applicant.Cert, p.Intermediate.Cert)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("applicant revoked:", resp.Status == ocsp.Revoked)
	fmt.Println("OCSP fetches so far:", srv.Requests("/ocsp"))
	// Output:
	// executor without its chain: true
	// applicant revoked: true
	// OCSP fetches so far: 0
}
