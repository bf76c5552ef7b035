package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/cmd/compago-connector/sandboxui"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// Sandbox credentials: the simulators' seed data (see their package docs).
const (
	sandboxCompagoKey = "sandbox-key"
	sandboxOdooDB     = "sandbox"
	sandboxOdooUser   = "admin"
	sandboxOdooKey    = "sandbox-api-key"
)

type sandboxFlags struct {
	compagoAddr, odooAddr, uiAddr string
	connector                     bool
	odooVersion                   int
	storePath                     string
	pollInterval, watchInterval   time.Duration
	lateChargeGrace               time.Duration
	logLevel, logFormat           string
	httpAddr                      string
}

const sandboxAbout = `Runs the Odoo and Compago simulators on loopback, the sandbox page that
drives them, and the connector daemon wired to them: a demo or development
setup that needs nothing else. Stop it with Ctrl-C. The simulators' control
APIs are in the README ("Sandbox").`

func parseSandboxFlags(args []string, stdout, stderr io.Writer) (sandboxFlags, error) {
	var f sandboxFlags
	c := newCommand("sandbox", "[flags]", sandboxAbout, stdout, stderr)
	fs := c.fs
	fs.StringVar(&f.compagoAddr, "compago-addr", "127.0.0.1:8070", "`address` of the Compago simulator (empty: off)")
	fs.StringVar(&f.odooAddr, "odoo-addr", "127.0.0.1:8069", "`address` of the Odoo simulator (empty: off)")
	fs.StringVar(&f.uiAddr, "ui-addr", "127.0.0.1:8080", "`address` of the sandbox page (empty: off)")
	fs.BoolVar(&f.connector, "connector", true, "run the connector daemon against the simulators")
	fs.IntVar(&f.odooVersion, "odoo-version", 18, "Odoo version the simulator behaves as: 16, 17, 18 or 19")
	// Flags that set one of the daemon's configuration keys are named as the key.
	fs.StringVar(&f.storePath, "store.path", "", "`file`: the daemon's journal (empty: a new temporary file)")
	fs.DurationVar(&f.pollInterval, "compago.poll_interval", 3*time.Second, "how often the daemon reads a pending intent")
	fs.DurationVar(&f.watchInterval, "connector.watch_interval", time.Second, "how often the daemon asks Odoo for flagged orders")
	fs.DurationVar(&f.lateChargeGrace, "compago.late_charge_grace", 5*time.Second, "how long an ended intent is still read and a new request of its order held (short in the sandbox so a retry is not kept waiting)")
	fs.StringVar(&f.httpAddr, "http.addr", "", "`address` of the daemon's health and metrics listener (empty: off, so the sandbox never clashes with an installed daemon on 127.0.0.1:9477)")
	fs.StringVar(&f.logLevel, "log.level", "info", "`level`: debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log.format", "console", "`format`: console or json")
	rest, err := c.parse(args)
	if err != nil {
		return f, err
	}
	if len(rest) > 0 {
		return f, c.usageError(fmt.Errorf("unexpected argument %q", rest[0]))
	}
	if f.connector && (f.compagoAddr == "" || f.odooAddr == "") {
		return f, c.usageError(errors.New("the connector needs both simulators; give --compago-addr and --odoo-addr, or --connector=false"))
	}
	switch f.odooVersion {
	case 16, 17, 18, 19:
	default:
		return f, c.usageError(fmt.Errorf("--odoo-version %d: want 16, 17, 18 or 19", f.odooVersion))
	}
	return f, nil
}

