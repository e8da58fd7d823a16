package verify

// This file holds Cache: the results of cryptographic checks that many
// documents share (certificate paths, OCSP responses, CRL signatures),
// remembered across validations.

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"crypto/x509"
	"slices"
	"sync"
	"time"
)

// Cache remembers, across validations, the outcome of the checks that do
// not depend on the document: that a certificate path is signed from end
// to end and meets its constraints, that an OCSP response about a
// certificate was signed by its issuer or by a responder the issuer
// certified (and, apart, that the issuer certified that responder, which
// all its responses share), that a CRL was signed by its issuer. A public verifier sees thousands of documents
// signed by a few executors and time-stamped by one authority, so these
// are most of its signature checks. Set it in Policy.Cache; one Cache may
// be shared by any number of concurrent validations.
//
// Entries are keyed by the SHA-256 of the exact DER of everything the
// check read (the certificate, every candidate intermediate, the response
// or CRL, the issuer), so different bytes never find another's result
// (SHA-256 collisions aside). A
// cached result is cryptographic only: what depends on the validation
// time (validity periods, the freshness of OCSP responses and CRLs,
// revocation before or after the signing time) is evaluated again for
// every validation. Failed path building is not remembered, so a cache
// can never turn a failure into a pass. A certificate path found at one
// time is reused only at times when every certificate involved (the leaf,
// every candidate intermediate, every certificate of the paths found) is
// in the same state of validity, so the path found is as valid then, and
// only with the same Policy.Roots pool. A trust anchor on none of the
// paths found is not tracked: if two anchors could complete the path and
// one of them expires, the path reported may be the one found before.
//
// The cache holds at most a fixed number of entries and forgets the least
// recently used first; an upload crafted to fill it only makes later
// checks slower, never different.
type Cache struct {
	mu    sync.Mutex
	max   int
	items map[cacheKey]*list.Element
	order list.List // front: most recently used; values are *cacheItem
}

// NewCache returns a Cache that holds at most maxEntries results (at
// least 1). A few thousand are plenty for a national PKI: each entry is
// one certificate path, OCSP response or CRL signature, and a path entry
// holds pointers to certificates the caller already parsed.
func NewCache(maxEntries int) *Cache {
	return &Cache{max: max(1, maxEntries), items: map[cacheKey]*list.Element{}}
}

// Len returns the number of results the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// cacheKey is the SHA-256 of a kind tag and the digests of the inputs;
// roots is the trust anchor pool a path was built to.
type cacheKey struct {
	sum   [32]byte
	roots *x509.CertPool
}

type cacheItem struct {
	key cacheKey
	val any
}

// Kind tags, so that the inputs of one kind of check never produce the
// key of another.
const (
	kindChain = "tamga/verify/cache/chain\x00"
	kindOCSP  = "tamga/verify/cache/ocsp\x00"
	kindCRL   = "tamga/verify/cache/crl-signature\x00"
	// kindCertSig: an issuer's signature on a certificate (an OCSP
	// responder's) checked outside path building.
	kindCertSig = "tamga/verify/cache/certificate-signature\x00"
)

func makeKey(kind string, roots *x509.CertPool, parts ...[]byte) cacheKey {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		d := sha256.Sum256(p)
		h.Write(d[:])
	}
	var k cacheKey
	h.Sum(k.sum[:0])
	k.roots = roots
	return k
}

func (c *Cache) get(k cacheKey) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheItem).val, true
}

func (c *Cache) put(k cacheKey, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value.(*cacheItem).val = v
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&cacheItem{key: k, val: v})
	for len(c.items) > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
}

// chainEntry is a successful path building: the chains x509 returned, and
// the span of times [from, until] in which every certificate involved
// keeps the validity state it had when they were built.
type chainEntry struct {
	chains      [][]*x509.Certificate
	from, until time.Time
}

