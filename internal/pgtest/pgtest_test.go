package pgtest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
)

// TestStart opens two databases on the shared cluster: both answer, they
// are separate, and the server listens on nothing but its private socket.
func TestStart(t *testing.T) {
	ctx := context.Background()
	a, b := Start(t), Start(t)
	require.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, "postgres://"), a)
	open := func(dsn string) *sql.DB {
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		require.NoError(t, db.PingContext(ctx))
		return db
	}
	dbA, dbB := open(a), open(b)
	_, err := dbA.ExecContext(ctx, "CREATE TABLE only_in_a (x int)")
	require.NoError(t, err)
	var n int
	require.NoError(t, dbB.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_a'").Scan(&n))
	require.Zero(t, n, "the second database sees the first one's table")
	var listen string
	require.NoError(t, dbA.QueryRowContext(ctx, "SHOW listen_addresses").Scan(&listen))
	require.Empty(t, listen, "the test server listens on TCP")
	st, err := os.Stat(shared.dir)
	require.NoError(t, err)
	require.True(t, st.IsDir())
}
