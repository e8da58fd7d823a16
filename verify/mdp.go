// This file holds what a PDF's signatures permit later revisions to change
// (certification, DocMDP, and field locks, FieldMDP) and the object-by-
// object classification of the changes made after each signature.

package verify

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tamgasign/tamga/internal/pdf"
)

// Certification is the permission a certification signature (DocMDP,
// ISO 32000-2 §12.8.2.2) grants to later revisions.
type Certification struct {
	// Permissions is the DocMDP level: 1 no changes, 2 filling in existing
	// form fields and signing, 3 also annotations.
	Permissions int `json:"permissions"`
}

// FieldLock is a set of form fields that a signature locked (FieldMDP, or
// the /Lock of its signature field): their values may not change after it.
type FieldLock struct {
	Action string   `json:"action"` // "All", "Include" or "Exclude"
	Fields []string `json:"fields,omitempty"`
}

// mdpInfo is what the document's signatures permit.
type mdpInfo struct {
	level   int            // the certification's P, 0 without one
	cert    int            // index of the certification signature, -1 without one
	invalid map[int]string // signatures whose MDP data is malformed or not allowed, and why
	locks   [][]pdf.FieldLock
}

// readMDP reads the certification and the field locks of sigs (ordered by
// revision). A certification that is not exactly "the catalog's /Perms
// /DocMDP names the first signature, which carries one DocMDP transform" is
// invalid: the signature concerned fails, and the changes after every
// signature are judged at P=1, the strictest level, because a permission
// that cannot be read must not be granted.
func readMDP(f *pdf.File, sigs []pdf.Signature) *mdpInfo {
	m := &mdpInfo{cert: -1, invalid: map[int]string{}, locks: make([][]pdf.FieldLock, len(sigs))}
	latest := f.Latest()
	fields, _ := f.Fields(latest)
	docMDP := make([]int, len(sigs))
	for i, s := range sigs {
		t, err := f.Transforms(s.Revision, s.Dict)
		if err != nil {
			m.invalid[i] = "its /Reference (DocMDP or FieldMDP) cannot be read: " + err.Error()
			m.level = 1
			continue
		}
		docMDP[i] = t.DocMDP
		m.locks[i] = append(m.locks[i], t.Locks...)
		// The PDF 2.0 /Lock of the field this signature fills.
		for _, fd := range fields {
			if r, ok := fd.Value.(pdf.Ref); ok && fd.Type == "Sig" && r == s.Ref {
				l, err := f.FieldLockOf(s.Revision, fd.Dict)
				if err != nil {
					m.invalid[i] = "the /Lock of its field cannot be read: " + err.Error()
					continue
				}
				if l != nil {
					m.locks[i] = append(m.locks[i], *l)
				}
			}
		}
	}
	ref, found, err := f.Certification(latest)
	named := -1
	for i, s := range sigs {
		if found && s.Ref == ref {
			named = i
			break
		}
	}
	switch {
	case err != nil:
		m.level = 1
		m.invalid[max(named, 0)] = err.Error()
	case found && named != 0:
		m.level = 1
		m.invalid[max(named, 0)] = "the catalog's /Perms /DocMDP does not name the document's first signature"
	case found && docMDP[0] == 0:
		m.level = 1
		m.invalid[0] = "the catalog's /Perms names this signature, but it has no DocMDP transform"
	case found:
		m.cert = 0
		m.level = max(m.level, docMDP[0])
		if m.level != docMDP[0] {
			m.level = 1
		}
	}
	for i, p := range docMDP {
		if p != 0 && i != m.cert && m.invalid[i] == "" {
			m.invalid[i] = "it declares a certification (DocMDP), but only the first signature, named by the catalog's /Perms, may certify"
			m.level = 1
		}
	}
	return m
}

// annotate records signature i's certification and locks in its report,
// and fails it when its MDP data is invalid.
func (m *mdpInfo) annotate(sr *SignatureReport, i int) {
	if i == m.cert {
		sr.Certification = &Certification{Permissions: m.level}
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "PDF_CERTIFIED", "level", strconv.Itoa(m.level)))
	}
	for _, l := range m.locks[i] {
		sr.FieldLocks = append(sr.FieldLocks, FieldLock{Action: string(l.Action), Fields: l.Fields})
	}
	if why, ok := m.invalid[i]; ok {
		sr.fail(TotalFailed, FormatFailure)
		sr.Messages = append(sr.Messages, newMessage(LevelError, "PDF_CERTIFICATION_INVALID", "error", why))
	}
}

