package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/odoo"
)

const runAbout = `The daemon: watches Odoo for orders flagged for a card payment, creates
the Compago payment intents, follows them on the terminals and records each
charged card as one payment in Odoo. systemd runs it (compago-connector.service);
it stops cleanly on SIGTERM or Ctrl-C, finishing the work in flight.`

// parseConfigCommand parses the flags of a command that takes only the
// configuration's. The error is an exitCode once the usage said why.
func parseConfigCommand(c *command, args []string) error {
	return c.noArgs(c.parse(args))
}

func runDaemon(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("run", "[--config FILE] [--KEY VALUE ...]", runAbout, stdout, stderr).withConfig()
	if err := parseConfigCommand(c, args); err != nil {
		return err
	}
	cfg, warnings, err := c.loadConfig()
	if err != nil {
		return c.failed(err)
	}
	log, err := newLogger(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return c.failed(err)
	}
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	log.Info().Str("version", buildVersion()).Str("odoo", config.RedactURL(cfg.Odoo.URL)).Str("database", cfg.Odoo.Database).
		Str("compago", config.RedactURL(cfg.Compago.BaseURL)).Str("journal", cfg.Store.Path).Msg("starting")
	// The last line says the daemon stopped, and why when it was not asked
	// to: an admin reading the log's tail knows it is not still running.
	if err := runEngine(ctx, cfg, log); err != nil {
		log.Error().Err(err).Msg("stopped")
		return exitCode(2)
	}
	log.Info().Msg("stopped")
	return nil
}

// runEngine opens the journal, connects the clients and runs the engine
// until ctx ends.
func runEngine(ctx context.Context, cfg *config.Config, log zerolog.Logger) error {
	j, err := openJournal(ctx, cfg)
	if err != nil {
		return err
	}
	defer j.Close()
	ops, err := startOperations(ctx, cfg, j, log)
	if err != nil {
		return err
	}
	defer ops.stop()
	oc, err := newOdooClient(cfg)
	if err != nil {
		return err
	}
	cc, err := newCompagoClient(cfg)
	if err != nil {
		return err
	}
	ops.ready(config.RedactURL(cfg.Odoo.URL))
	if err := connectOdoo(ctx, oc, log); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	ec := engineConfig(cfg, log)
	ec.Observer = ops.observer
	ec.Shared = cfg.Store.Driver == "postgres"
	// The journal's identity goes in Odoo's record of who works the
	// database: a daemon with another journal is refused (worksite.go).
	if ec.JournalID, err = j.Identity(ctx); err != nil {
		return err
	}
	if cfg.Sweep.ReportDir != "" {
		ec.DailyReport, ec.DailySchedule = dailyReport(cfg, j, oc, cc, log), cfg.Sweep.ReportSchedule
	}
	eng, err := connector.New(ec, j, oc, cc)
	if err != nil {
		return err
	}
	ops.engineStarting()
	return eng.Run(ctx)
}

// openJournal opens the journal of store.driver: SQLite, locked to this
// process, or PostgreSQL, shared by every daemon of the group.
func openJournal(ctx context.Context, cfg *config.Config) (journal.Journal, error) {
	if cfg.Store.Driver == "postgres" {
		j, err := journal.OpenPostgres(ctx, cfg.Store.DSN.Value(), journal.Options{})
		if err != nil {
			return nil, fmt.Errorf("open the journal (store.dsn): %w", err)
		}
		return j, nil
	}
	j, err := journal.OpenSQLite(ctx, cfg.Store.Path, journal.Options{})
	if err != nil {
		return nil, fmt.Errorf("open the journal (store.path): %w", err)
	}
	return j, nil
}

// openAdminJournal opens the journal for the admin commands beside a
// running daemon: SQLite read-only (no lock, no migration), or the shared
// PostgreSQL journal, which several processes use by design.
func openAdminJournal(ctx context.Context, cfg *config.Config) (journal.Journal, error) {
	if cfg.Store.Driver == "postgres" {
		return openJournal(ctx, cfg)
	}
	j, err := journal.OpenSQLiteReadOnly(ctx, cfg.Store.Path, journal.Options{})
	if err != nil {
		return nil, fmt.Errorf("open the journal (store.path): %w", err)
	}
	return j, nil
}

