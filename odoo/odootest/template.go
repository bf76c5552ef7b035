package odootest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// setupRevision changes whenever the template's setup below changes, so
// that cached templates made by an older setup are not reused.
const setupRevision = "2"

// The database role Odoo runs as, and the admin of every database.
const (
	odooRole      = "odoo"
	AdminLogin    = "admin"
	AdminPassword = "admin"
)

// Shop holds the ids the Mexican-shop setup made in a template; every copy
// has the same.
type Shop struct {
	CompanyID       int64  `json:"company_id"`
	CurrencyID      int64  `json:"currency_id"` // MXN
	JournalID       int64  `json:"journal_id"`  // the bank journal "Compago"
	PaymentMethodID int64  `json:"payment_method_id"`
	ConfigID        int64  `json:"config_id"` // "Shop"
	SessionID       int64  `json:"session_id"`
	SessionName     string `json:"session_name"`
	ProductID       int64  `json:"product_id"` // for order lines
	APIKey          string `json:"api_key"`    // 19 only: scope rpc, no expiry
}

// template is one version's template database in this test binary.
type template struct {
	tree  *tree
	db    string
	shop  Shop
	built string // how it came: "built in 58s" or "restored in 9s"
}

var state struct {
	mu        sync.Mutex
	proc      *process
	pg        *pgtest.Server
	procErr   error
	templates map[string]*template
	skipped   []string
	dbSeq     int
	failed    bool // a test on a shared server failed: keep its log
}

// setup starts this binary's PostgreSQL and directories once.
func setup() (*process, error) {
	if state.proc != nil || state.procErr != nil {
		return state.proc, state.procErr
	}
	state.proc, state.procErr = startProcess()
	return state.proc, state.procErr
}

func startProcess() (*process, error) {
	if !isFile(python) {
		return nil, missing{fmt.Errorf("odootest: no %s", python)}
	}
	pg, err := pgtest.Start(context.Background())
	if err != nil {
		if strings.Contains(err.Error(), "no PostgreSQL binaries") {
			return nil, missing{err}
		}
		return nil, err
	}
	if err := pgtest.Exec(pg.DSN(), `CREATE ROLE `+odooRole+` LOGIN CREATEDB PASSWORD '`+odooRole+`'`); err != nil {
		pg.Stop()
		return nil, fmt.Errorf("odootest: create the odoo role: %w", err)
	}
	dataDir, err := os.MkdirTemp("", "compago-odoo-data-")
	if err != nil {
		pg.Stop()
		return nil, fmt.Errorf("odootest: %w", err)
	}
	logDir := filepath.Join(os.TempDir(), "compago-odoo-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		pg.Stop()
		return nil, fmt.Errorf("odootest: %w", err)
	}
	state.pg = pg
	return &process{pgDSN: pg.DSN(), dataDir: dataDir, logDir: logDir}, nil
}

// Stop stops what this test binary started (PostgreSQL, its directories)
// and prints which real-Odoo tests skipped and how to run them. Call it
// from TestMain after m.Run.
func Stop() {
	state.mu.Lock()
	defer state.mu.Unlock()
	stopShared(state.failed)
	if state.pg != nil {
		state.pg.Stop()
		state.pg = nil
	}
	if state.proc != nil {
		os.RemoveAll(state.proc.dataDir)
	}
	for _, v := range Versions {
		if t := state.templates[v]; t != nil {
			fmt.Fprintf(os.Stderr, "odootest: Odoo %s template %s\n", v, t.built)
		}
	}
	if len(state.skipped) > 0 {
		// One line: the top-level tests, not each version's subtest.
		var tests []string
		seen := map[string]bool{}
		for _, name := range state.skipped {
			top, _, _ := strings.Cut(name, "/")
			if !seen[top] {
				seen[top] = true
				tests = append(tests, top)
			}
		}
		say(fmt.Sprintf("odootest: real-Odoo tests skipped: %s; %s\n", strings.Join(tests, ", "), howTo))
	}
}

// say writes the skip summary where a contributor sees it: `go test ./...`
// shows nothing of a passing package's output, so the line goes to the
// terminal the tests run from (/dev/tty), and to stderr, where -v and a
// failing run show it, when there is no terminal.
func say(line string) {
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if _, err := tty.WriteString(line); err == nil {
			return
		}
	}
	fmt.Fprint(os.Stderr, line)
}

// templateFor returns the version's template, restoring it from the cache
// or building it (and caching it) on first use.
func templateFor(ctx context.Context, version string) (*process, *template, error) {
	tr, err := findTree(version)
	if err != nil {
		return nil, nil, err
	}
	p, err := setup()
	if err != nil {
		return nil, nil, err
	}
	if t := state.templates[version]; t != nil {
		return p, t, nil
	}
	t := &template{tree: tr, db: "compago_tmpl_" + strings.ReplaceAll(version, ".", "_")}
	if err := p.loadTemplate(ctx, t); err != nil {
		return nil, nil, err
	}
	if state.templates == nil {
		state.templates = map[string]*template{}
	}
	state.templates[version] = t
	return p, t, nil
}

// cacheKey names a template by what makes it: the tree's content, the
// PostgreSQL that dumped it and this setup.
func (p *process) cacheKey(tr *tree) string {
	return fmt.Sprintf("%s-%s-pg%s-r%s", tr.version, tr.hash[:16], pgMajor(), setupRevision)
}

func pgMajor() string {
	return filepath.Base(filepath.Dir(pgBin()))
}

func pgBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_restore")
	if len(dirs) == 0 {
		if p, err := exec.LookPath("pg_restore"); err == nil {
			return filepath.Dir(p)
		}
		return ""
	}
	best := dirs[0]
	for _, d := range dirs {
		if len(d) > len(best) || d > best {
			best = d
		}
	}
	return filepath.Dir(best)
}

// loadTemplate restores the cached template, or builds and caches it, all
// under the cache lock so that no two Odoo inits run at once.
func (p *process) loadTemplate(ctx context.Context, t *template) error {
	cache, err := cacheDir()
	if err != nil {
		return err
	}
	unlock, err := lockCache(cache)
	if err != nil {
		return err
	}
	defer unlock()
	dir := filepath.Join(cache, "templates", p.cacheKey(t.tree))
	start := time.Now()
	if isFile(filepath.Join(dir, "shop.json")) {
		if err := p.restore(ctx, t, dir); err != nil {
			return err
		}
		t.built = fmt.Sprintf("restored from %s in %s", dir, time.Since(start).Round(100*time.Millisecond))
		return nil
	}
	if err := p.build(ctx, t); err != nil {
		return err
	}
	t.built = fmt.Sprintf("built in %s", time.Since(start).Round(100*time.Millisecond))
	if err := p.save(ctx, t, cache, dir); err != nil {
		// A cache that cannot be written costs the next run an init, nothing more.
		fmt.Fprintf(os.Stderr, "odootest: template of %s not cached: %v\n", t.tree.version, err)
	}
	return nil
}

func (p *process) restore(ctx context.Context, t *template, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "shop.json"))
	if err != nil {
		return fmt.Errorf("odootest: %w", err)
	}
	if err := json.Unmarshal(b, &t.shop); err != nil {
		return fmt.Errorf("odootest: %s: %w", dir, err)
	}
	if err := pgtest.Exec(p.pgDSN, `CREATE DATABASE `+t.db+` OWNER `+odooRole); err != nil {
		return fmt.Errorf("odootest: create %s: %w", t.db, err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(pgBin(), "pg_restore"), "--no-owner", "-j", "2",
		"-d", p.dsnAs(odooRole, t.db), filepath.Join(dir, "db.dump"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("odootest: pg_restore of the %s template: %v\n%s", t.tree.version, err, tail(string(out)))
	}
	return copyDir(filepath.Join(dir, "filestore"), filepath.Join(p.dataDir, "filestore", t.db))
}

func (p *process) save(ctx context.Context, t *template, cache, dir string) error {
	if err := os.MkdirAll(filepath.Join(cache, "templates"), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Join(cache, "templates"), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, filepath.Join(pgBin(), "pg_dump"), "-Fc", "-Z1",
		"-f", filepath.Join(tmp, "db.dump"), p.dsnAs(odooRole, t.db))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_dump: %v\n%s", err, tail(string(out)))
	}
	if err := copyDir(filepath.Join(p.dataDir, "filestore", t.db), filepath.Join(tmp, "filestore")); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(t.shop, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "shop.json"), b, 0o644); err != nil {
		return err
	}
	os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}

// dsnAs is a URL for db as role.
func (p *process) dsnAs(role, db string) string {
	return strings.Replace(strings.Replace(p.pgDSN, "postgres@", role+"@", 1), "/postgres?", "/"+db+"?", 1)
}

// build installs point_of_sale, serves the database once to set the shop
// up through the external API, and makes the API key on 19.
func (p *process) build(ctx context.Context, t *template) error {
	logFile := filepath.Join(p.logDir, fmt.Sprintf("template-%s-%d.log", t.tree.version, os.Getpid()))
	if err := p.initDB(ctx, t.tree, t.db, logFile); err != nil {
		return err
	}
	s, err := p.serve(ctx, t.tree, t.db, logFile, serveOptions{})
	if err != nil {
		return err
	}
	r := &rpc{url: s.url, db: t.db, user: AdminLogin, password: AdminPassword}
	err = r.login(ctx)
	if err == nil {
		t.shop, err = configureShop(ctx, r, t.tree.major)
	}
	s.stop()
	if err != nil {
		return fmt.Errorf("odootest: set the %s template up as a Mexican shop: %w (log %s)", t.tree.version, err, logFile)
	}
	if t.tree.major >= 19 {
		if t.shop.APIKey, err = p.makeAPIKey(ctx, t.tree, t.db, logFile); err != nil {
			return err
		}
	}
	os.Remove(logFile)
	return nil
}

// makeAPIKey makes a key of scope rpc, without expiry, for admin, from
// odoo-bin shell: no RPC makes one without the browser's password check.
// 17 takes (scope, name); 18 and 19 also an expiration date, which only an
// administrator may leave empty.
func (p *process) makeAPIKey(ctx context.Context, tr *tree, db, logFile string) (string, error) {
	expiry := ", False"
	if tr.major < 18 {
		expiry = ""
	}
	code := "key = env['res.users.apikeys'].with_user(env.ref('base.user_admin'))._generate('rpc', 'compago tests'" + expiry + ")\n" +
		"env.cr.commit()\n" +
		"print('COMPAGO_API_KEY=' + key)\n"
	out, err := p.shell(ctx, tr, db, logFile, code)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "COMPAGO_API_KEY="); ok && k != "" {
			return k, nil
		}
	}
	return "", fmt.Errorf("odootest: odoo-bin shell printed no API key: %s", tail(out))
}
