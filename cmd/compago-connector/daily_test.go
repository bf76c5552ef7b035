package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

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
	if err := dailyReport(cfg, j, oc, zerolog.Nop())(ctx); err != nil {
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
}