func newOdooClient(cfg *config.Config) (*odoo.Client, error) {
	c, err := odoo.New(odoo.Config{
		URL: cfg.Odoo.URL, Database: cfg.Odoo.Database, Username: cfg.Odoo.Username,
		Password: cfg.Odoo.Password.Value(), Protocol: odoo.Protocol(cfg.Odoo.Protocol),
		Timeout: cfg.Odoo.Timeout, UserAgent: userAgent(),
	})
	if err != nil {
		return nil, fmt.Errorf("odoo client: %w", err)
	}
	return c, nil
}

func newCompagoClient(cfg *config.Config) (*compago.Client, error) {
	c, err := compago.NewClient(cfg.Compago.BaseURL, cfg.Compago.APIKey.Value(),
		compago.WithTimeout(cfg.Compago.Timeout), compago.WithUserAgent(userAgent()))
	if err != nil {
		return nil, fmt.Errorf("compago client: %w", err)
	}
	return c, nil
}

func engineConfig(cfg *config.Config, log zerolog.Logger) connector.Config {
	return connector.Config{
		PaymentMethod:    cfg.Connector.PaymentMethod,
		WatchInterval:    cfg.Connector.WatchInterval,
		PollInterval:     cfg.Compago.PollInterval,
		MaxPolls:         cfg.Compago.MaxPolls,
		Terminals:        cfg.Connector.Terminals,
		ExternalIDPrefix: cfg.Connector.ExternalIDPrefix,
		Language:         connector.Lang(cfg.Connector.Language),
		Fields:           connector.DefaultFields().WithOverrides(cfg.Connector.Fields),
		SweepSchedule:    cfg.Sweep.Schedule,
		Retention:        cfg.Sweep.Retention,
		StuckAfter:       cfg.Sweep.StuckAfter,
		OdooTimeout:      cfg.Odoo.Timeout,
		LateCommitWindow: cfg.Odoo.LimitTimeReal,
		LateChargeGrace:  cfg.Compago.LateChargeGrace,
		// Used only when the journal is shared (PostgreSQL); config
		// checked each outlives the calls made under it.
		PollLease:   cfg.Connector.PollLease,
		CreateLease: cfg.Connector.CreateLease,
		SyncLease:   cfg.Connector.SyncLease,
		WatchLease:  cfg.Connector.WatchLease,
		Logger:      log,
	}
}

// connectOdoo logs in, retrying while Odoo is unreachable (it may start
// after us); bad credentials end the start at once.
func connectOdoo(ctx context.Context, c *odoo.Client, log zerolog.Logger) error {
	wait := time.Second
	for {
		err := c.Connect(ctx)
		if err == nil {
			log.Info().Str("protocol", string(c.Protocol())).Str("odoo_version", c.Version().Serie).
				Int64("uid", c.UID()).Msg("connected to Odoo")
			return nil
		}
		if errors.Is(err, odoo.ErrBadCredentials) || odoo.IsAccessDenied(err) {
			return fmt.Errorf("odoo login refused (odoo.username, odoo.password): %w", err)
		}
		log.Warn().Err(err).Stringer("retry_in", wait).Msg("cannot reach Odoo yet")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// dailyReport writes the day's reconciliation report into sweep.report_dir
// and logs what it found.
func dailyReport(cfg *config.Config, j journal.Journal, oc *odoo.Client, cc reconcile.Compago, log zerolog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		// Compago is asked about every attempt of the day that ended without
		// a recorded charge: a charge that landed after the daemon gave an
		// intent up (late, after a cancel, or after an answer it could not
		// trust) shows nowhere else.
		r, err := reconcile.New(reconcile.Config{
			PaymentMethod: cfg.Connector.PaymentMethod,
			Fields:        connector.DefaultFields().WithOverrides(cfg.Connector.Fields),
			Grace:         max(cfg.Sweep.StuckAfter, 5*time.Minute),
			AskEnded:      true,
		}, j, oc, cc)
		if err != nil {
			return err
		}
		path, err := reconcile.WriteDaily(ctx, r, cfg.Sweep.ReportDir, time.Now())
		if err != nil {
			return err
		}
		log.Info().Str("path", path).Msg("daily reconciliation report written")
		return nil
	}
}
