package sign

// This file holds the writer of the Document Security Store (ETSI EN 319
// 142-1 §5.4.2, ISO 32000-2 §12.8.4.3): the certificates, OCSP responses
// and CRLs that let a PDF's signatures be validated offline, and the VRI
// entries saying which of them belong to which signature.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/verify"
)

// addDSS writes in and an incremental update that adds vd to the
// document's DSS, with a VRI entry for the newest signature (the one vd
// was collected for).
func addDSS(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, vd *verify.ValidationData) error {
	f, err := pdf.Open(in, size, nil)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	sigs, _, err := f.Signatures()
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("sign: reading the signature just made: %w", err)
	}
	u, err := mergeDSS(ctx, f, vd, map[string]*verify.ValidationData{vriKey(sigs[len(sigs)-1].Contents): vd})
	if err != nil {
		return err
	}
	if u == nil { // all of it is in the DSS already
		_, err = io.Copy(out, contextReader{ctx, io.NewSectionReader(in, 0, size)})
	} else {
		_, err = u.Write(ctx, out)
	}
	if err != nil {
		return fmt.Errorf("sign: writing the PDF: %w", err)
	}
	return nil
}

// vriKey is the key of a signature's VRI entry: the SHA-1 digest of its
// /Contents bytes (as written, padding included) in upper-case hex
// (ISO 32000-2 §12.8.4.4). SHA-1 here only names an entry; nothing
// relies on it for security.
func vriKey(contents []byte) string {
	sum := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// mergeDSS prepares an incremental update of f whose Document Security
// Store keeps every entry of the present one (its other keys too) and adds
// the items of vd it does not hold yet, and a VRI entry for each signature
// in vri (by vriKey) listing its items. It returns nil when there is
// nothing new: an update that adds nothing would only grow the file.
func mergeDSS(ctx context.Context, f *pdf.File, vd *verify.ValidationData, vri map[string]*verify.ValidationData) (*pdf.Updater, error) {
	cat, catRef, err := f.Catalog(f.Latest())
	if err != nil {
		return nil, fmt.Errorf("sign: reading the PDF catalog: %w", err)
	}
	dss := pdf.NewDict()
	if old, err := f.Resolve(cat.Get("DSS")); err == nil {
		if d, ok := old.(*pdf.Dict); ok {
			dss = d.Clone()
		}
	}
	u := f.Update()
	added := 0
	// refs finds the stream of an item by its bytes, per DSS array.
	refs := map[pdf.Name]map[string]pdf.Object{}
	merge := func(key pdf.Name, items [][]byte) error {
		var arr pdf.Array
		have := map[string]pdf.Object{}
		refs[key] = have
		if old, err := f.Resolve(dss.Get(key)); err == nil {
			if a, ok := old.(pdf.Array); ok {
				arr = append(arr, a...)
				for _, e := range a {
					if st, err := f.Resolve(e); err == nil {
						if s, ok := st.(*pdf.Stream); ok {
							// An entry that cannot be decoded is kept
							// as it is; it just cannot match a new one.
							if data, err := f.Decode(s); err == nil {
								have[string(data)] = e
							}
						}
					}
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, it := range items {
			if _, ok := have[string(it)]; ok {
				continue
			}
			ref := u.Add(pdf.NewStream(pdf.NewDict(), it))
			have[string(it)] = ref
			arr = append(arr, ref)
			added++
		}
		if len(arr) > 0 {
			dss.Set(key, arr)
		}
		return nil
	}
	for _, m := range []struct {
		key   pdf.Name
		items [][]byte
	}{{"Certs", certBytes(vd)}, {"OCSPs", vd.OCSPResponses}, {"CRLs", vd.CRLs}} {
		if err := merge(m.key, m.items); err != nil {
			return nil, err
		}
	}

	if len(vri) > 0 {
		vriDict := pdf.NewDict()
		if old, err := f.Resolve(dss.Get("VRI")); err == nil {
			if d, ok := old.(*pdf.Dict); ok {
				vriDict = d.Clone()
			}
		}
		for _, key := range slices.Sorted(maps.Keys(vri)) {
			data := vri[key]
			if vriDict.Get(pdf.Name(key)) != nil {
				continue // an existing entry is kept as it is
			}
			entry := pdf.NewDict()
			for _, m := range []struct {
				dssKey, vriKey pdf.Name
				items          [][]byte
			}{{"Certs", "Cert", certBytes(data)}, {"OCSPs", "OCSP", data.OCSPResponses}, {"CRLs", "CRL", data.CRLs}} {
				var arr pdf.Array
				for _, it := range m.items {
					if ref, ok := refs[m.dssKey][string(it)]; ok {
						arr = append(arr, ref)
					}
				}
				if len(arr) > 0 {
					entry.Set(m.vriKey, arr)
				}
			}
			vriDict.Set(pdf.Name(key), entry)
			added++
		}
		dss.Set("VRI", vriDict)
	}

	if added == 0 {
		return nil, nil
	}
	cat = cat.Clone()
	cat.Set("DSS", u.Add(dss))
	if err := u.Set(catRef, cat); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return u, nil
}

// certBytes is the DER of vd's certificates.
func certBytes(vd *verify.ValidationData) [][]byte {
	out := make([][]byte, len(vd.Certificates))
	for i, c := range vd.Certificates {
		out[i] = c.Raw
	}
	return out
}
