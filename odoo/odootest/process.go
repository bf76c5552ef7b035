package odootest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// Timeouts of the slow steps.
const (
	initTimeout  = 15 * time.Minute // installing point_of_sale: about a minute, more on a loaded machine
	readyTimeout = 3 * time.Minute  // a server answering authenticate
	stopTimeout  = 20 * time.Second // a graceful stop before SIGKILL
)

// dbArgs are the connection flags of every odoo-bin run.
func (p *process) dbArgs() []string {
	u, _ := url.Parse(p.pgDSN)
	return []string{"--db_host=127.0.0.1", "--db_port=" + u.Port(), "--db_user=" + odooRole, "--db_password=" + odooRole}
}

// process is the shared part of every odoo-bin run of this test binary.
type process struct {
	pgDSN   string // the PostgreSQL server (superuser)
	dataDir string // --data-dir: filestore/<db>, sessions
	logDir  string // Odoo's logs
}

func (p *process) command(ctx context.Context, tr *tree, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, python, append([]string{"odoo-bin"}, args...)...)
	cmd.Dir = tr.dir
	// A clean environment: no PYTHONPATH or virtualenv of the machine's
	// user leaks into Debian's interpreter.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + p.dataDir, "LANG=C.UTF-8", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Stop the whole group (workers included) when ctx ends.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = stopTimeout
	return cmd
}

// demoArgs turns demo data off: 17 and 18 take a module list, 19 a
// boolean that is already off (and warns about "all").
func demoArgs(tr *tree) []string {
	if tr.major >= 19 {
		return nil
	}
	return []string{"--without-demo=all"}
}

// initDB installs point_of_sale into a new database.
func (p *process) initDB(ctx context.Context, tr *tree, db, logFile string) error {
	ctx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	args := append([]string{"-d", db, "-i", "point_of_sale"}, demoArgs(tr)...)
	args = append(args, p.dbArgs()...)
	args = append(args, "--max-cron-threads=0", "--http-interface=127.0.0.1", "--http-port=0",
		"--data-dir="+p.dataDir, "--logfile="+logFile, "--stop-after-init")
	cmd := p.command(ctx, tr, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("odootest: odoo-bin -i point_of_sale (%s) failed: %v\n%s\nlog %s:\n%s", tr.version, err, tail(out.String()), logFile, tailFile(logFile))
	}
	return nil
}

// shell runs Python code in odoo-bin shell on db and returns its stdout.
func (p *process) shell(ctx context.Context, tr *tree, db, logFile, code string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	args := append([]string{"shell", "-d", db}, p.dbArgs()...)
	args = append(args, "--no-http", "--max-cron-threads=0", "--data-dir="+p.dataDir, "--logfile="+logFile)
	cmd := p.command(ctx, tr, args...)
	cmd.Stdin = strings.NewReader(code)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("odootest: odoo-bin shell (%s) failed: %v\n%s\nlog %s:\n%s", tr.version, err, tail(errb.String()), logFile, tailFile(logFile))
	}
	return out.String(), nil
}

// server is one running odoo-bin serving one database.
type server struct {
	url     string
	logFile string
	cmd     *exec.Cmd
	done    chan struct{}
}

// serveOptions shape a server.
type serveOptions struct {
	workers       int
	limitTimeReal time.Duration
	addonsPath    []string
	dbFilter      string // with db "": serve every database it matches
}

// addonsArgs puts extra directories on the addons path after the tree's own.
func addonsArgs(tr *tree, extra []string) []string {
	if len(extra) == 0 {
		return nil
	}
	dirs := append([]string{filepath.Join(tr.dir, "odoo", "addons"), filepath.Join(tr.dir, "addons")}, extra...)
	return []string{"--addons-path=" + strings.Join(dirs, ",")}
}

