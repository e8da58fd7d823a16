package registry

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMaskName checks that masking never panics, always gives valid UTF-8,
// and never shows more than the first letter of any word.
func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"Асанова Айгүл Бакытбековна", "", " ", "a", "\xff", "Ұлан  Әлиұлы", "a\u0301b c", strings.Repeat("Ж ", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m := MaskName(name)
		if !utf8.ValidString(m) {
			t.Fatalf("MaskName(%q) = %q: invalid UTF-8", name, m)
		}
		words := strings.Fields(name)
		masked := strings.Split(m, " ")
		if len(words) == 0 {
			if m != "" {
				t.Fatalf("MaskName(%q) = %q, want empty", name, m)
			}
			return
		}
		if len(masked) != len(words) {
			t.Fatalf("MaskName(%q) = %q: %d words, want %d", name, m, len(masked), len(words))
		}
		for _, w := range masked {
			_, size := utf8.DecodeRuneInString(w)
			if rest := strings.Trim(w[size:], "*."); rest != "" {
				t.Fatalf("MaskName(%q) = %q shows %q", name, m, rest)
			}
		}
	})
}

// FuzzParseDSN checks that any data source name is either refused with
// ErrDSN or mapped to a known driver.
func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"sqlite:/tmp/x.db", "sqlite::memory:", "postgres://u@h/db?sslmode=disable", "postgresql://%zz", "sqlite:", "mysql://x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		d, driverDSN, err := parseDSN(dsn)
		if err != nil {
			if err != ErrDSN {
				t.Fatalf("parseDSN(%q): %v, want ErrDSN", dsn, err)
			}
			return
		}
		if d.driver != "sqlite" && d.driver != "pgx" || driverDSN == "" {
			t.Fatalf("parseDSN(%q) = %q, %q", dsn, d.driver, driverDSN)
		}
	})
}
