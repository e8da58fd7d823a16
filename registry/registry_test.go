package registry

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var issueDay = time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC)

func testDoc(number string) Document {
	return Document{
		Number: number, Type: 101, Issuer: "GRS", HolderName: "Асанова Айгүл Бакытбековна",
		IssueDate: issueDay, PDFSHA256: sha256.Sum256([]byte(number)), SealKeyID: "0011223344556677",
	}
}

func TestBackends(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.start(t)
			// Several servers may open a new database at once.
			var wg sync.WaitGroup
			openErrs := make([]error, 4)
			for i := range openErrs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := Open(ctx, dsn)
					if err == nil {
						r.Close()
					}
					openErrs[i] = err
				}()
			}
			wg.Wait()
			for _, err := range openErrs {
				require.NoError(t, err)
			}
			r, err := Open(ctx, dsn)
			require.NoError(t, err)
			t.Cleanup(func() { r.Close() })

			t.Run("register and look up", func(t *testing.T) {
				code, err := r.Register(ctx, testDoc("20250417000123"))
				require.NoError(t, err)
				require.Len(t, code, CodeLen)
				doc, err := r.Lookup(ctx, "20250417000123", code)
				require.NoError(t, err)
				assert.Equal(t, StatusIssued, doc.Status)
				assert.Equal(t, "GRS", doc.Issuer)
				assert.Equal(t, uint16(101), doc.Type)
				assert.Equal(t, issueDay, doc.IssueDate)
				assert.Equal(t, sha256.Sum256([]byte("20250417000123")), doc.PDFSHA256)
				// Codes are accepted as people type them.
				_, err = r.Lookup(ctx, "20250417000123", " "+code[:4]+"-"+code[4:]+" ")
				require.NoError(t, err)

				_, err = r.Register(ctx, testDoc("20250417000123"))
				require.ErrorIs(t, err, ErrExists)
			})
			t.Run("unknown number and wrong code look the same", func(t *testing.T) {
				_, err := r.Register(ctx, testDoc("555"))
				require.NoError(t, err)
				_, errWrong := r.Lookup(ctx, "555", "AAAAAAAAAAAA")
				_, errUnknown := r.Lookup(ctx, "556", "AAAAAAAAAAAA")
				_, errBad := r.Lookup(ctx, "55a'; DROP TABLE documents; --", "AAAAAAAAAAAA")
				for _, err := range []error{errWrong, errUnknown, errBad} {
					require.ErrorIs(t, err, ErrNotFound)
					assert.Equal(t, ErrNotFound.Error(), err.Error())
				}
			})
			t.Run("annul", func(t *testing.T) {
				code, err := r.Register(ctx, testDoc("777"))
				require.NoError(t, err)
				require.NoError(t, r.Annul(ctx, "777", "issued in error"))
				require.ErrorIs(t, r.Annul(ctx, "777", "again"), ErrAlreadyAnnulled)
				require.ErrorIs(t, r.Annul(ctx, "778", "x"), ErrNotFound)
				var fe *FieldError
				require.ErrorAs(t, r.Annul(ctx, "777", ""), &fe)
				assert.Equal(t, "reason", fe.Field)

				doc, err := r.Lookup(ctx, "777", code)
				require.NoError(t, err)
				assert.Equal(t, StatusAnnulled, doc.Status)
				assert.Equal(t, "issued in error", doc.Reason)
				doc, err = r.Show(ctx, "777")
				require.NoError(t, err)
				require.Len(t, doc.History, 2)
				assert.Equal(t, EventIssued, doc.History[0].Kind)
				assert.Equal(t, EventAnnulled, doc.History[1].Kind)
				assert.Equal(t, "issued in error", doc.History[1].Reason)
			})
			t.Run("invalid documents", func(t *testing.T) {
				for _, tc := range []struct {
					field string
					edit  func(*Document)
				}{
					{"Number", func(d *Document) { d.Number = "" }},
					{"Number", func(d *Document) { d.Number = "12A" }},
					{"Number", func(d *Document) { d.Number = "123456789012345678901234567890123" }},
					{"Issuer", func(d *Document) { d.Issuer = "" }},
					{"HolderName", func(d *Document) { d.HolderName = "\xff\xfe" }},
					{"IssueDate", func(d *Document) { d.IssueDate = time.Time{} }},
				} {
					d := testDoc("900")
					tc.edit(&d)
					_, err := r.Register(ctx, d)
					var fe *FieldError
					require.ErrorAs(t, err, &fe, tc.field)
					assert.Equal(t, tc.field, fe.Field)
					require.ErrorIs(t, err, ErrInvalid)
				}
			})
			t.Run("audit", func(t *testing.T) {
				since := time.Now().Add(-time.Second)
				h := r.ClientHash("203.0.113.7")
				require.NotContains(t, h, "203.0.113.7")
				require.Equal(t, h, r.ClientHash("203.0.113.7"))
				require.NotEqual(t, h, r.ClientHash("203.0.113.8"))
				require.NoError(t, r.RecordCheck(ctx, Check{Kind: "lookup", Subject: "555", Outcome: "UNKNOWN", ClientHash: h}))
				require.NoError(t, r.RecordCheck(ctx, Check{Kind: "upload", Subject: "ab12", Outcome: "TOTAL_PASSED", ClientHash: h}))
				checks, err := r.Audit(ctx, since)
				require.NoError(t, err)
				require.Len(t, checks, 2)
				assert.Equal(t, "lookup", checks[0].Kind)
				assert.Equal(t, h, checks[1].ClientHash)
				later, err := r.Audit(ctx, time.Now().Add(time.Hour))
				require.NoError(t, err)
				assert.Empty(t, later)
				require.ErrorIs(t, r.RecordCheck(ctx, Check{Kind: "lookup"}), ErrInvalid)
			})
			t.Run("concurrent registrations", func(t *testing.T) {
				var wg sync.WaitGroup
				errs := make([]error, 8)
				for i := range errs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[i] = r.Register(ctx, testDoc("4242"))
					}()
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if err == nil {
						ok++
					} else {
						require.ErrorIs(t, err, ErrExists)
					}
				}
				require.Equal(t, 1, ok)
			})
			t.Run("reopen is idempotent and keeps secrets", func(t *testing.T) {
				r2, err := Open(ctx, dsn)
				require.NoError(t, err)
				defer r2.Close()
				assert.Equal(t, r.ClientHash("x"), r2.ClientHash("x"))
				var n int
				require.NoError(t, r2.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&n))
				ms, _ := migrations()
				assert.Equal(t, len(ms), n)
				_, err = r2.Show(ctx, "777")
				require.NoError(t, err)
			})
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"", "mysql://x", "sqlite:", "sqlite:/tmp/x?mode=ro", "/tmp/file.db"} {
		_, err := Open(ctx, dsn)
		require.ErrorIs(t, err, ErrDSN, dsn)
	}
	_, err := OpenWith(ctx, "sqlite:"+t.TempDir()+"/r.db", &Options{ClientSalt: []byte("short")})
	require.ErrorIs(t, err, ErrInvalid)
	r, err := OpenWith(ctx, "sqlite:"+t.TempDir()+"/r.db", &Options{ClientSalt: []byte("0123456789abcdef")})
	require.NoError(t, err)
	r2, err := OpenWith(ctx, "sqlite:"+t.TempDir()+"/r2.db", &Options{ClientSalt: []byte("0123456789abcdef")})
	require.NoError(t, err)
	assert.Equal(t, r.ClientHash("a"), r2.ClientHash("a"), "a configured salt is used")
	r.Close()
	r2.Close()
	_, err = Open(ctx, "postgres://nobody@/x?host=/nonexistent-dir&connect_timeout=1")
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrDSN))
}

func TestMaskName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Асанова Айгүл Бакытбековна", "А****** А**** Б."},
		{"  Асанова   Айгүл  ", "А****** А****"},
		{"Өмүрбек", "Ө******"},
		{"Smith John", "S**** J***"},
		{"", ""},
		{"Ұлан Әлиұлы Нұрланұлы Жанкелді", "Ұ*** Ә***** Н******** Ж."},
		{"\xff\xfe abc", "** a**"},
	} {
		assert.Equal(t, tc.want, MaskName(tc.in), tc.in)
	}
}
