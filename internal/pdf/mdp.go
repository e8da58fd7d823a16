// This file holds the readers of modification detection and prevention
// (MDP) data: the catalog's /Perms /DocMDP, a signature dictionary's
// /Reference transforms (DocMDP and FieldMDP, ISO 32000-2 §12.8.2), and a
// signature field's /Lock dictionary (§12.7.5.5). They are strict: what
// the verifier cannot read exactly is malformed, never guessed at, because
// a lax reading of a permission is a permission granted.

package pdf

import "fmt"

// FieldLock is a set of form fields whose values may not change once a
// signature is made: all of them, the named ones (Include), or all but
// the named ones (Exclude).
type FieldLock struct {
	Action Name     // "All", "Include" or "Exclude"
	Fields []string // fully qualified field names; unused for All
}

// Locks reports whether the field with the fully qualified name is locked.
// A lock on a field also locks its descendants ("a.b" locks "a.b.c").
func (l FieldLock) Locks(name string) bool {
	listed := false
	for _, n := range l.Fields {
		if name == n || len(name) > len(n) && name[:len(n)] == n && name[len(n)] == '.' {
			listed = true
			break
		}
	}
	switch l.Action {
	case "All":
		return true
	case "Include":
		return listed
	case "Exclude":
		return !listed
	}
	return true // unknown actions never reach here (readLock refuses them); lock rather than free
}

// Transforms is what a signature dictionary's /Reference array declares.
type Transforms struct {
	// DocMDP is the permission level P of a DocMDP transform (1, 2 or 3;
	// 2 when /P is absent, as the standard says), or 0 without one.
	DocMDP int
	// Locks are the FieldMDP transforms.
	Locks []FieldLock
}

// Transforms reads the /Reference array of the signature dictionary sig as
// of revision rev. A /Reference that is not an array of signature
// reference dictionaries, a transform method other than DocMDP, FieldMDP
// or UR3, a second DocMDP transform, or parameters out of range give
// ErrMalformed.
func (f *File) Transforms(rev int, sig *Dict) (Transforms, error) {
	var t Transforms
	v, err := f.resolve(rev, sig.Get("Reference"))
	if err != nil {
		return t, err
	}
	if IsNull(v) {
		return t, nil
	}
	arr, ok := v.(Array)
	if !ok {
		return t, malformed(-1, "the signature's /Reference is not an array")
	}
	for i, e := range arr {
		sr, err := f.dictAt(rev, e, "a /Reference entry")
		if err != nil {
			return t, err
		}
		if sr == nil {
			return t, malformed(-1, "/Reference entry %d is null", i)
		}
		if typ, ok := sr.Get("Type").(Name); !IsNull(sr.Get("Type")) && (!ok || typ != "SigRef") {
			return t, malformed(-1, "/Reference entry %d is not a /SigRef dictionary", i)
		}
		params, err := f.dictAt(rev, sr.Get("TransformParams"), "/TransformParams")
		if err != nil {
			return t, err
		}
		method, _ := sr.Get("TransformMethod").(Name)
		switch method {
		case "DocMDP":
			if t.DocMDP != 0 {
				return t, malformed(-1, "the signature has two DocMDP transforms")
			}
			t.DocMDP = 2
			if params != nil {
				p, err := f.resolve(rev, params.Get("P"))
				if err != nil {
					return t, err
				}
				if !IsNull(p) {
					n, ok := p.(Int)
					if !ok || n < 1 || n > 3 {
						return t, malformed(-1, "the DocMDP permission /P is not 1, 2 or 3")
					}
					t.DocMDP = int(n)
				}
			}
		case "FieldMDP":
			if params == nil {
				return t, malformed(-1, "a FieldMDP transform has no /TransformParams")
			}
			l, err := f.readLock(rev, params)
			if err != nil {
				return t, err
			}
			t.Locks = append(t.Locks, l)
		case "UR3", "UR":
			// Usage rights (reader extensions) restrict nothing.
		default:
			return t, malformed(-1, "unknown /TransformMethod %q in /Reference entry %d", string(method), i)
		}
	}
	return t, nil
}

// FieldLockOf reads a signature field's /Lock dictionary (PDF 2.0
// /SigFieldLock) as of revision rev: nil when there is none.
func (f *File) FieldLockOf(rev int, field *Dict) (*FieldLock, error) {
	d, err := f.dictAt(rev, field.Get("Lock"), "/Lock")
	if err != nil || d == nil {
		return nil, err
	}
	l, err := f.readLock(rev, d)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// readLock reads /Action and /Fields of a FieldMDP transform's parameters
// or of a /Lock dictionary.
func (f *File) readLock(rev int, d *Dict) (FieldLock, error) {
	var l FieldLock
	a, err := f.resolve(rev, d.Get("Action"))
	if err != nil {
		return l, err
	}
	action, _ := a.(Name)
	switch action {
	case "All", "Include", "Exclude":
	default:
		return l, malformed(-1, "a field lock's /Action is not /All, /Include or /Exclude")
	}
	l.Action = action
	fv, err := f.resolve(rev, d.Get("Fields"))
	if err != nil {
		return l, err
	}
	if IsNull(fv) {
		if action != "All" {
			return l, malformed(-1, "a field lock with /Action /%s has no /Fields", string(action))
		}
		return l, nil
	}
	arr, ok := fv.(Array)
	if !ok {
		return l, malformed(-1, "a field lock's /Fields is not an array")
	}
	for _, e := range arr {
		s, ok := e.(String)
		if !ok {
			return l, malformed(-1, "a field lock's /Fields holds a %s, not a text string", kindOf(e))
		}
		l.Fields = append(l.Fields, textString(s.Value))
	}
	return l, nil
}

// Certification returns the signature dictionary that the catalog's
// /Perms /DocMDP names as of revision rev (found false when there is
// none). /DocMDP must be an indirect reference: the permission is tied to
// one signature object, and a direct dictionary cannot be matched with a
// signature field's value.
func (f *File) Certification(rev int) (ref Ref, found bool, err error) {
	cat, _, err := f.Catalog(rev)
	if err != nil {
		return Ref{}, false, err
	}
	perms, err := f.dictAt(rev, cat.Get("Perms"), "/Perms")
	if err != nil || perms == nil {
		return Ref{}, false, err
	}
	v := perms.Get("DocMDP")
	if IsNull(v) {
		return Ref{}, false, nil
	}
	r, ok := v.(Ref)
	if !ok {
		return Ref{}, true, malformed(-1, "/Perms /DocMDP is not an indirect reference to a signature dictionary")
	}
	return r, true, nil
}

func kindOf(o Object) string {
	switch o.(type) {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Int, Real:
		return "number"
	case Name:
		return "name"
	case Array:
		return "array"
	case *Dict:
		return "dictionary"
	case *Stream:
		return "stream"
	case Ref:
		return "reference"
	}
	return fmt.Sprintf("%T", o)
}
