// This file holds the client: Request and Exchange POST a query to a TSA
// and check the reply.

package tsp

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"

	"github.com/tamgasign/tamga/internal/cms"
)

// MaxReplySize bounds the reply Exchange reads; real replies are a few
// kilobytes even with a certificate chain.
const MaxReplySize = 1 << 20

// Request asks the TSA at url to time-stamp digest (the hash under hash
// of the data, for CAdES the signature value), with a random nonce and
// certReq set, and returns the verified time-stamp token, ready to be
// stored as a signature-time-stamp attribute. A nil client means
// http.DefaultClient; ctx bounds the whole exchange.
func Request(ctx context.Context, client *http.Client, url string, hash crypto.Hash, digest []byte) ([]byte, error) {
	q, err := NewQuery(hash, digest)
	if err != nil {
		return nil, err
	}
	return Exchange(ctx, client, url, q)
}

// Exchange POSTs q as application/timestamp-query and checks the reply:
// HTTP status 200 and content type application/timestamp-reply, at most
// MaxReplySize bytes, PKIStatus granted or grantedWithMods, a token whose
// message imprint and nonce (and policy, if q asked for one) are q's. When
// q.CertReq is set the token must carry the TSA certificate and is also
// verified with Token.Verify; the TSA chain's trust is the caller's to
// check. It returns the token's DER.
func Exchange(ctx context.Context, client *http.Client, tsaURL string, q *Query) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	body, err := q.Marshal()
	if err != nil {
		return nil, err
	}
	redacted := tsaURL
	if u, err := url.Parse(tsaURL); err == nil {
		redacted = u.Redacted()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tsaURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tsp: bad TSA URL %q: %w", redacted, err)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	req.Header.Set("Accept", "application/timestamp-reply")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tsp: time-stamp request failed: %w", err)
	}
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	herr := func(detail string) error {
		return &HTTPError{URL: redacted, StatusCode: resp.StatusCode, ContentType: ct, Detail: detail}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, herr("the TSA did not answer 200 OK; check the URL and the TSA's access rules")
	}
	mt, _, _ := mime.ParseMediaType(ct)
	// application/timestamp-response is the pre-RFC name some TSAs use.
	if mt != "application/timestamp-reply" && mt != "application/timestamp-response" {
		return nil, herr("not a time-stamp reply; is this a time-stamp authority URL?")
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxReplySize+1))
	if err != nil {
		return nil, fmt.Errorf("tsp: reading the reply: %w", err)
	}
	if len(data) > MaxReplySize {
		return nil, herr(fmt.Sprintf("reply larger than %d bytes", MaxReplySize))
	}
	return checkReply(data, q)
}

// checkReply checks a reply against its query and returns the token.
func checkReply(data []byte, q *Query) ([]byte, error) {
	r, err := ParseReply(data)
	if err != nil {
		return nil, err
	}
	if r.Status != Granted && r.Status != GrantedWithMods {
		return nil, &StatusError{Status: r.Status, FailInfo: r.FailInfo, Text: r.StatusText}
	}
	if r.Token == nil {
		return nil, malformed("timeStampResp.timeStampToken", "absent although the status is %v", r.Status)
	}
	tok, err := ParseToken(r.Token)
	if err != nil {
		return nil, err
	}
	info := tok.Info
	if info.HashAlgorithm != q.HashAlgorithm || !bytes.Equal(info.HashedMessage, q.HashedMessage) {
		return nil, &cms.Error{Field: "tstInfo.messageImprint", Err: cms.ErrDigestMismatch, Detail: "the TSA time-stamped other data than requested"}
	}
	if !sameNonce(q.Nonce, info.Nonce) {
		return nil, fmt.Errorf("%w: nonce differs (a replayed or misrouted reply)", ErrReplyMismatch)
	}
	if q.Policy != nil && !q.Policy.Equal(info.Policy) {
		return nil, fmt.Errorf("%w: policy %s instead of the requested %s", ErrReplyMismatch, info.Policy, q.Policy)
	}
	if q.CertReq {
		if _, err := tok.Verify(q.HashedMessage, nil); err != nil {
			if errors.Is(err, ErrSignerNotFound) {
				return nil, fmt.Errorf("tsp: the TSA ignored certReq and sent no certificate: %w", err)
			}
			return nil, err
		}
	}
	return r.Token, nil
}

func sameNonce(a, b *big.Int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}
