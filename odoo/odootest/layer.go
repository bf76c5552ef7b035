package odootest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// layers are the layered templates of this test binary, by template and
// layer name; each is built once, by the first test asking for it, while
// the others wait for it.
var layers struct {
	mu    sync.Mutex
	built map[string]*layerDB
}

type layerDB struct {
	once sync.Once
	db   string
	err  error
}

var layerName = regexp.MustCompile(`[^a-z0-9]+`)

// layerFor returns the database of the layer on tmpl, building it on
// first use: a copy of the template, served once to run the layer's
// Setup, then stopped, so that it can be copied in turn.
func (p *process) layerFor(ctx context.Context, tmpl *template, l *Layer) (string, error) {
	if l.Name == "" || l.Setup == nil {
		return "", fmt.Errorf("odootest: a layer needs a name and a setup")
	}
	key := tmpl.db + "_" + strings.Trim(layerName.ReplaceAllString(strings.ToLower(l.Name), "_"), "_")
	layers.mu.Lock()
	if layers.built == nil {
		layers.built = map[string]*layerDB{}
	}
	ld := layers.built[key]
	if ld == nil {
		ld = &layerDB{db: key}
		layers.built[key] = ld
	}
	layers.mu.Unlock()
	ld.once.Do(func() { ld.err = p.buildLayer(ctx, tmpl, l, ld.db) })
	return ld.db, ld.err
}

func (p *process) buildLayer(ctx context.Context, tmpl *template, l *Layer, db string) error {
	start := time.Now()
	state.mu.Lock()
	err := pgtest.Exec(p.pgDSN, `CREATE DATABASE `+db+` TEMPLATE `+tmpl.db+` OWNER `+odooRole)
	state.mu.Unlock()
	if err != nil {
		return fmt.Errorf("odootest: copy the template for layer %q: %w", l.Name, err)
	}
	if err := copyDir(filepath.Join(p.dataDir, "filestore", tmpl.db), filepath.Join(p.dataDir, "filestore", db)); err != nil {
		return fmt.Errorf("odootest: copy the filestore for layer %q: %w", l.Name, err)
	}
	logFile := filepath.Join(p.logDir, fmt.Sprintf("%s_%s.log", db, salt))
	s, err := p.serve(ctx, tmpl.tree, db, logFile, serveOptions{})
	if err != nil {
		return err
	}
	o := &Odoo{
		URL: s.url, Database: db, Login: AdminLogin, Password: AdminPassword, APIKey: tmpl.shop.APIKey,
		Version: tmpl.tree.version, Major: tmpl.tree.major, Shop: tmpl.shop, LogFile: logFile,
		DSN: p.dsnAs("postgres", db),
	}
	o.rpc = &rpc{url: s.url, db: db, user: AdminLogin, password: AdminPassword}
	err = o.rpc.login(ctx)
	if err == nil {
		err = l.Setup(ctx, o)
	}
	s.stop()
	if err != nil {
		return fmt.Errorf("odootest: layer %q on Odoo %s: %w (log %s)", l.Name, tmpl.tree.version, err, logFile)
	}
	os.Remove(logFile)
	fmt.Fprintf(os.Stderr, "odootest: Odoo %s layer %q built in %s\n", tmpl.tree.version, l.Name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// The shared servers: one odoo-bin per version serves the databases of
// every test of the binary that needs no server of its own. Odoo serves
// many databases from one process (each its own registry, loaded at its
// first request), so a test pays a database copy and a registry load, not
// a Python process start. The filter admits the tests' copies only, never
// a template: a template with a connection open cannot be copied.
var shared struct {
	mu      sync.Mutex
	servers map[string]*sharedServer
}

type sharedServer struct {
	once sync.Once
	s    *server
	err  error
}

func (p *process) sharedServer(ctx context.Context, tmpl *template) (*server, error) {
	v := tmpl.tree.version
	shared.mu.Lock()
	if shared.servers == nil {
		shared.servers = map[string]*sharedServer{}
	}
	sh := shared.servers[v]
	if sh == nil {
		sh = &sharedServer{}
		shared.servers[v] = sh
	}
	shared.mu.Unlock()
	sh.once.Do(func() {
		ver := strings.ReplaceAll(v, ".", "_")
		filter := "^compago_" + ver + "_[0-9]+_" + salt + "$"
		logFile := filepath.Join(p.logDir, fmt.Sprintf("shared_%s_%s.log", ver, salt))
		sh.s, sh.err = p.serve(ctx, tmpl.tree, "", logFile, serveOptions{dbFilter: filter})
	})
	return sh.s, sh.err
}

// stopShared stops the shared servers, and removes their logs unless a
// test on them failed.
func stopShared(keepLogs bool) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, sh := range shared.servers {
		if sh.s == nil {
			continue
		}
		sh.s.stop()
		if keepLogs {
			fmt.Fprintf(os.Stderr, "odootest: shared Odoo server log: %s\n", sh.s.logFile)
		} else {
			os.Remove(sh.s.logFile)
		}
	}
	shared.servers = nil
}