// verifyChains is cert.Verify(opts), where inter are exactly the
// certificates in opts.Intermediates, remembered in c (which may be nil).
func (c *Cache) verifyChains(cert *x509.Certificate, inter []*x509.Certificate, opts x509.VerifyOptions) ([][]*x509.Certificate, error) {
	if c == nil {
		return cert.Verify(opts)
	}
	// The key is the leaf and the set of candidate intermediates, in a
	// canonical order; opts.KeyUsages is the same for every call.
	raws := make([][]byte, 0, len(inter)+1)
	for _, ic := range inter {
		raws = append(raws, ic.Raw)
	}
	slices.SortFunc(raws, bytes.Compare)
	raws = slices.CompactFunc(raws, bytes.Equal)
	key := makeKey(kindChain, opts.Roots, append([][]byte{cert.Raw}, raws...)...)
	at := opts.CurrentTime
	if v, ok := c.get(key); ok {
		e := v.(*chainEntry)
		if !at.Before(e.from) && !at.After(e.until) {
			return cloneChains(e.chains), nil
		}
	}
	chains, err := cert.Verify(opts)
	if err != nil {
		return nil, err
	}
	involved := append([]*x509.Certificate{cert}, inter...)
	for _, ch := range chains {
		involved = append(involved, ch...)
	}
	from, until := stableSpan(at, involved)
	c.put(key, &chainEntry{chains: cloneChains(chains), from: from, until: until})
	return chains, nil
}

func cloneChains(chains [][]*x509.Certificate) [][]*x509.Certificate {
	out := make([][]*x509.Certificate, len(chains))
	for i, ch := range chains {
		out[i] = slices.Clone(ch)
	}
	return out
}

// stableSpan returns the longest span of times around at in which each of
// certs is valid exactly when it is valid at at (x509 counts a certificate
// valid from NotBefore to NotAfter, both included).
func stableSpan(at time.Time, certs []*x509.Certificate) (from, until time.Time) {
	from, until = time.Unix(0, 0).AddDate(-3000, 0, 0), time.Unix(0, 0).AddDate(7000, 0, 0)
	for _, c := range certs {
		switch {
		case at.Before(c.NotBefore): // not yet valid until NotBefore
			until = minTime(until, c.NotBefore.Add(-time.Nanosecond))
		case at.After(c.NotAfter): // expired since just after NotAfter
			from = maxTime(from, c.NotAfter.Add(time.Nanosecond))
		default: // valid in [NotBefore, NotAfter]
			from = maxTime(from, c.NotBefore)
			until = minTime(until, c.NotAfter)
		}
	}
	return from, until
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ocspEntry is what checkOCSP made of one response for one certificate and
// issuer: a status (without its source) or the reason it is not usable.
type ocspEntry struct {
	st  revStatus
	err error
}

// checkOCSP is the package's checkOCSP, remembered in c (which may be
// nil). The outcome depends on nothing but the three inputs: the time
// checks happen later, on the returned copy.
func (c *Cache) checkOCSP(raw []byte, cert, issuer *x509.Certificate, source string) (*revStatus, error) {
	if c == nil {
		return checkOCSP(nil, raw, cert, issuer, source)
	}
	key := makeKey(kindOCSP, nil, raw, cert.Raw, issuer.Raw)
	v, ok := c.get(key)
	if !ok {
		st, err := checkOCSP(c, raw, cert, issuer, "")
		e := &ocspEntry{err: err}
		if st != nil {
			e.st = *st
		}
		c.put(key, e)
		v = e
	}
	e := v.(*ocspEntry)
	if e.err != nil {
		return nil, e.err
	}
	st := e.st // a copy: the caller changes it
	st.source = source
	return &st, nil
}

// certSignature checks that issuer signed child, as x509 does for a path,
// remembered in c.
func (c *Cache) certSignature(child, issuer *x509.Certificate) error {
	key := makeKey(kindCertSig, nil, child.Raw, issuer.Raw)
	if v, ok := c.get(key); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	err := issuer.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	if err == nil {
		c.put(key, nil)
	} else {
		c.put(key, err)
	}
	return err
}

// crlSignature checks that issuer signed crl; crlSum is the SHA-256 of
// crl.Raw. The outcome is remembered in c (which may be nil).
func (c *Cache) crlSignature(crl *x509.RevocationList, crlSum [32]byte, issuer *x509.Certificate) error {
	if c == nil {
		return crl.CheckSignatureFrom(issuer)
	}
	key := makeKey(kindCRL, nil, crlSum[:], issuer.Raw)
	if v, ok := c.get(key); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	err := crl.CheckSignatureFrom(issuer)
	if err == nil {
		c.put(key, nil)
	} else {
		c.put(key, err)
	}
	return err
}

// testCache is the cache of policies without one while the package's tests
// run their second pass (see TestMain), so that every test also checks
// that a cache, warmed by all the tests before it, changes no verdict.
var testCache *Cache

func (p *Policy) cache() *Cache {
	if p.Cache != nil {
		return p.Cache
	}
	return testCache
}
