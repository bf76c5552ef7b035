package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/config"
)

// The simulators' credentials, which the daemon must never show.
var secrets = []string{sandboxCompagoKey, sandboxOdooKey}

// writeSecurityConfig writes a config for the simulators at log level
// debug, with the given credentials and file mode, and returns its path.
func (s *simulators) writeSecurityConfig(t *testing.T, odooPassword, compagoKey string, mode os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`odoo:
  url: %s
  database: sandbox
  username: admin
  password: %s
  timeout: 1s
compago:
  base_url: %s
  api_key: %s
  poll_interval: 1s
connector:
  watch_interval: 250ms
store:
  path: %s
http:
  addr: "127.0.0.1:0"
log:
  level: debug
  format: json
`, s.odooURL, odooPassword, s.compagoURL, compagoKey, filepath.Join(dir, "state", "journal.db"))
	if err := os.WriteFile(file, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil {
		t.Fatal(err)
	}
	return file
}

func assertNoSecret(t *testing.T, where, text string, secret ...string) {
	t.Helper()
	for _, s := range append(secret, secrets...) {
		if strings.Contains(text, s) {
			t.Errorf("a secret appears in %s", where)
		}
	}
}

// TestSecretsNeverInDebugLogsMetricsOrHealth pays two orders (one through
// a Compago outage) with the daemon at debug level and looks for the
// Compago API key and the Odoo password in its logs, /metrics, /readyz
// and /healthz.
func TestSecretsNeverInDebugLogsMetricsOrHealth(t *testing.T) {
	s := startSimulators(t)
	file := s.writeSecurityConfig(t, sandboxOdooKey, sandboxCompagoKey, 0o600)
	var out strings.Builder
	if err := run(context.Background(), []string{"setup", "--config", file}, &out, &out); err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	assertNoSecret(t, "the output of setup", out.String())
	d := startDaemon(t, file)

	// pay flags an order, lets the customer approve it, runs during
	// before it is written back, and waits for it to be paid.
	pay := func(terminal string, amount float64, during func()) {
		res, err := s.odoo.Exec("pos.order", "create", []any{map[string]any{
			"session_id": s.odoo.Seed().SessionID, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		id := toID(res)
		if _, err := s.odoo.Exec("pos.order", "write", []any{[]any{id}, map[string]any{
			"x_compago_state": "requested", "x_compago_terminal": terminal}}, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the intent on "+terminal, 15*time.Second, func() bool {
			_, err := s.compago.ApproveTerminal(terminal)
			return err == nil
		})
		during()
		waitFor(t, "the order paid", 20*time.Second, func() bool {
			res, _ := s.odoo.Exec("pos.order", "read", []any{[]any{id}, []any{"x_compago_state"}}, nil)
			rows, _ := res.([]any)
			return len(rows) == 1 && rows[0].(map[string]any)["x_compago_state"] == "paid"
		})
	}
	pay("TERMINAL-001", 120.50, func() {})
	// Compago fails every read for a while: the poller logs its errors
	// at debug level.
	pay("TERMINAL-002", 33.10, func() {
		s.compago.SetFaults(compagosim.Faults{ErrorRate: 1, Status: http.StatusServiceUnavailable})
		waitFor(t, "a debug line", 20*time.Second, func() bool { return strings.Contains(d.logs.String(), `"level":"debug"`) })
		s.compago.ClearFaults()
	})

	for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
		_, body := get(t, d.healthURL+path)
		assertNoSecret(t, path, body)
	}
	logs := d.logs.String()
	if !strings.Contains(logs, `"level":"debug"`) {
		t.Fatalf("the daemon logged nothing at debug level; the test proves nothing:\n%s", logs)
	}
	assertNoSecret(t, "the daemon's debug log", logs)
}

// TestSecretsNeverInErrorsOfRefusedCredentials starts the daemon and runs
// check with credentials both systems refuse: the errors and logs say
// which key is wrong without showing it.
func TestSecretsNeverInErrorsOfRefusedCredentials(t *testing.T) {
	s := startSimulators(t)
	const wrongPassword, wrongKey = "wrong-odoo-password-7c41", "wrong-compago-key-93ad"
	file := s.writeSecurityConfig(t, wrongPassword, wrongKey, 0o600)

	var stderr strings.Builder
	err := run(context.Background(), []string{"run", "--config", file}, io.Discard, &stderr)
	if err == nil {
		t.Fatal("the daemon started with an Odoo password Odoo refuses")
	}
	// The error is the log's last line ("stopped").
	if !strings.Contains(stderr.String(), "odoo.password") {
		t.Errorf("the log does not name the key to fix:\n%s", stderr.String())
	}
	assertNoSecret(t, "the error of run", err.Error(), wrongPassword, wrongKey)
	assertNoSecret(t, "the log of run", stderr.String(), wrongPassword, wrongKey)

	var stdout strings.Builder
	stderr.Reset()
	err = run(context.Background(), []string{"check", "--config", file}, &stdout, &stderr)
	if err == nil {
		t.Error("check passed with credentials both systems refuse")
	}
	assertNoSecret(t, "the output of check", stdout.String()+stderr.String()+fmt.Sprint(err), wrongPassword, wrongKey)
}

// TestSecretsNeverInFormattedValues prints the loaded configuration and
// both clients with every verb a panic message or a careless log would
// use.
func TestSecretsNeverInFormattedValues(t *testing.T) {
	s := startSimulators(t)
	file := s.writeSecurityConfig(t, sandboxOdooKey, sandboxCompagoKey, 0o600)
	cfg, _, err := loadConfig("run", []string{"--config", file}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := newOdooClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := newCompagoClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{cfg, *cfg, cfg.Odoo, cfg.Compago, oc, cc} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v))
		}
	}
	// A panic carries its value to stderr as %v does.
	func() {
		defer func() {
			r := recover()
			assertNoSecret(t, "a recovered panic of the config", fmt.Sprint(r))
		}()
		panic(cfg)
	}()
}

