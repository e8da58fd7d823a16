package registry

// This file starts a throw-away PostgreSQL cluster for the tests.

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tamgasign/tamga/internal/testtool"
)

// startPostgres runs initdb and pg_ctl from the Debian postgresql package
// on a unix socket in a temporary directory, and returns a DSN for it. The
// cluster is stopped and removed when the test ends. Root may not run
// PostgreSQL, so as root the server runs as the postgres user.
func startPostgres(t *testing.T) string {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		testtool.Missing(t, "pg_ctlcluster")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "tamga-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	dbUser := ""
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and there is no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		dbUser = "postgres"
		run = func(args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		}
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		dbUser = u.Username
	}
	data := filepath.Join(dir, "data")
	if out, err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", dbUser, "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := 20000 + os.Getpid()%20000
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -p %d -c fsync=off", dir, port)
	if out, err := run(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-w", "-l", filepath.Join(dir, "log"), "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		run(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop").Run()
	})
	return fmt.Sprintf("postgres://%s@/postgres?host=%s&port=%d&sslmode=disable", dbUser, dir, port)
}

// backends lists the back ends the tests run against: a fresh SQLite
// file, and a PostgreSQL cluster (skipped, or failed in CI, when PostgreSQL
// is missing).
var backends = []struct {
	name  string
	start func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "registry.db") }},
	{"postgres", startPostgres},
}
