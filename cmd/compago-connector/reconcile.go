package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/reconcile"
)

const reconcileAbout = `Every Compago payment attempt of the window as the journal, Odoo and Compago
see it (Compago is asked about every attempt that ended without a recorded
charge; with --refresh, about every intent), and every discrepancy: a charge without its
payment line, a Compago payment line nobody charged, an amount that differs,
an outcome not known, an order left flagged, a payment parked for a human,
Odoo behind the journal, Compago disagreeing with the journal.

It only reads, and runs beside the daemon: the journal is opened read-only.`

// runReconcile prints the report and exits 1 when anything does not match.
func runReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var since, format string
	var refresh bool
	var grace time.Duration
	c := newCommand("reconcile", "[--since 24h] [--format table|csv|json] [--refresh] [--config FILE]", reconcileAbout, stdout, stderr)
	c.fs.StringVar(&since, "since", "24h", "`window`: a duration back from now (90m, 24h, 7d), a date (2026-11-25, local midnight) or an RFC 3339 time")
	c.fs.StringVar(&format, "format", "table", "`format`: table, csv or json")
	c.fs.BoolVar(&refresh, "refresh", false, "also ask Compago about every intent of the window")
	c.fs.DurationVar(&grace, "grace", 0, "how long the daemon may take to settle work before it counts (0: sweep.stuck_after, at least 5m)")
	c.withConfig()
	if err := parseConfigCommand(c, args); err != nil {
		return err
	}
	cfg, warnings, err := c.loadConfig()
	if err != nil {
		return c.failed(err)
	}
	printWarnings(stderr, warnings)
	now := time.Now()
	start, err := parseSince(since, now)
	if err != nil {
		return c.usageError(err)
	}
	if format != reconcile.FormatTable && format != reconcile.FormatCSV && format != reconcile.FormatJSON {
		return c.usageError(fmt.Errorf("--format %q: want table, csv or json", format))
	}
	if grace <= 0 {
		grace = max(cfg.Sweep.StuckAfter, 5*time.Minute)
	}
	r, closeAll, err := newReconciler(ctx, cfg, grace, refresh)
	if err != nil {
		return c.failed(err)
	}
	defer closeAll()
	rep, err := r.Run(ctx, start, now)
	if err != nil {
		return c.failed(err)
	}
	if err := reconcile.Write(stdout, rep, format); err != nil {
		return c.failed(err)
	}
	if !rep.Clean() {
		if format != reconcile.FormatTable { // the table says it itself
			fmt.Fprintln(stderr, reconcile.Count(len(rep.Discrepancies), "discrepancy", "discrepancies"))
		}
		return exitCode(1)
	}
	return nil
}

// newReconciler opens the journal read-only and connects to Odoo and to
// Compago (asked about every attempt that ended without a recorded charge,
// or about every intent when refreshing).
func newReconciler(ctx context.Context, cfg *config.Config, grace time.Duration, refresh bool) (*reconcile.Reconciler, func(), error) {
	j, err := openAdminJournal(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	oc, err := newOdooClient(cfg)
	if err != nil {
		j.Close()
		return nil, nil, err
	}
	if err := oc.Connect(ctx); err != nil {
		j.Close()
		return nil, nil, fmt.Errorf("connect to Odoo at %s: %w", config.RedactURL(cfg.Odoo.URL), err)
	}
	cc, err := newCompagoClient(cfg)
	if err != nil {
		j.Close()
		return nil, nil, err
	}
	r, err := reconcile.New(reconcile.Config{
		PaymentMethod: cfg.Connector.PaymentMethod,
		Fields:        connector.DefaultFields().WithOverrides(cfg.Connector.Fields),
		Grace:         grace, Refresh: refresh, AskEnded: true,
	}, j, oc, cc)
	if err != nil {
		j.Close()
		return nil, nil, err
	}
	return r, func() { j.Close() }, nil
}

// parseSince reads --since: a duration back from now (Go syntax, or whole
// days as "7d"), a date (midnight, local time) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, now.Location()); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (24h, 7d), a date (2026-11-25) or an RFC 3339 time", s)
}

// printWarnings shows the configuration's warnings (a file others can
// read) on an admin command's stderr.
func printWarnings(stderr io.Writer, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
}
