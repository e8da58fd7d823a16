// This file holds the visible-signature flags of "tamga sign pades".

package main

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/tamgasign/tamga/sign"
)

type visibleFlags struct {
	visible bool
	page    int
	rect    string
	tz      string
	labels  stringList
}

func padesVisibleFlags(fs *flag.FlagSet, f *visibleFlags) {
	fs.BoolVar(&f.visible, "visible", false, "draw a stamp with the signer's name, organisation and signing time (in --rect, or in the box of --field)")
	fs.IntVar(&f.page, "page", 1, "the `page` the visible stamp goes on, from 1")
	fs.StringVar(&f.rect, "rect", "", "the stamp's rectangle `x1,y1,x2,y2` in PDF points from the page's lower left corner")
	fs.StringVar(&f.tz, "tz", "Asia/Bishkek", "the IANA time `zone` the stamp shows the signing time in")
	fs.Var(&f.labels, "label", "a `line` printed above the signer's name on the stamp (repeatable)")
}

// apply puts the flags into popts.
func (f *visibleFlags) apply(fs *flag.FlagSet, popts *sign.PDFOptions) error {
	if !f.visible {
		set := false
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "page", "rect", "tz", "label":
				set = true
			}
		})
		if set {
			return usageErrorf("--page, --rect, --tz and --label describe a visible stamp: add --visible")
		}
		return nil
	}
	ap := &sign.Appearance{Page: f.page, Labels: f.labels}
	switch {
	case f.rect == "" && popts.FieldName != "":
		// Into the box of the field named by --field, placed earlier.
		ap.Page = 0
		return f.finish(ap, popts)
	case f.rect == "":
		return usageErrorf("--visible needs --rect x1,y1,x2,y2 (PDF points; an A4 page is 595 x 842), or --field NAME of an empty signature box placed earlier")
	}
	coords := strings.Split(f.rect, ",")
	if len(coords) != 4 {
		return usageErrorf("--rect %q: give four numbers x1,y1,x2,y2", f.rect)
	}
	for i, c := range coords {
		v, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
		if err != nil {
			return usageErrorf("--rect %q: %q is not a number", f.rect, c)
		}
		ap.Rect[i] = v
	}
	return f.finish(ap, popts)
}

// finish sets the stamp's time zone and puts it into popts.
func (f *visibleFlags) finish(ap *sign.Appearance, popts *sign.PDFOptions) error {
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return usageErrorf("--tz %q: not a time zone this system knows (for example Asia/Bishkek, Asia/Almaty, UTC)", f.tz)
	}
	ap.TimeZone = loc
	popts.Appearance = ap
	return nil
}

func init() {
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		var ae *sign.AppearanceError
		if !errors.As(err, &ae) {
			return 0, false
		}
		switch ae.Field {
		case "Page", "Rect", "FieldName", "Labels":
			return exitUsage, true
		}
		if strings.HasPrefix(ae.Field, "Labels[") {
			return exitUsage, true
		}
		return exitDataErr, true // text from the certificate or the document
	})
}