// locksAt returns the field locks made by the signatures up to and
// including revision rev.
func (m *mdpInfo) locksAt(sigs []pdf.Signature, rev int) []pdf.FieldLock {
	var ls []pdf.FieldLock
	for i, s := range sigs {
		if s.Revision <= rev {
			ls = append(ls, m.locks[i]...)
		}
	}
	return ls
}

// changeSummary is what changed after a signature, all of it allowed.
type changeSummary struct {
	what []string
	// overlays are additions that the rules permit but that draw on a
	// page: annotations at P=3 and new visible signature widgets. Each
	// keeps the signature from TOTAL_PASSED.
	overlays []Message
}

// The annotation flags (ISO 32000-2 §12.5.3) that decide whether an
// annotation is shown.
const (
	annotInvisible = 1
	annotHidden    = 2
	annotNoView    = 32
	annotToggle    = 256
	showFlags      = annotInvisible | annotHidden | annotNoView | annotToggle
)

// classifyChanges compares revision from with the newest under the
// permissions level (the certification's P, 0 without one) and locks, and
// returns what changed if all of it is allowed, or an error naming the
// first change that is not. The rules (see PDF for why):
//
//   - at every level: document time-stamps and validation data (DSS);
//     objects the final document cannot reach are passed over, except
//     signature dictionaries, which must be the value of a signature field;
//   - P=0 (no certification) and P=2, P=3: new signature fields and
//     signing existing empty ones (their /V, /AP and non-visibility /F
//     bits; never /Rect); a new field's widget that is visible is an
//     overlay;
//   - P=2 and P=3: filling in existing non-signature fields (/V, and /AS
//     and /AP of their widgets), unless a lock covers the field; a new
//     XMP /Metadata stream;
//   - P=3: new annotations, each an overlay;
//   - P=1: nothing else.
func classifyChanges(f *pdf.File, from, level int, locks []pdf.FieldLock) (*changeSummary, error) {
	latest := f.Latest()
	d, err := f.Diff(from, latest)
	if err != nil {
		return nil, err
	}
	docReach, dssReach, catRef, err := reachable(f)
	if err != nil {
		return nil, err
	}
	if len(d.Removed) > 0 {
		return nil, fmt.Errorf("objects were removed (%v)", d.Removed)
	}
	if len(d.TrailerChanged) > 0 {
		return nil, fmt.Errorf("the trailer changed (%v)", d.TrailerChanged)
	}
	at := func(rev int, ref pdf.Ref) (pdf.Object, error) {
		obj, err := f.ObjectAt(rev, ref)
		if err != nil {
			return nil, err
		}
		return obj.Value, nil
	}
	added, changed := refSet(d.Added), refSet(d.Changed)
	c := &classifier{f: f, from: from, latest: latest, level: level, added: added, changed: changed,
		okAdded: map[pdf.Ref]bool{}, okChanged: map[pdf.Ref]bool{}, appendable: map[pdf.Ref]bool{}, sigValues: map[pdf.Ref]bool{}}
	pages, err := f.Pages(latest)
	if err != nil {
		return nil, err
	}
	c.pageNo = map[pdf.Ref]int{}
	for i, p := range pages {
		c.pageNo[p.Ref] = i + 1
	}
	sum := &changeSummary{}
	if err := c.fields(locks, sum); err != nil {
		return nil, err
	}
	if err := c.annotations(pages, sum); err != nil {
		return nil, err
	}
	for _, root := range c.apRoots {
		// Objects new in this update that only an allowed appearance uses.
		err := f.Walk(latest, root, func(ref pdf.Ref, _ pdf.Object) error {
			if added[ref] {
				c.okAdded[ref] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	cat, _, err := f.Catalog(latest)
	if err != nil {
		return nil, err
	}
	metaRef, _ := cat.Get("Metadata").(pdf.Ref)
	sigs, dssData, metadata := 0, false, false
	for _, ref := range d.Added {
		v, err := at(latest, ref)
		if err != nil {
			return nil, err
		}
		if isSigDict(v) {
			// Reachable or not: a signature dictionary that no field holds
			// is an orphan (a spoofed signature waiting to be shown).
			if !c.sigValues[ref] {
				return nil, fmt.Errorf("signature dictionary %v was added that no signature field holds", ref)
			}
			if typeOf(v.(*pdf.Dict)) != "DocTimeStamp" && level == 1 {
				return nil, fmt.Errorf("a signature was added, but the certification permits no changes (P=1)")
			}
			sigs++
			continue
		}
		if c.okAdded[ref] {
			continue
		}
		if !docReach[ref] {
			dssData = dssData || dssReach[ref]
			continue
		}
		switch {
		case isRefArray(v):
			// Judged where it is used (appendsOnly).
		case level >= 2 && ref == metaRef && isXMP(v):
			metadata = true
		default:
			return nil, fmt.Errorf("object %v (%s) was added", ref, describe(v))
		}
	}

	for _, ref := range d.Changed {
		if c.okChanged[ref] {
			continue
		}
		if !docReach[ref] {
			dssData = dssData || dssReach[ref]
			continue
		}
		old, err := at(from, ref)
		if err != nil {
			return nil, err
		}
		cur, err := at(latest, ref)
		if err != nil {
			return nil, err
		}
		od, ok1 := old.(*pdf.Dict)
		nd, ok2 := cur.(*pdf.Dict)
		switch {
		case ok1 && ok2 && ref == catRef:
			allowed := []pdf.Name{"AcroForm", "DSS"}
			if level >= 2 && metaRef != (pdf.Ref{}) && !pdf.Equal(od.Get("Metadata"), nd.Get("Metadata")) {
				if mv, err := at(latest, metaRef); err == nil && isXMP(mv) {
					allowed = append(allowed, "Metadata")
					metadata = true
				}
			}
			if k := changedKeys(od, nd, allowed...); k != "" {
				return nil, fmt.Errorf("the document catalog changed (%s)", k)
			}
			// A direct AcroForm is checked here; an indirect one on its own.
			oa, _ := od.Get("AcroForm").(*pdf.Dict)
			na, _ := nd.Get("AcroForm").(*pdf.Dict)
			if (oa != nil || na != nil) && !pdf.Equal(oa, na) {
				if err := c.acroForm(oa, na); err != nil {
					return nil, err
				}
			}
		case ok1 && ok2 && typeOf(nd) == "Page":
			if k := changedKeys(od, nd, "Annots"); k != "" {
				return nil, fmt.Errorf("page object %v changed (%s)", ref, k)
			}
			if !appendsOnly(od.Get("Annots"), nd.Get("Annots"), c.appendable) {
				return nil, fmt.Errorf("the annotations of page object %v changed", ref)
			}
		case ok1 && ok2 && nd.Get("Fields") != nil && od.Get("Fields") != nil:
			if err := c.acroForm(od, nd); err != nil {
				return nil, err
			}
		case ok1 && ok2 && typeOf(nd) == "Font" && changedKeys(od, nd, "Name") == "":
			// Only the obsolete /Name (PDF 1.0), which no reader uses to
			// draw; Acrobat drops it when it rewrites the form's fonts.
		case !ok1 && !ok2:
			oa, ok1 := old.(pdf.Array)
			na, ok2 := cur.(pdf.Array)
			if !ok1 || !ok2 || !appendsOnly(oa, na, c.appendable) {
				return nil, fmt.Errorf("object %v (%s) changed", ref, describe(cur))
			}
		default:
			return nil, fmt.Errorf("object %v (%s) changed", ref, describe(cur))
		}
	}
	if sigs > 0 {
		sum.what = append(sum.what, strconv.Itoa(sigs)+" later signature(s)")
	}
	if c.filled > 0 {
		sum.what = append(sum.what, strconv.Itoa(c.filled)+" form field(s) filled in")
	}
	if c.annots > 0 {
		sum.what = append(sum.what, strconv.Itoa(c.annots)+" annotation(s)")
	}
	if metadata {
		sum.what = append(sum.what, "document metadata (XMP)")
	}
	if dssData {
		sum.what = append(sum.what, "validation data (DSS)")
	}
	if len(sum.what) == 0 {
		sum.what = append(sum.what, "nothing that changes the document")
	}
	return sum, nil
}

// classifier holds the state of one classifyChanges run.
type classifier struct {
	f                 *pdf.File
	from, latest      int
	level             int
	added, changed    map[pdf.Ref]bool
	okAdded           map[pdf.Ref]bool // added objects an allowed change accounts for
	okChanged         map[pdf.Ref]bool // changed objects an allowed change accounts for
	appendable        map[pdf.Ref]bool // what may be appended to /Annots and /Fields arrays
	sigValues         map[pdf.Ref]bool // the /V of every signature field of the newest revision
	apRoots           []pdf.Object     // appearances of allowed widgets and annotations
	pageNo            map[pdf.Ref]int
	filled, annots    int
	newFieldsByWidget map[pdf.Ref]string
}

// fields applies the rules for form fields: new signature fields, signing
// empty ones, and form filling.
func (c *classifier) fields(locks []pdf.FieldLock, sum *changeSummary) error {
	f := c.f
	oldFields, err := f.Fields(c.from)
	if err != nil {
		return err
	}
	newFields, err := f.Fields(c.latest)
	if err != nil {
		return err
	}
	old := map[pdf.Ref]pdf.Field{}
	for _, fd := range oldFields {
		old[fd.Ref] = fd
	}
	seen := map[pdf.Ref]bool{}
	c.newFieldsByWidget = map[pdf.Ref]string{}
	for _, nf := range newFields {
		seen[nf.Ref] = true
		if r, ok := nf.Value.(pdf.Ref); ok && nf.Type == "Sig" {
			c.sigValues[r] = true
		}
		widgets, err := c.widgetDicts(c.latest, nf)
		if err != nil {
			return err
		}
		of, existed := old[nf.Ref]
		if nf.Ref == (pdf.Ref{}) {
			// A direct field dictionary inside /Fields: any change to it is
			// a change to the AcroForm, which acroForm refuses.
			continue
		}
		if !existed {
			if nf.Type != "Sig" {
				return fmt.Errorf("form field %q was added; only signature fields may be added after signing", nf.Name)
			}
			if c.level == 1 {
				return fmt.Errorf("signature field %q was added, but the certification permits no changes (P=1)", nf.Name)
			}
			if err := c.sigValue(nf, nil); err != nil {
				return err
			}
			for _, ref := range append([]pdf.Ref{nf.Ref}, nf.Widgets...) {
				if !c.added[ref] {
					return fmt.Errorf("new signature field %q reuses object %v of the signed revision", nf.Name, ref)
				}
				c.okAdded[ref] = true
			}
			c.appendable[nf.Ref] = true
			for ref, w := range widgets {
				if w.Get("A") != nil || w.Get("AA") != nil {
					return fmt.Errorf("new signature field %q carries actions (/A or /AA)", nf.Name)
				}
				c.appendable[ref] = true
				c.newFieldsByWidget[ref] = nf.Name
				c.apRoots = append(c.apRoots, w.Get("AP"))
				if visible(w) {
					sum.overlays = append(sum.overlays, newMessage(LevelWarning, "PDF_SIGNATURE_FIELD_ADDED",
						"field", nf.Name, "page", c.pageOf(w), "rect", rectText(w)))
				}
			}
			continue
		}

		// An existing field: did anything of it change?
		objs := append([]pdf.Ref{nf.Ref}, nf.Widgets...)
		touched := false
		for _, r := range objs {
			touched = touched || c.changed[r]
		}
		valueRef, _ := nf.Value.(pdf.Ref)
		valueChanged := !pdf.Equal(of.Value, nf.Value) || valueRef != (pdf.Ref{}) && c.changed[valueRef]
		if !touched && !valueChanged {
			continue
		}
		oldWidgets, err := c.widgetDicts(c.from, of)
		if err != nil {
			return err
		}
		var allowed []pdf.Name
		if nf.Type == "Sig" {
			if !pdf.IsNull(of.Value) {
				return fmt.Errorf("signature field %q, signed before, was changed", nf.Name)
			}
			if pdf.IsNull(nf.Value) {
				return fmt.Errorf("empty signature field %q was changed without being signed", nf.Name)
			}
			if c.level == 1 {
				return fmt.Errorf("signature field %q was signed, but the certification permits no changes (P=1)", nf.Name)
			}
			if err := c.sigValue(nf, of.Dict); err != nil {
				return err
			}
			allowed = []pdf.Name{"V", "AP", "F"}
			if of.Dict.Get("Lock") == nil {
				allowed = append(allowed, "Lock")
			}
		} else {
			if c.level < 2 {
				if c.level == 0 {
					return fmt.Errorf("form field %q was filled in; only a certification with form filling (P=2 or 3) permits that", nf.Name)
				}
				return fmt.Errorf("form field %q was filled in, but the certification permits no changes (P=1)", nf.Name)
			}
			for _, l := range locks {
				if l.Locks(nf.Name) {
					return fmt.Errorf("form field %q is locked by an earlier signature and was changed", nf.Name)
				}
			}
			allowed = []pdf.Name{"V", "AS", "AP"}
			if valueRef != (pdf.Ref{}) {
				if c.changed[valueRef] {
					c.okChanged[valueRef] = true
				}
				if c.added[valueRef] {
					c.okAdded[valueRef] = true
				}
			}
			c.filled++
		}
		// The field dictionary and its widgets: only the allowed keys, and
		// /F only in ways that do not change whether it shows.
		for ref, nw := range widgets {
			ow, ok := oldWidgets[ref]
			if !ok {
				return fmt.Errorf("field %q has a widget %v that it did not have when signed", nf.Name, ref)
			}
			keys := allowed
			if ref != nf.Ref {
				keys = []pdf.Name{"AS", "AP", "F"}
				if nf.Type != "Sig" {
					keys = []pdf.Name{"AS", "AP"}
				}
			}
			if err := c.widgetChange(nf.Name, ow, nw, keys); err != nil {
				return err
			}
			c.apRoots = append(c.apRoots, nw.Get("AP"))
			c.okChanged[ref] = true
		}
		if _, isWidget := widgets[nf.Ref]; !isWidget {
			if k := changedKeys(of.Dict, nf.Dict, "V", "Lock"); k != "" {
				return fmt.Errorf("form field %q changed (%s)", nf.Name, k)
			}
			c.okChanged[nf.Ref] = true
		}
	}
	for _, of := range oldFields {
		if of.Ref != (pdf.Ref{}) && !seen[of.Ref] {
			return fmt.Errorf("form field %q was removed", of.Name)
		}
	}
	return nil
}

// sigValue checks that a signature field that gained a value holds a new
// signature dictionary, not something else (a form XObject, in the Sneaky
// Signature Attack samples), and not a dictionary of the signed revision.
func (c *classifier) sigValue(nf pdf.Field, _ *pdf.Dict) error {
	if pdf.IsNull(nf.Value) {
		return nil
	}
	r, ok := nf.Value.(pdf.Ref)
	if !ok {
		return fmt.Errorf("the value of signature field %q is not a reference to a signature dictionary", nf.Name)
	}
	v, err := c.f.ResolveAt(c.latest, r)
	if err != nil {
		return err
	}
	if !isSigDict(v) {
		return fmt.Errorf("the value of signature field %q is %s, not a signature dictionary", nf.Name, describe(v))
	}
	if !c.added[r] {
		return fmt.Errorf("signature field %q holds signature dictionary %v, which is not new", nf.Name, r)
	}
	return nil
}

// widgetChange checks one widget (or merged field and widget) of a field
// that was signed or filled in.
func (c *classifier) widgetChange(name string, ow, nw *pdf.Dict, allowed []pdf.Name) error {
	if k := changedKeys(ow, nw, allowed...); k != "" {
		return fmt.Errorf("field %q changed (%s)", name, k)
	}
	of, _ := ow.Get("F").(pdf.Int)
	nf, _ := nw.Get("F").(pdf.Int)
	if _, ok := nw.Get("F").(pdf.Int); !ok && nw.Get("F") != nil {
		return fmt.Errorf("field %q: its widget's /F is not an integer", name)
	}
	if of&showFlags != nf&showFlags {
		return fmt.Errorf("field %q: its widget was shown or hidden (/F %d to %d)", name, of, nf)
	}
	return nil
}

// widgetDicts returns the widget annotations of a field as of rev: the
// field itself when it is one, and its widget kids.
func (c *classifier) widgetDicts(rev int, fd pdf.Field) (map[pdf.Ref]*pdf.Dict, error) {
	out := map[pdf.Ref]*pdf.Dict{}
	if fd.Ref != (pdf.Ref{}) && (subtypeOf(fd.Dict) == "Widget" || len(fd.Widgets) == 0) {
		out[fd.Ref] = fd.Dict
	}
	for _, r := range fd.Widgets {
		v, err := c.f.ResolveAt(rev, r)
		if err != nil {
			return nil, err
		}
		d, ok := v.(*pdf.Dict)
		if !ok {
			return nil, fmt.Errorf("a widget of field %q is not a dictionary", fd.Name)
		}
		out[r] = d
	}
	return out, nil
}

// annotations applies the rules for the pages' annotation lists: nothing
// removed; added only the widgets of new signature fields and, at P=3, new
// annotations (each an overlay).
func (c *classifier) annotations(pages []pdf.Page, sum *changeSummary) error {
	f := c.f
	oldPages, err := f.Pages(c.from)
	if err != nil {
		return err
	}
	oldAnnots := map[pdf.Ref]map[pdf.Ref]bool{}
	for _, p := range oldPages {
		refs, err := annotRefs(f, c.from, p.Dict)
		if err != nil {
			return err
		}
		oldAnnots[p.Ref] = refSet(refs)
	}
	for i, p := range pages {
		refs, err := annotRefs(f, c.latest, p.Dict)
		if err != nil {
			return err
		}
		before := oldAnnots[p.Ref]
		now := refSet(refs)
		for r := range before {
			if !now[r] {
				return fmt.Errorf("annotation %v was removed from page %d", r, i+1)
			}
		}
		for _, r := range refs {
			if before[r] || c.newFieldsByWidget[r] != "" {
				continue
			}
			v, err := f.ResolveAt(c.latest, r)
			if err != nil {
				return err
			}
			a, ok := v.(*pdf.Dict)
			if !ok || !c.added[r] {
				return fmt.Errorf("object %v was put in the annotations of page %d", r, i+1)
			}
			st := subtypeOf(a)
			switch {
			case st == "Widget":
				return fmt.Errorf("a widget annotation %v that belongs to no new signature field was added to page %d", r, i+1)
			case c.level == 0:
				return fmt.Errorf("an annotation (/%s) was added to page %d; annotations may be added only where a certification permits them (P=3)", st, i+1)
			case c.level != 3:
				return fmt.Errorf("an annotation (/%s) was added to page %d, but the certification (P=%d) does not permit annotations", st, i+1, c.level)
			case a.Get("A") != nil || a.Get("AA") != nil:
				return fmt.Errorf("an annotation (/%s) with actions (/A or /AA) was added to page %d", st, i+1)
			}
			c.annots++
			c.okAdded[r] = true
			c.appendable[r] = true
			c.apRoots = append(c.apRoots, a.Get("AP"))
			sum.overlays = append(sum.overlays, newMessage(LevelWarning, "PDF_ANNOTATION_ADDED",
				"subtype", string(st), "page", strconv.Itoa(i+1), "rect", rectText(a)))
		}
	}
	return nil
}

// acroForm checks a changed AcroForm: only /Fields (new signature fields
// appended) and /SigFlags may change.
func (c *classifier) acroForm(od, nd *pdf.Dict) error {
	if od == nil || nd == nil {
		return errors.New("the AcroForm was added or removed")
	}
	if k := changedKeys(od, nd, "Fields", "SigFlags"); k != "" {
		return fmt.Errorf("the AcroForm changed (%s)", k)
	}
	if !appendsOnly(od.Get("Fields"), nd.Get("Fields"), c.appendable) {
		return errors.New("the AcroForm's fields changed")
	}
	return nil
}

func (c *classifier) pageOf(w *pdf.Dict) string {
	if r, ok := w.Get("P").(pdf.Ref); ok && c.pageNo[r] > 0 {
		return strconv.Itoa(c.pageNo[r])
	}
	return "?"
}

// annotRefs returns a page's /Annots as of rev.
func annotRefs(f *pdf.File, rev int, page *pdf.Dict) ([]pdf.Ref, error) {
	v, err := f.ResolveAt(rev, page.Get("Annots"))
	if err != nil {
		return nil, err
	}
	arr, _ := v.(pdf.Array)
	var refs []pdf.Ref
	for _, e := range arr {
		r, ok := e.(pdf.Ref)
		if !ok {
			return nil, errors.New("a page's /Annots holds a direct annotation")
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// visible reports whether a widget or annotation can show anything: a
// rectangle with an area, and no flag that hides it.
func visible(d *pdf.Dict) bool {
	if fl, ok := d.Get("F").(pdf.Int); ok && fl&(annotHidden|annotNoView) != 0 {
		return false
	}
	rect, ok := d.Get("Rect").(pdf.Array)
	if !ok || len(rect) != 4 {
		return true // unreadable: assume the worst
	}
	return !pdf.Equal(rect[0], rect[2]) && !pdf.Equal(rect[1], rect[3])
}

func rectText(d *pdf.Dict) string {
	rect, ok := d.Get("Rect").(pdf.Array)
	if !ok {
		return "?"
	}
	parts := make([]string, 0, len(rect))
	for _, v := range rect {
		switch n := v.(type) {
		case pdf.Int:
			parts = append(parts, strconv.FormatInt(int64(n), 10))
		case pdf.Real:
			parts = append(parts, strconv.FormatFloat(float64(n), 'f', -1, 64))
		default:
			parts = append(parts, "?")
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func refSet(refs []pdf.Ref) map[pdf.Ref]bool {
	m := make(map[pdf.Ref]bool, len(refs))
	for _, r := range refs {
		m[r] = true
	}
	return m
}

func subtypeOf(d *pdf.Dict) pdf.Name {
	n, _ := d.Get("Subtype").(pdf.Name)
	return n
}

func isXMP(v pdf.Object) bool {
	s, ok := v.(*pdf.Stream)
	return ok && typeOf(s.Dict) == "Metadata" && subtypeOf(s.Dict) == "XML"
}

func typeOf(d *pdf.Dict) pdf.Name {
	n, _ := d.Get("Type").(pdf.Name)
	return n
}

// isSigDict recognises a signature dictionary: /Type /Sig or
// /DocTimeStamp, or no /Type and a /ByteRange (writers may omit /Type).
func isSigDict(v pdf.Object) bool {
	d, ok := v.(*pdf.Dict)
	if !ok {
		return false
	}
	t := typeOf(d)
	return t == "Sig" || t == "DocTimeStamp" || d.Get("Type") == nil && d.Get("ByteRange") != nil
}

func isRefArray(v pdf.Object) bool {
	a, ok := v.(pdf.Array)
	if !ok {
		return false
	}
	for _, e := range a {
		if _, ok := e.(pdf.Ref); !ok {
			return false
		}
	}
	return true
}

// appendsOnly reports whether cur is old (an array, or absent) with only
// refs from allowed appended. Both may be direct arrays or references to
// them; an indirect array that changed is checked on its own.
func appendsOnly(old, cur pdf.Object, allowed map[pdf.Ref]bool) bool {
	if or, ok := old.(pdf.Ref); ok {
		cr, ok := cur.(pdf.Ref)
		return ok && or == cr
	}
	var oa pdf.Array
	if old != nil {
		a, ok := old.(pdf.Array)
		if !ok {
			return false
		}
		oa = a
	}
	// A new indirect array where there was none is refused: its contents
	// are not compared here, and signers write a direct array.
	ca, ok := cur.(pdf.Array)
	if !ok || len(ca) < len(oa) {
		return false
	}
	for i := range oa {
		if !pdf.Equal(oa[i], ca[i]) {
			return false
		}
	}
	for _, e := range ca[len(oa):] {
		ref, ok := e.(pdf.Ref)
		if !ok || !allowed[ref] {
			return false
		}
	}
	return true
}

// changedKeys lists the keys whose values differ between a and b, except
// those allowed.
func changedKeys(a, b *pdf.Dict, allowed ...pdf.Name) string {
	var diff []string
	seen := map[pdf.Name]bool{}
	for _, e := range a.Entries() {
		seen[e.Key] = true
		if slices.Contains(allowed, e.Key) {
			continue
		}
		if !pdf.Equal(e.Value, b.Get(e.Key)) {
			diff = append(diff, "/"+string(e.Key))
		}
	}
	for _, e := range b.Entries() {
		if !seen[e.Key] && !slices.Contains(allowed, e.Key) {
			diff = append(diff, "/"+string(e.Key))
		}
	}
	return strings.Join(diff, " ")
}

// describe names an object for a message.
func describe(v pdf.Object) string {
	switch o := v.(type) {
	case *pdf.Dict:
		if t := typeOf(o); t != "" {
			return "a /" + string(t) + " dictionary"
		}
		return "a dictionary"
	case *pdf.Stream:
		if t := typeOf(o.Dict); t != "" {
			return "a /" + string(t) + " stream"
		}
		return "a stream"
	case pdf.Array:
		return "an array"
	}
	return "a value"
}
