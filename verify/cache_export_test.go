package verify

// This file exports to the package's external tests what they need to see
// of the cache machinery.

// SharedTestCache reports whether TestMain's second pass is on, in which a
// Policy without a Cache uses a shared one (so "uncached" is not).
func SharedTestCache() bool { return testCache != nil }

// StableSpan exposes stableSpan.
var StableSpan = stableSpan