// runSandbox serves the simulators (and the daemon wired to them) until ctx
// ends.
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseSandboxFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	var servers []*http.Server
	var wg sync.WaitGroup
	serve := func(name, addr string, h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("%s: listen on %s: %w", name, addr, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error().Err(err).Str("server", name).Msg("stopped")
			}
		}()
		url := "http://" + ln.Addr().String()
		log.Info().Str("url", url).Msg(name + " listening")
		return url, nil
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(shutdownCtx)
		}
		wg.Wait()
	}()

	var compagoURL, odooURL string
	var compagoSim *compagosim.Server
	var odooSim *odoosim.Server
	if f.compagoAddr != "" {
		compagoSim = compagosim.New(compagosim.Options{})
		if compagoURL, err = serve("compago simulator", f.compagoAddr, compagoSim); err != nil {
			return err
		}
	}
	if f.odooAddr != "" {
		odooSim = odoosim.New(odoosim.Options{Version: f.odooVersion})
		if odooURL, err = serve(fmt.Sprintf("odoo %d simulator", f.odooVersion), f.odooAddr, odooSim); err != nil {
			return err
		}
	}
	switch {
	case f.uiAddr == "":
	case odooSim == nil || compagoSim == nil:
		log.Warn().Msg("sandbox page: off, it needs both simulators (--odoo-addr and --compago-addr)")
	default:
		page := sandboxui.New(sandboxui.Options{Odoo: odooSim, Compago: compagoSim, OdooURL: odooURL, CompagoURL: compagoURL})
		if _, err := serve("sandbox page", f.uiAddr, page); err != nil {
			return err
		}
	}
	if !f.connector {
		<-ctx.Done()
		log.Info().Msg("sandbox stopped")
		return nil
	}
	cfg, cleanup, err := sandboxConfig(f, odooURL, compagoURL)
	if err != nil {
		return err
	}
	defer cleanup()
	oc, err := newOdooClient(cfg)
	if err != nil {
		return err
	}
	if err := oc.Connect(ctx); err != nil {
		return fmt.Errorf("sandbox: connect to the Odoo simulator: %w", err)
	}
	if err := setupOdoo(ctx, oc, cfg, zerologWriter{log}); err != nil {
		return fmt.Errorf("sandbox: setup: %w", err)
	}
	log.Info().Str("journal", cfg.Store.Path).Msg("connector starting against the simulators")
	err = runEngine(ctx, cfg, log)
	log.Info().Msg("sandbox stopped")
	return err
}

// sandboxConfig is the daemon's configuration for the simulators.
func sandboxConfig(f sandboxFlags, odooURL, compagoURL string) (*config.Config, func(), error) {
	cfg := config.Defaults()
	cfg.Odoo.URL, cfg.Odoo.Database, cfg.Odoo.Username = odooURL, sandboxOdooDB, sandboxOdooUser
	cfg.Odoo.Password = config.Secret(sandboxOdooKey)
	cfg.Compago.BaseURL, cfg.Compago.APIKey = compagoURL, config.Secret(sandboxCompagoKey)
	cfg.Compago.PollInterval, cfg.Connector.WatchInterval = f.pollInterval, f.watchInterval
	cfg.Compago.LateChargeGrace = f.lateChargeGrace
	cfg.Connector.ExternalIDPrefix = sandboxOdooDB
	// The sandbox's page is in English: its cashier's sentences too.
	cfg.Connector.Language = "en"
	cfg.Log.Level, cfg.Log.Format = f.logLevel, f.logFormat
	cfg.HTTP.Addr = f.httpAddr
	cleanup := func() {}
	if f.storePath == "" {
		dir, err := os.MkdirTemp("", "compago-sandbox-")
		if err != nil {
			return nil, nil, fmt.Errorf("sandbox: journal directory: %w", err)
		}
		f.storePath = filepath.Join(dir, "journal.db")
		cleanup = func() { os.RemoveAll(dir) }
	}
	cfg.Store.Path = f.storePath
	if err := cfg.Validate(); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	return cfg, cleanup, nil
}

// zerologWriter turns setup's lines into log lines.
type zerologWriter struct{ log zerolog.Logger }

func (w zerologWriter) Write(p []byte) (int, error) {
	w.log.Info().Msg(string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}
