package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// simulators are the two simulators on loopback, as an admin's Odoo and
// Compago would be.
type simulators struct {
	odoo       *odoosim.Server
	compago    *compagosim.Server
	odooURL    string
	compagoURL string
}

func startSimulators(t *testing.T) *simulators {
	t.Helper()
	s := &simulators{odoo: odoosim.New(odoosim.Options{}), compago: compagosim.New(compagosim.Options{})}
	o, c := httptest.NewServer(s.odoo), httptest.NewServer(s.compago)
	t.Cleanup(o.Close)
	t.Cleanup(c.Close)
	s.odooURL, s.compagoURL = o.URL, c.URL
	return s
}

// writeConfig writes an admin's config file for the simulators, mode 0600,
// with http.addr and connector.terminals (YAML flow map) as given, and runs
// setup with it.
func (s *simulators) writeConfig(t *testing.T, httpAddr, terminals string) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`odoo:
  url: %s
  database: sandbox
  username: admin
  password: sandbox-api-key
  timeout: 1s
compago:
  base_url: %s
  api_key: sandbox-key
  poll_interval: 1s
connector:
  watch_interval: 250ms
  terminals: %s
store:
  path: %s
http:
  addr: %q
log:
  format: json
`, s.odooURL, s.compagoURL, terminals, filepath.Join(dir, "state", "journal.db"), httpAddr)
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"setup", "--config", file}, &out, io.Discard); err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	return file
}

// daemon is `compago-connector run` in-process.
type daemon struct {
	healthURL string
	logs      *syncBuffer
	done      chan error // the daemon's result, once it stopped
}

// startDaemon runs the daemon with the config file until the test ends
// and waits for its engine to start.
func startDaemon(t *testing.T, file string) *daemon {
	t.Helper()
	stop := make(chan struct{})
	d := startDaemonUntil(t, file, stop)
	t.Cleanup(func() {
		close(stop)
		if err := <-d.done; err != nil {
			t.Errorf("the daemon stopped with %v", err)
		}
	})
	return d
}

// startDaemonUntil runs the daemon until stop is closed (SIGTERM); its
// result arrives on d.done.
func startDaemonUntil(t *testing.T, file string, stop <-chan struct{}) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stop; cancel() }()
	pr, pw := io.Pipe()
	d := &daemon{logs: &syncBuffer{}, done: make(chan error, 1)}
	go func() {
		err := run(ctx, []string{"run", "--config", file}, io.Discard, io.MultiWriter(pw, d.logs))
		pw.Close()
		d.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for started := false; !started && sc.Scan(); {
		var line struct{ URL, Message string }
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.Message == "health and metrics listening" {
			d.healthURL = line.URL
		}
		started = line.Message == "engine started"
	}
	go io.Copy(io.Discard, pr)
	return d
}

// get returns the status and body of a GET.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
