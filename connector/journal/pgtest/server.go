// Package pgtest gives tests a real PostgreSQL: the server named by
// $COMPAGO_TEST_POSTGRES_DSN, or else a throwaway cluster started from the
// PostgreSQL binaries on the machine (Debian's postgresql package:
// /usr/lib/postgresql/<version>/bin), in a temporary directory, listening
// on a free loopback port, with trust authentication and fsync off. As
// root, initdb and postgres run as the postgres user, since PostgreSQL
// refuses to run as root.
//
// A test binary starts at most one cluster (Shared) and stops it from
// TestMain (StopShared); each test gets a fresh schema in it
// (FreshSchema). Tests that need their own server, to stop and start it,
// use Start.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a throwaway PostgreSQL cluster.
type Server struct {
	dir  string // holds data/, the socket and the log; removed by Stop
	bin  string // directory of initdb and postgres
	port int
	cred *syscall.Credential // the postgres user when we are root; nil otherwise
	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster exited
}

// startTimeout bounds initdb and a start until the server answers.
const startTimeout = 60 * time.Second

// Start creates a cluster in a new temporary directory and starts it.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if s.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if s.dir, err = os.MkdirTemp("", "compago-pg-"); err != nil {
		return nil, fmt.Errorf("pgtest: temporary directory: %w", err)
	}
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			s.remove()
			return nil, fmt.Errorf("pgtest: give %s to the postgres user: %w", s.dir, err)
		}
	}
	if err := s.initdb(ctx); err != nil {
		s.remove()
		return nil, err
	}
	for try := 0; ; try++ { // a free port can be taken between the probe and the bind
		if s.port, err = FreePort(); err == nil {
			err = s.Resume(ctx)
		}
		if err == nil || try == 2 {
			break
		}
	}
	if err != nil {
		s.remove()
		return nil, err
	}
	return s, nil
}

// findBin finds the directory of initdb and postgres: the newest Debian
// version, else whatever initdb is on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if d := filepath.Dir(p); isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("pgtest: no PostgreSQL binaries (initdb, postgres) under /usr/lib/postgresql/*/bin or on PATH: apt-get install postgresql, or set " + EnvDSN)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses root: no postgres user to run it as (%v)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// FreePort is a TCP port free on 127.0.0.1 now (another process may take
// it before it is used: callers retry on a bind failure).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// command runs a PostgreSQL binary as the cluster's user.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C", "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

func (s *Server) initdb(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	out, err := s.command(ctx, "initdb", "-D", s.data(), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, tail(string(out)))
	}
	return nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }
func (s *Server) log() string  { return filepath.Join(s.dir, "postgres.log") }

// Resume starts the postmaster (again, after Halt) and waits until it
// answers. If the test binary dies, the kernel sends the postmaster
// SIGQUIT, so no server outlives the tests.
func (s *Server) Resume(ctx context.Context) error {
	logf, err := os.OpenFile(s.log(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: server log: %w", err)
	}
	defer logf.Close()
	cmd := s.command(context.Background(), "postgres", "-D", s.data(), "-p", strconv.Itoa(s.port),
		"-k", s.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	return s.waitReady(ctx)
}

// waitReady polls until the server accepts a connection.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, s.DSN())
		ccancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", s.logTail())
		case <-ctx.Done():
			s.Halt()
			return fmt.Errorf("pgtest: postgres did not answer within %s: %v\n%s", startTimeout, err, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DSN is a URL for the postgres database as the postgres superuser.
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Halt stops the server (a fast shutdown) and keeps its data, so that
// Resume brings the same cluster back on the same port: a database outage.
func (s *Server) Halt() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	return nil
}

// Stop halts the server and removes its directory.
func (s *Server) Stop() error {
	s.Halt()
	return s.remove()
}

func (s *Server) remove() error { return os.RemoveAll(s.dir) }

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log())
	return tail(string(b))
}

// tail keeps the last lines of a log for an error message.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

func pgxConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgtest: parse the DSN: %w", err)
	}
	return cfg, nil
}
