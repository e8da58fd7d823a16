package font

// This file holds the embedded DejaVu Sans fonts.

import _ "embed"

// DejaVu Sans 2.37, copied unmodified from Debian fonts-dejavu-core 2.37-6;
// Bitstream Vera licence with DejaVu changes in the public domain (LICENSE
// and README in this directory). It covers Latin and Cyrillic with every
// Kyrgyz and Kazakh letter (ң ө ү ә ғ қ ұ һ і), so one family serves all
// four languages of the portal.
var (
	//go:embed DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
)

// DejaVuSans returns the TrueType program of DejaVu Sans (regular). The
// slice is shared: callers must not modify it.
func DejaVuSans() []byte { return dejaVuSans }

// DejaVuSansBold returns the TrueType program of DejaVu Sans Bold. The
// slice is shared: callers must not modify it.
func DejaVuSansBold() []byte { return dejaVuSansBold }