// TestClientsVerifyTLSCertificatesByDefault points both clients, built as
// the daemon builds them, at a server with a self-signed certificate:
// both must refuse it.
func TestClientsVerifyTLSCertificatesByDefault(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a client talked to a server whose certificate it cannot verify: %s %s", r.Method, r.URL.Path)
	}))
	defer srv.Close()
	cfg := config.Defaults()
	cfg.Odoo.URL, cfg.Odoo.Database, cfg.Odoo.Username, cfg.Odoo.Password = srv.URL, "db", "admin", config.Secret("x")
	cfg.Odoo.Timeout, cfg.Compago.Timeout = 5*time.Second, 5*time.Second
	cfg.Compago.BaseURL, cfg.Compago.APIKey = srv.URL, config.Secret("k")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	oc, err := newOdooClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Connect(ctx); !isCertificateError(err) {
		t.Errorf("Odoo client against a self-signed certificate: got %v, want a certificate error", err)
	}
	cc, err := newCompagoClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Get(ctx, "00000000-0000-0000-0000-000000000000"); !isCertificateError(err) {
		t.Errorf("Compago client against a self-signed certificate: got %v, want a certificate error", err)
	}
}

func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	return err != nil && (errors.As(err, &verify) || errors.As(err, &unknown) || strings.Contains(err.Error(), "certificate"))
}

// TestHealthListenerBindsLoopbackByDefault: an admin who sets nothing
// exposes /metrics to this machine only.
func TestHealthListenerBindsLoopbackByDefault(t *testing.T) {
	addr := config.Defaults().HTTP.Addr
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("default http.addr %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default http.addr is %q; want a loopback address", addr)
	}
}

// TestConfigReadableByOthersIsWarnedAtStart: a config file holding the
// secrets with mode 0644 starts, with a warning that says chmod 600.
func TestConfigReadableByOthersIsWarnedAtStart(t *testing.T) {
	s := startSimulators(t)
	file := s.writeSecurityConfig(t, sandboxOdooKey, sandboxCompagoKey, 0o644)
	_, warnings, err := loadConfig("run", []string{"--config", file}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(warnings, "\n")
	if !strings.Contains(text, "chmod 600") {
		t.Errorf("a config file with secrets readable by others gave the warnings %q; want one that says chmod 600", warnings)
	}
	assertNoSecret(t, "the warnings", text)
}
