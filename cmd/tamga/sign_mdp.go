// This file holds the certification, field-lock and pre-placed field
// flags of "tamga sign pades".

package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/tamgasign/tamga/sign"
)

type mdpFlags struct {
	certify   int
	lock      stringList
	lockAll   bool
	addFields stringList
}

func padesMDPFlags(fs *flag.FlagSet, f *mdpFlags) {
	fs.IntVar(&f.certify, "certify", 0, "make a certification signature with permission `level` 1 (no changes), 2 (form filling and signing) or 3 (also annotations)")
	fs.Var(&f.lock, "lock", "lock the form field `NAME` once signed (repeatable)")
	fs.BoolVar(&f.lockAll, "lock-all", false, "lock every form field once signed")
	fs.Var(&f.addFields, "add-field", "place an empty signature field `NAME:PAGE:x1,y1,x2,y2` for a later signer (repeatable)")
}

// apply puts the flags into popts.
func (f *mdpFlags) apply(popts *sign.PDFOptions) error {
	if f.certify < 0 || f.certify > 3 {
		return usageErrorf("--certify takes 1, 2 or 3")
	}
	popts.Certify = sign.Certification(f.certify)
	switch {
	case f.lockAll && len(f.lock) > 0:
		return usageErrorf("give --lock NAME or --lock-all, not both")
	case f.lockAll:
		popts.Lock = &sign.FieldLock{All: true}
	case len(f.lock) > 0:
		popts.Lock = &sign.FieldLock{Fields: f.lock}
	}
	for _, spec := range f.addFields {
		sf, err := parseFieldSpec(spec)
		if err != nil {
			return usageErrorf("--add-field %q: %v", spec, err)
		}
		popts.AddFields = append(popts.AddFields, sf)
	}
	return nil
}

// parseFieldSpec reads NAME:PAGE:x1,y1,x2,y2 (the name may not hold ':').
func parseFieldSpec(spec string) (sign.SignatureField, error) {
	var sf sign.SignatureField
	parts := strings.Split(spec, ":")
	if len(parts) != 3 || parts[0] == "" {
		return sf, errors.New("write it as NAME:PAGE:x1,y1,x2,y2")
	}
	sf.Name = parts[0]
	page, err := strconv.Atoi(parts[1])
	if err != nil || page < 1 {
		return sf, fmt.Errorf("the page %q is not a number from 1", parts[1])
	}
	sf.Page = page
	coords := strings.Split(parts[2], ",")
	if len(coords) != 4 {
		return sf, errors.New("the rectangle needs four numbers x1,y1,x2,y2")
	}
	for i, c := range coords {
		v, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
		if err != nil {
			return sf, fmt.Errorf("%q is not a number", c)
		}
		sf.Rect[i] = v
	}
	return sf, nil
}

func init() {
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		var oe *sign.OptionError
		switch {
		case errors.As(err, &oe):
			return exitUsage, true
		case errors.Is(err, sign.ErrCertifyNotFirst), errors.Is(err, sign.ErrNoChangesPermitted), errors.Is(err, sign.ErrFieldInUse):
			return exitDataErr, true
		}
		return 0, false
	})
}
