package font_test

import "fmt"

// fmtSscanHex reads a hexadecimal number.
func fmtSscanHex(s string, r *rune) (int, error) { return fmt.Sscanf(s, "%x", r) }
