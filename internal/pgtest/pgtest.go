// Package pgtest gives tests a real PostgreSQL database: a throw-away
// cluster from the Debian postgresql package's initdb and pg_ctl, on a unix
// socket in a temporary directory, started once per test binary and shared
// by its tests, each of which gets a fresh database.
//
// A real server rather than a mock or an embedded imitation, because what
// the registry must get right with PostgreSQL (its SQL dialect, unique
// constraints under concurrent opens, time zones) is exactly what a mock
// would assume.
//
// The cluster must not outlive the test binary, even one killed by a
// timeout panic, which skips every cleanup function and TestMain's tail.
// So it is watched by a small shell whose standard input is a pipe from
// the test binary: when the binary exits, however it exits, the kernel
// closes the pipe, and the shell stops the server and removes its
// directory. Tests need no TestMain and no cleanup of their own.
package pgtest

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tamgasign/tamga/internal/testtool"
)

// cluster is the test binary's one PostgreSQL server.
type cluster struct {
	bin    string // the directory of initdb, pg_ctl, createdb
	dir    string // the socket directory, holding the data directory
	user   string // the database superuser
	port   int
	asUser []string // the command prefix that runs a program as the server's owner
	// lifeline is the write end of the watcher's standard input. It is
	// never written or closed: the kernel closes it when the binary exits.
	// Holding it here also keeps its finalizer from closing it early.
	lifeline *os.File
}

var (
	once     sync.Once
	shared   *cluster
	startErr error
	missing  bool // the PostgreSQL programs are not installed
	dbSeq    atomic.Int64
)

// Start returns the DSN (a postgres:// URL) of a new, empty database on the
// shared cluster, starting the cluster on first use. When PostgreSQL is not
// installed the test is skipped, or failed when CI=true (testtool.Missing).
func Start(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, startErr = start() })
	if missing {
		testtool.Missing(t, "pg_ctlcluster")
	}
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name := fmt.Sprintf("tamga_test_%d", dbSeq.Add(1))
	out, err := exec.Command(filepath.Join(shared.bin, "createdb"), "-h", shared.dir, "-p", strconv.Itoa(shared.port),
		"-U", shared.user, name).CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: createdb %s: %v\n%s", name, err, out)
	}
	return shared.dsn(name)
}

func (c *cluster) dsn(db string) string {
	q := url.Values{"host": {c.dir}, "port": {strconv.Itoa(c.port)}, "sslmode": {"disable"}}
	return "postgres://" + url.User(c.user).String() + "@/" + db + "?" + q.Encode()
}

// start runs initdb and pg_ctl start. Root may not run PostgreSQL, so as
// root the server runs as the postgres user (runuser).
func start() (*cluster, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		missing = true
		return nil, errors.New("PostgreSQL is not installed")
	}
	// The glob sorts, so the last is the newest major version (the same
	// number of digits on any one machine's Debian).
	c := &cluster{bin: filepath.Dir(bins[len(bins)-1]), port: 5432}
	dir, err := os.MkdirTemp("", "tamga-pg-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as (apt-get install postgresql creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.user, c.asUser = "postgres", []string{"runuser", "-u", "postgres", "--"}
	} else {
		u, err := user.Current()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.user = u.Username
	}
	data := filepath.Join(dir, "data")
	// The watcher comes first, so that even a failed initdb leaves nothing.
	if err := c.watch(data); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if out, err := c.run("initdb", "-D", data, "-U", c.user, "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// No TCP: the socket in the private directory is the only way in.
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -p %d -c fsync=off -c full_page_writes=off -c synchronous_commit=off", dir, c.port)
	logFile := filepath.Join(dir, "log")
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-w", "-l", logFile, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return c, nil
}

// run returns the command that runs the named PostgreSQL program as the
// server's owner.
func (c *cluster) run(prog string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, prog)), args...)
	return exec.Command(argv[0], argv[1:]...)
}

// watch starts the shell that stops the server and removes dir once its
// standard input reaches end of file, that is once this process is gone.
// It runs in its own process group, so a Ctrl-C meant for the tests does
// not kill it before it has cleaned up, and writes nowhere that "go test"
// waits on.
func (c *cluster) watch(data string) error {
	stop := c.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command("sh", append([]string{"-c", `read -r _; if [ -f "$0/data/postmaster.pid" ]; then "$@"; fi; rm -rf -- "$0"`, c.dir}, stop.Args...)...)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("starting the cluster's watcher: %w", err)
	}
	r.Close()
	c.lifeline = w
	// Reap the watcher if it ever ends while we run; its exit status
	// does not matter.
	go cmd.Wait()
	return nil
}
