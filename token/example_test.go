package token_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"fmt"
	"log"

	"github.com/tamgasign/tamga/token"
)

// Open a key on a token by the URI that "tamga token list --login" prints,
// with the PIN from a file, and sign the SHA-256 hash of a document.
func ExampleOpen() {
	ref := "pkcs11:token=Executor;object=sign-key;id=%01;type=private" +
		"?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/token-pin"
	signer, err := token.Open(context.Background(), ref, &token.Options{PIN: token.TerminalPIN})
	if err != nil {
		log.Fatal(err) // errors.Is(err, token.ErrPINIncorrect), ...
	}
	defer signer.Close()

	digest := sha256.Sum256([]byte("application 42"))
	sig, err := signer.SignContext(context.Background(), digest[:], crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d-byte signature by %s\n", len(sig), signer.Certificate().Subject)
}

// List the tokens of a module and the URIs of their keys.
func ExampleList() {
	slots, err := token.List(context.Background(), "/usr/lib/softhsm/libsofthsm2.so",
		&token.Options{Login: true, PIN: token.TerminalPIN})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range slots {
		if s.Token == nil {
			continue
		}
		for _, o := range s.Token.Objects {
			if o.Class == token.ClassPrivateKey {
				fmt.Println(o.URI)
			}
		}
	}
}
