package registry

// Tests of the audit log's group commit, on every back end: concurrent
// checks all land, Close commits what was handed over, and an insert that
// fails reaches its own caller only.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// auditSubjects returns the subjects in the audit log since t0.
func auditSubjects(t *testing.T, r *Registry, t0 time.Time) map[string]bool {
	t.Helper()
	checks, err := r.Audit(context.Background(), t0)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, c := range checks {
		require.False(t, got[c.Subject], "recorded twice: %s", c.Subject)
		got[c.Subject] = true
	}
	return got
}

func TestAuditGroupCommit(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.start(t)
			t0 := time.Now().Add(-time.Second)

			t.Run("concurrent checks all land", func(t *testing.T) {
				r, err := Open(ctx, dsn)
				require.NoError(t, err)
				defer r.Close()
				const n = 300
				var wg sync.WaitGroup
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						errs[i] = r.RecordCheck(ctx, Check{Kind: "upload", Subject: fmt.Sprintf("land-%03d", i), Outcome: "TOTAL_PASSED", ClientHash: "h"})
					})
				}
				wg.Wait()
				want := map[string]bool{}
				for i, err := range errs {
					require.NoError(t, err)
					want[fmt.Sprintf("land-%03d", i)] = true
				}
				require.Equal(t, want, auditSubjects(t, r, t0))
				st, rec := r.audit.statements.Load(), r.audit.records.Load()
				t.Logf("%d records in %d statements", rec, st)
				require.Less(t, st, rec, "concurrent checks shared no commit")
			})

			t.Run("Close commits what was handed over", func(t *testing.T) {
				r, err := Open(ctx, dsn)
				require.NoError(t, err)
				const n = 200
				var wg sync.WaitGroup
				var done atomic.Int64
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						errs[i] = r.RecordCheck(ctx, Check{Kind: "upload", Subject: fmt.Sprintf("close-%03d", i), Outcome: "TOTAL_PASSED", ClientHash: "h"})
						done.Add(1)
					})
				}
				for done.Load() < n/4 { // close while the rest are on their way
					time.Sleep(100 * time.Microsecond)
				}
				require.NoError(t, r.Close())
				wg.Wait()
				require.ErrorIs(t, r.RecordCheck(ctx, Check{Kind: "upload", Subject: "late", Outcome: "X", ClientHash: "h"}), ErrClosed)

				r, err = Open(ctx, dsn)
				require.NoError(t, err)
				defer r.Close()
				got := auditSubjects(t, r, t0)
				committed := 0
				for i, err := range errs {
					s := fmt.Sprintf("close-%03d", i)
					switch {
					case err == nil:
						committed++
						require.True(t, got[s], "%s was reported committed but is not in the log", s)
					case errors.Is(err, ErrClosed):
						require.False(t, got[s], "%s was reported refused but is in the log", s)
					default:
						t.Fatalf("%s: %v", s, err)
					}
				}
				t.Logf("%d of %d checks committed before Close", committed, n)
			})

			t.Run("an insert error reaches its caller only", func(t *testing.T) {
				r, err := Open(ctx, dsn)
				require.NoError(t, err)
				defer r.Close()
				// The database refuses one subject; the others in the same
				// batch must still land.
				if r.d.name == "postgres" {
					_, err = r.db.ExecContext(ctx, `ALTER TABLE checks ADD CONSTRAINT test_refuse CHECK (subject <> 'refused')`)
				} else {
					_, err = r.db.ExecContext(ctx, `CREATE TRIGGER test_refuse BEFORE INSERT ON checks WHEN NEW.subject = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`)
				}
				require.NoError(t, err)
				const n = 64
				var wg sync.WaitGroup
				errs := make([]error, n)
				subject := func(i int) string {
					if i == n/2 {
						return "refused"
					}
					return fmt.Sprintf("mixed-%03d", i)
				}
				for i := range n {
					wg.Go(func() {
						errs[i] = r.RecordCheck(ctx, Check{Kind: "upload", Subject: subject(i), Outcome: "TOTAL_PASSED", ClientHash: "h"})
					})
				}
				wg.Wait()
				got := auditSubjects(t, r, t0)
				for i, err := range errs {
					if i == n/2 {
						require.Error(t, err)
						require.Contains(t, err.Error(), "registry: record check")
						require.False(t, got["refused"])
						continue
					}
					require.NoError(t, err, subject(i))
					require.True(t, got[subject(i)])
				}
			})
		})
	}
}

// BenchmarkRecordCheckParallel measures audit writes from 8×GOMAXPROCS
// goroutines on SQLite: the cost group commit shares out.
func BenchmarkRecordCheckParallel(b *testing.B) {
	r, err := Open(context.Background(), "sqlite:"+b.TempDir()+"/registry.db")
	require.NoError(b, err)
	defer r.Close()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.RecordCheck(context.Background(), Check{Kind: "upload", Subject: "0123456789abcdef", Outcome: "TOTAL_PASSED", ClientHash: "h"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(r.audit.records.Load())/float64(r.audit.statements.Load()), "records/commit")
}
