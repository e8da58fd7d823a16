// This file holds the subject names, personal numbers and certificate
// extensions of the built-in profiles.

package testpki

import (
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"time"
)

// Object identifiers the profiles use, exported so tests can look for them.
var (
	// OIDDocumentSigning is Microsoft's document-signing extended key usage
	// (szOID_KP_DOCUMENT_SIGNING), accepted by Acrobat and Office.
	OIDDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	// OIDOCSPNoCheck is id-pkix-ocsp-nocheck (RFC 6960, 4.2.2.2.1), carried
	// by the OCSP responder certificate.
	OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	// OIDQCStatements is the qcStatements extension (RFC 3739, ETSI EN 319
	// 412-5), carried by executor and applicant certificates.
	OIDQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
)

var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidEKUTimeStamp   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidQcCompliance   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD         = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType         = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcTypeESign    = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}
	oidAttrTitle      = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidAttrSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidAttrGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	qcStatementsValue = mustMarshal([]any{
		struct{ ID asn1.ObjectIdentifier }{oidQcCompliance},
		struct{ ID asn1.ObjectIdentifier }{oidQcSSCD},
		struct {
			ID    asn1.ObjectIdentifier
			Types []asn1.ObjectIdentifier
		}{oidQcType, []asn1.ObjectIdentifier{oidQcTypeESign}},
	})
	ocspNoCheckValue = []byte{0x05, 0x00} // NULL
)

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("testpki: " + err.Error())
	}
	return b
}

// testOU marks every CA name of a PKI as a test name and makes it unique to
// that PKI, so that certificates never chain across PKIs (see ReuseKeys).
func testOU(tag string) []string { return []string{"TEST ONLY - NOT FOR REAL DOCUMENTS " + tag} }

func rootSubject(tag string) pkix.Name {
	return pkix.Name{
		CommonName:         "Тестовый корневой УЦ Кыргызской Республики",
		Organization:       []string{"Тестовый удостоверяющий центр"},
		OrganizationalUnit: testOU(tag),
		Country:            []string{"KG"},
		Locality:           []string{"Бишкек"},
	}
}

func intermediateSubject(tag string) pkix.Name {
	return pkix.Name{
		CommonName:         "Тестовый УЦ государственных органов",
		Organization:       []string{"Тестовый удостоверяющий центр"},
		OrganizationalUnit: testOU(tag),
		Country:            []string{"KG"},
		Locality:           []string{"Бишкек"},
	}
}

func strangerSubject(tag string) pkix.Name {
	return pkix.Name{
		CommonName:         "Посторонний УЦ (не доверенный)",
		Organization:       []string{"Неизвестная организация"},
		OrganizationalUnit: testOU(tag),
		Country:            []string{"KG"},
	}
}

// person is a natural person's name as the national CAs write it.
type person struct {
	surname, given, patronymic string
	female                     bool
}

func (p person) subject(pin string) pkix.Name {
	return pkix.Name{
		CommonName:   p.surname + " " + p.given + " " + p.patronymic,
		Country:      []string{"KG"},
		Locality:     []string{"Бишкек"},
		SerialNumber: pin,
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oidAttrSurname, Value: p.surname},
			{Type: oidAttrGivenName, Value: p.given},
		},
	}
}

var (
	executorPerson  = person{"Үсөнбаев", "Нурбек", "Өмүрбек уулу", false}
	applicantPerson = person{"Исакова", "Айгүл", "Маратовна", true}
	// otherPeople name the holders of certificates made with Issue.
	otherPeople = []person{
		{"Жумабеков", "Нурлан", "Асылбекович", false},
		{"Токтогулова", "Жаркынай", "Садыровна", true},
		{"Мамытов", "Эрлан", "Кубанычбекович", false},
		{"Сыдыкова", "Бүбүсара", "Таалайбековна", true},
		{"Абдыкадыров", "Кайрат", "Жеңишбекович", false},
	}
)

func executorSubject(pin string) pkix.Name {
	n := executorPerson.subject(pin)
	n.Organization = []string{"Министерство юстиции Кыргызской Республики"}
	n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidAttrTitle, Value: "Главный специалист"})
	return n
}

// personalNumber returns a 14-digit Kyrgyz personal number (ПИН) of the
// shape the civil registry issues: 1 (female) or 2 (male), the birth date
// as DDMMYYYY, then five digits. The digits are random; the number is not
// anybody's.
func personalNumber(female bool) string {
	g := 2
	if female {
		g = 1
	}
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, mrand.IntN(55*365))
	return fmt.Sprintf("%d%s%05d", g, born.Format("02012006"), mrand.IntN(100000))
}

// randomSerial returns a positive serial number of at most 20 octets with
// 127 random bits, as CA/Browser Forum and RFC 5280 ask.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}
