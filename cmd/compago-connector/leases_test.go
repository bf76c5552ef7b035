package main

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/config"
)

// The leases the operator configures are the ones the engine uses: a
// group on PostgreSQL with raised timeouts gets the longer leases it was
// told to use, not the engine's built-in ones.
func TestEngineGetsTheConfiguredLeases(t *testing.T) {
	cfg := config.Defaults()
	cfg.Connector.PollLease = 41 * time.Second
	cfg.Connector.CreateLease = 4 * time.Minute
	cfg.Connector.SyncLease = 7 * time.Minute
	cfg.Connector.WatchLease = 50 * time.Second
	ec := engineConfig(cfg, zerolog.Nop())
	got := [4]time.Duration{ec.PollLease, ec.CreateLease, ec.SyncLease, ec.WatchLease}
	want := [4]time.Duration{41 * time.Second, 4 * time.Minute, 7 * time.Minute, 50 * time.Second}
	if got != want {
		t.Fatalf("engine leases (poll, create, sync, watch) = %v, want the configured %v", got, want)
	}
}
