package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

func TestDailyReportIsWrittenToTheReportDir(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(odoosim.New(odoosim.Options{}))
	t.Cleanup(srv.Close)
	cfg := config.Defaults()
	cfg.Odoo.URL, cfg.Odoo.Database, cfg.Odoo.Username = srv.URL, sandboxOdooDB, sandboxOdooUser
	cfg.Odoo.Password = config.Secret(sandboxOdooKey)
	cfg.Sweep.ReportDir = t.TempDir()
	oc, err := newOdooClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := connector.EnsureFields(ctx, oc, connector.DefaultFields()); err != nil {
		t.Fatal(err)
	}
	j, err := journal.OpenSQLite(ctx, filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	cs := compagosim.New(compagosim.Options{})
	csrv := httptest.NewServer(cs)
	t.Cleanup(csrv.Close)
	cc, err := compago.NewClient(csrv.URL, compagosim.DefaultAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := dailyReport(cfg, j, oc, cc, zerolog.Nop())(ctx); err != nil {
		t.Fatalf("daily report: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.Sweep.ReportDir, "reconcile-*.csv"))
	if len(files) != 1 {
		t.Fatalf("report files: %v, want one reconcile-<date>.csv", files)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(strings.SplitN(string(data), "\n", 2)[0], "order") {
		t.Errorf("the report has no header line:\n%s", data)
	}

	// An attempt the daemon saw cancelled, whose card Compago charged
	// afterwards: only Compago knows, and the daily report asks it.
	in, err := cc.Create(ctx, compago.CreateParams{Amount: 2500, ExternalID: "sandbox-7-1", TerminalCode: "TERMINAL-001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ChargeLate(in.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Insert(ctx, journal.Attempt{OrderID: 7, Seq: 1, ExternalID: "sandbox-7-1", IntentID: in.ID,
		Terminal: "TERMINAL-001", Amount: 2500, State: journal.Cancelled}); err != nil {
		t.Fatal(err)
	}
	if err := dailyReport(cfg, j, oc, cc, zerolog.Nop())(ctx); err != nil {
		t.Fatalf("daily report: %v", err)
	}
	data, _ = os.ReadFile(files[0])
	if !strings.Contains(string(data), "compago_disagrees") || !strings.Contains(string(data), in.ID) {
		t.Errorf("the daily report does not show the charge Compago made on a cancelled attempt:\n%s", data)
	}
}
