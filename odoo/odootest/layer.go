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
