package registry

// This file holds the masking of holder names for public pages.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskName returns a holder name as the public may see it: the first letter
// of each word kept and the rest replaced by '*', the last word (the
// patronymic, or a single initial) shortened to its initial and a dot, so
// "Асанова Айгүл Бакытбековна" becomes "А****** А**** Б.". The length of
// each masked word is kept so the holder can recognise their name; the
// patronymic, which narrows a name most, is cut.
func MaskName(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		first, size := utf8.DecodeRuneInString(w)
		if first == utf8.RuneError || !unicode.IsPrint(first) {
			first = '*'
		}
		b.WriteRune(first)
		if i == len(words)-1 && len(words) > 2 {
			b.WriteByte('.')
			continue
		}
		b.WriteString(strings.Repeat("*", utf8.RuneCountInString(w[size:])))
	}
	return b.String()
}
