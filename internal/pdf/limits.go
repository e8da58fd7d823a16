// This file holds the resource limits that bound every parse.

package pdf

// Limits bounds the resources a File may use, so that hostile input (deflate
// bombs, reference loops, absurd object counts) ends in an *Error wrapping
// ErrLimit instead of exhausting memory or time. A zero field takes its
// default; a nil *Limits means all defaults.
type Limits struct {
	// MaxStreamSize is the largest decoded size of one stream (default 128 MiB).
	MaxStreamSize int64
	// MaxTotalDecoded is the total of decoded stream bytes over the life of
	// a File, cached object streams counted once (default 512 MiB).
	MaxTotalDecoded int64
	// MaxObjectSize is the largest size in bytes of an object's text, not
	// counting stream data (default 32 MiB).
	MaxObjectSize int64
	// MaxDepth is the deepest nesting of arrays and dictionaries, and of
	// page and field trees (default 64).
	MaxDepth int
	// MaxObjects bounds object numbers (each must be below it) and the
	// number of objects a walk visits (default 4,000,000).
	MaxObjects int
	// MaxXRefEntries is the total number of cross-reference entries over all
	// revisions (default 2,000,000).
	MaxXRefEntries int
	// MaxStringLen is the longest string value in bytes (default 16 MiB).
	MaxStringLen int
	// MaxNameLen is the longest name in bytes (default 1024; PDF 1.7
	// suggests 127).
	MaxNameLen int
	// MaxRefChain is the longest chain of nested object loads: a reference
	// to a reference, an indirect /Length, an object stream found through
	// another object (default 16).
	MaxRefChain int
	// MaxRevisions bounds the number of xref sections in the /Prev chain and
	// of %%EOF markers in the file (default 1000).
	MaxRevisions int
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxStreamSize:   128 << 20,
		MaxTotalDecoded: 512 << 20,
		MaxObjectSize:   32 << 20,
		MaxDepth:        64,
		MaxObjects:      4_000_000,
		MaxXRefEntries:  2_000_000,
		MaxStringLen:    16 << 20,
		MaxNameLen:      1024,
		MaxRefChain:     16,
		MaxRevisions:    1000,
	}
}

// withDefaults returns a copy of l with zero (or negative) fields set to
// their defaults.
func (l *Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l == nil {
		return d
	}
	c := *l
	if c.MaxStreamSize <= 0 {
		c.MaxStreamSize = d.MaxStreamSize
	}
	if c.MaxTotalDecoded <= 0 {
		c.MaxTotalDecoded = d.MaxTotalDecoded
	}
	if c.MaxObjectSize <= 0 {
		c.MaxObjectSize = d.MaxObjectSize
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = d.MaxDepth
	}
	if c.MaxObjects <= 0 {
		c.MaxObjects = d.MaxObjects
	}
	if c.MaxXRefEntries <= 0 {
		c.MaxXRefEntries = d.MaxXRefEntries
	}
	if c.MaxStringLen <= 0 {
		c.MaxStringLen = d.MaxStringLen
	}
	if c.MaxNameLen <= 0 {
		c.MaxNameLen = d.MaxNameLen
	}
	if c.MaxRefChain <= 0 {
		c.MaxRefChain = d.MaxRefChain
	}
	if c.MaxRevisions <= 0 {
		c.MaxRevisions = d.MaxRevisions
	}
	return c
}
