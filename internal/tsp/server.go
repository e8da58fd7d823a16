// This file holds the time-stamp authority: an http.Handler that answers
// RFC 3161 queries with tokens signed by a crypto.Signer.

package tsp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"time"

	"github.com/tamgasign/tamga/internal/cms"
)

// MaxQuerySize bounds the request body the server reads. A query is
// about 100 bytes; extensions could make it larger, not kilobytes.
const MaxQuerySize = 16 << 10

// ServerConfig configures a time-stamp authority.
type ServerConfig struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate // must pass CheckTSACertificate
	// Chain is included after Certificate when a query sets certReq.
	Chain  []*x509.Certificate
	Policy asn1.ObjectIdentifier // the TSA policy every token states
	// Now is the clock; nil means time.Now. Tokens state it in UTC, to
	// the second.
	Now func() time.Time
	// Serial returns a new unique serial number; nil means a random
	// positive 127-bit number.
	Serial func() (*big.Int, error)
	// Hash signs the tokens; 0 means SHA-256.
	Hash crypto.Hash
	// Accuracy, when not zero, is stated in the tokens.
	Accuracy time.Duration
}

// Server is a time-stamp authority for tests, demos and small
// deployments. It implements http.Handler; Respond serves other
// transports.
type Server struct {
	cfg ServerConfig
}

// NewServer checks the configuration and returns a Server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Signer == nil || cfg.Certificate == nil || cfg.Policy == nil {
		return nil, errors.New("tsp: a server needs a signer, its certificate and a policy")
	}
	if err := CheckTSACertificate(cfg.Certificate); err != nil {
		return nil, err
	}
	if k, ok := cfg.Signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cfg.Certificate.PublicKey) {
		return nil, errors.New("tsp: the signer's key is not the certificate's key")
	}
	if _, err := encodeOID(cfg.Policy); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Serial == nil {
		cfg.Serial = func() (*big.Int, error) {
			return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
		}
	}
	if cfg.Hash == 0 {
		cfg.Hash = crypto.SHA256
	}
	return &Server{cfg: cfg}, nil
}

// ServeHTTP answers POSTs of application/timestamp-query with an
// application/timestamp-reply. Problems with the query (content type,
// size, encoding, algorithm, policy, extensions) are answered with a
// rejection reply and the matching PKIFailureInfo, as RFC 3161 §3.4
// expects; only a method other than POST is an HTTP error.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an application/timestamp-query", http.StatusMethodNotAllowed)
		return
	}
	var reply []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxQuerySize))
	switch {
	case mt != "application/timestamp-query":
		reply = reject(FailBadRequest, "content type must be application/timestamp-query")
	case err != nil:
		reply = reject(FailBadDataFormat, fmt.Sprintf("query unreadable or larger than %d bytes", MaxQuerySize))
	default:
		reply = s.Respond(r.Context(), body)
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(reply)
}

// Respond answers a DER TimeStampReq with a DER TimeStampResp.
func (s *Server) Respond(ctx context.Context, query []byte) []byte {
	q, err := ParseQuery(query)
	if err != nil {
		if errors.Is(err, ErrUnsupportedAlgorithm) {
			return reject(FailBadAlg, "hash algorithm not supported; use SHA-256, SHA-384 or SHA-512")
		}
		return reject(FailBadDataFormat, "malformed TimeStampReq")
	}
	if q.Policy != nil && !q.Policy.Equal(s.cfg.Policy) {
		return reject(FailUnacceptedPolicy, "this TSA issues tokens under policy "+s.cfg.Policy.String())
	}
	if len(q.Extensions) > 0 {
		return reject(FailUnacceptedExtension, "no request extensions are supported")
	}
	token, err := s.issue(ctx, q)
	if err != nil {
		return reject(FailSystemFailure, "the TSA could not sign the token")
	}
	out, _ := (&Reply{Status: Granted, Token: token}).Marshal()
	return out
}

func reject(fail FailureInfo, text string) []byte {
	out, _ := (&Reply{Status: Rejection, FailInfo: fail, StatusText: []string{text}}).Marshal()
	return out
}

// issue makes and signs the TSTInfo for q.
func (s *Server) issue(ctx context.Context, q *Query) ([]byte, error) {
	serial, err := s.cfg.Serial()
	if err != nil {
		return nil, err
	}
	if serial == nil || serial.Sign() < 0 {
		return nil, errors.New("tsp: the serial number source returned a negative number")
	}
	policy, _ := encodeOID(s.cfg.Policy)
	mi, err := encodeMessageImprint(q.HashAlgorithm, q.HashedMessage)
	if err != nil {
		return nil, err
	}
	genTime := s.cfg.Now().UTC().Truncate(time.Second)
	parts := [][]byte{
		{2, 1, 1},
		policy,
		mi,
		encodeInt(serial),
		tlv(0x18, []byte(genTime.Format("20060102150405Z"))),
	}
	if a := s.cfg.Accuracy; a > 0 {
		var acc [][]byte
		if sec := int64(a / time.Second); sec > 0 {
			acc = append(acc, encodeInt(big.NewInt(sec)))
		}
		if ms := int64(a % time.Second / time.Millisecond); ms > 0 {
			acc = append(acc, tlv(0x80, encodeInt(big.NewInt(ms))[2:]))
		}
		if us := int64(a % time.Millisecond / time.Microsecond); us > 0 {
			acc = append(acc, tlv(0x81, encodeInt(big.NewInt(us))[2:]))
		}
		parts = append(parts, tlv(0x30, acc...))
	}
	if q.Nonce != nil {
		parts = append(parts, encodeInt(q.Nonce))
	}
	// tsa [0] GeneralName: the directoryName of the TSA certificate.
	parts = append(parts, tlv(0xa0, tlv(0xa4, s.cfg.Certificate.RawSubject)))
	tstInfo := tlv(0x30, parts...)

	opts := &cms.SignOptions{
		Hash:                  s.cfg.Hash,
		ContentType:           cms.OIDTSTInfo,
		Content:               tstInfo,
		OmitSignerCertificate: !q.CertReq,
	}
	if q.CertReq {
		opts.Certificates = s.cfg.Chain
	}
	sd, err := cms.Sign(ctx, s.cfg.Signer, s.cfg.Certificate, nil, opts)
	if err != nil {
		return nil, err
	}
	return sd.Marshal()
}