// install runs odoo-bin -i modules on db and stops; with testTags it
// also runs those tests (Odoo's test runner) and reports a failed one.
func (p *process) install(ctx context.Context, tr *tree, db, logFile string, addonsPath, modules []string, testTags string) error {
	ctx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	args := append([]string{"-d", db, "-i", strings.Join(modules, ",")}, p.dbArgs()...)
	args = append(args, addonsArgs(tr, addonsPath)...)
	args = append(args, "--max-cron-threads=0", "--http-interface=127.0.0.1", "--http-port=0",
		"--data-dir="+p.dataDir, "--logfile="+logFile, "--stop-after-init")
	if testTags != "" {
		args = append(args, "--test-tags="+testTags)
	}
	cmd := p.command(ctx, tr, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("odootest: odoo-bin -i %s (%s) failed: %v\n%s\nlog %s:\n%s", strings.Join(modules, ","), tr.version, err, tail(out.String()), logFile, tailFile(logFile))
	}
	return nil
}

// serve starts odoo-bin on db on a free loopback port and waits until it
// logs admin in. A port taken between the probe and Odoo's bind is tried
// again on another.
func (p *process) serve(ctx context.Context, tr *tree, db, logFile string, opt serveOptions) (*server, error) {
	var err error
	for try := 0; try < 3; try++ {
		var s *server
		if s, err = p.serveOnce(ctx, tr, db, logFile, opt); err == nil {
			return s, nil
		}
		if !strings.Contains(tailFile(logFile), "Address already in use") {
			break
		}
	}
	return nil, err
}

func (p *process) serveOnce(ctx context.Context, tr *tree, db, logFile string, opt serveOptions) (*server, error) {
	port, err := pgtest.FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-d", db, "--db-filter=^" + db + "$"}
	if db == "" {
		args = []string{"--db-filter=" + opt.dbFilter}
	}
	args = append(args, p.dbArgs()...)
	args = append(args, addonsArgs(tr, opt.addonsPath)...)
	args = append(args, "--max-cron-threads=0", "--http-interface=127.0.0.1", "--http-port="+strconv.Itoa(port),
		"--data-dir="+p.dataDir, "--logfile="+logFile)
	if opt.workers > 0 {
		gport, err := pgtest.FreePort()
		if err != nil {
			return nil, err
		}
		limit := opt.limitTimeReal
		if limit <= 0 {
			limit = 120 * time.Second
		}
		args = append(args, "--workers="+strconv.Itoa(opt.workers),
			"--limit-time-real="+strconv.Itoa(int(limit.Seconds())), "--gevent-port="+strconv.Itoa(gport))
	}
	cmd := p.command(context.Background(), tr, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("odootest: start odoo-bin: %w", err)
	}
	s := &server{url: "http://127.0.0.1:" + strconv.Itoa(port), logFile: logFile, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, db); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, tail(out.String()))
	}
	return s, nil
}

// waitReady polls authenticate: it answers once the registry is loaded.
func (s *server) waitReady(ctx context.Context, db string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	r := &rpc{url: s.url, db: db, user: AdminLogin, password: AdminPassword}
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		if db == "" { // no database yet: the server answers
			_, last = r.call(cctx, "common", "version")
		} else {
			last = r.login(cctx)
		}
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("odootest: odoo-bin exited at start; log %s:\n%s", s.logFile, tailFile(s.logFile))
		case <-ctx.Done():
			return fmt.Errorf("odootest: odoo-bin did not answer within %s: %v; log %s:\n%s", readyTimeout, last, s.logFile, tailFile(s.logFile))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop asks the server's process group to stop, then kills it.
func (s *server) stop() {
	pid := s.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-s.done
	}
	// Workers outlive a killed master for a moment: make sure none is left
	// holding a connection to the database about to be dropped.
	syscall.Kill(-pid, syscall.SIGKILL)
}

// tail keeps the last lines of a log for an error message.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return strings.Join(lines, "\n")
}

func tailFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return tail(string(b))
}

// copyDir copies a directory tree of regular files (a filestore).
func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p == src {
				return nil // no filestore yet
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
