package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// sandbox runs `compago-connector sandbox` in-process on free ports and
// returns the URLs it logged.
type sandbox struct {
	urls   map[string]string // log message → url
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startSandbox(t *testing.T, args ...string) *sandbox {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	sb := &sandbox{urls: map[string]string{}, cancel: cancel, done: make(chan error, 1), logs: &syncBuffer{}}
	base := []string{"sandbox", "--compago-addr=127.0.0.1:0", "--odoo-addr=127.0.0.1:0", "--ui-addr=", "--log.format=json",
		"--compago.poll_interval=1s", "--connector.watch_interval=250ms", "--store.path=" + filepath.Join(t.TempDir(), "journal.db")}
	go func() {
		err := run(ctx, append(base, args...), io.Discard, io.MultiWriter(pw, sb.logs))
		pw.Close()
		sb.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-sb.done; err != nil {
			t.Errorf("sandbox stopped with %v", err)
		}
	})
	want := 2
	if slices.Contains(args, "--compago-addr=") {
		want = 1
	}
	engine := !slices.Contains(args, "--connector=false")
	sc := bufio.NewScanner(pr)
	go func() { // keep draining after the URLs are known
		<-ctx.Done()
		io.Copy(io.Discard, pr)
	}()
	// Ready when both simulators said where they listen and, with the
	// connector, the engine said it started (setup is done by then).
	for (len(sb.urls) < want || engine) && sc.Scan() {
		var line struct {
			URL     string `json:"url"`
			Message string `json:"message"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.URL != "" {
			sb.urls[line.Message] = line.URL
		}
		if line.Message == "engine started" {
			engine = false
		}
	}
	go io.Copy(io.Discard, pr)
	if len(sb.urls) < want {
		t.Fatalf("sandbox did not say where it listens; logs:\n%s", sb.logs.String())
	}
	return sb
}

func (sb *sandbox) url(prefix string) string {
	for msg, u := range sb.urls {
		if strings.HasPrefix(msg, prefix) {
			return u
		}
	}
	return ""
}

func postJSON(t *testing.T, url string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return out
}

// odooCall is the README's `odoo` shell function.
func odooCall(t *testing.T, odooURL string, args ...any) any {
	t.Helper()
	out := postJSON(t, odooURL+"/jsonrpc", map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": "object", "method": "execute_kw",
			"args": append([]any{"sandbox", 2, "sandbox-api-key"}, args...)}})
	if e, ok := out["error"]; ok {
		t.Fatalf("odoo %v: %v", args[:2], e)
	}
	return out["result"]
}

func TestSandboxReadmeFlowPaysAnOrder(t *testing.T) {
	sb := startSandbox(t)
	odooURL, compagoURL := sb.url("odoo"), sb.url("compago")
	id := odooCall(t, odooURL, "pos.order", "create", []any{map[string]any{"session_id": 2, "amount_total": 350.5,
		"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"}})
	read := func() map[string]any {
		rows := odooCall(t, odooURL, "pos.order", "read", []any{[]any{id}},
			map[string]any{"fields": []any{"state", "x_compago_state", "x_compago_intent_id", "x_compago_message"}}).([]any)
		return rows[0].(map[string]any)
	}
	waitState := func(want string) map[string]any {
		deadline := time.Now().Add(20 * time.Second)
		var o map[string]any
		for time.Now().Before(deadline) {
			if o = read(); o["x_compago_state"] == want {
				return o
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("order never %s: %v\nlogs:\n%s", want, o, sb.logs.String())
		return nil
	}
	waitState("pending")
	resp, err := http.Post(compagoURL+"/sim/terminals/TERMINAL-001/approve", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve on the virtual terminal: %s", resp.Status)
	}
	o := waitState("paid")
	if o["state"] != "paid" {
		t.Errorf("order state %v, want paid", o["state"])
	}
}

func TestSandboxWithoutConnectorServesTheSimulators(t *testing.T) {
	sb := startSandbox(t, "--connector=false")
	req, _ := http.NewRequest(http.MethodPost, sb.url("compago")+"/api/payment-intent",
		strings.NewReader(`{"amount": 350.50, "currency": "MXN", "externalId": "order_12345_pos", "terminalCode": "TERMINAL-001"}`))
	req.Header.Set("x-api-key", "sandbox-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var in map[string]any
	json.NewDecoder(resp.Body).Decode(&in)
	if resp.StatusCode != http.StatusCreated || in["status"] != "PENDING" || in["externalId"] != "order_12345_pos" {
		t.Fatalf("the document's create example answered %s %v", resp.Status, in)
	}
}

func TestVersionSaysWhatBuildThisIs(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "compago-connector ") {
		t.Fatalf("version printed %q", out.String())
	}
}

func TestCheckAgainstTheSandboxSaysOKForEveryCheck(t *testing.T) {
	sb := startSandbox(t, "--connector=false")
	odooURL, compagoURL := sb.url("odoo"), sb.url("compago")
	// setup first, as the admin would.
	cfgFile := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`odoo:
  url: %s
  database: sandbox
  username: admin
  password: sandbox-api-key
compago:
  base_url: %s
  api_key: sandbox-key
store:
  path: %s
`, odooURL, compagoURL, filepath.Join(t.TempDir(), "j.db"))), 0o600)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"setup", "--config", cfgFile}, &out, io.Discard); err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"setup", "--config", cfgFile}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "already present") {
		t.Fatalf("setup run twice must change nothing: %v\n%s", err, out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"check", "--config", cfgFile}, &out, io.Discard)
	if err != nil || strings.Contains(out.String(), "FAIL") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	for _, want := range []string{"odoo login", "fields", "payment method", "compago key"} {
		if !strings.Contains(out.String(), "OK   "+want) {
			t.Errorf("check output lacks an OK line for %s:\n%s", want, out.String())
		}
	}
	// A wrong Compago key is one FAIL line and exit code 1.
	data, _ := os.ReadFile(cfgFile)
	wrongFile := filepath.Join(t.TempDir(), "wrong.yaml")
	os.WriteFile(wrongFile, bytes.Replace(data, []byte("api_key: sandbox-key"), []byte("api_key: wrong-key-value"), 1), 0o600)
	out.Reset()
	err = run(context.Background(), []string{"check", "--config", wrongFile}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "FAIL compago key") {
		t.Fatalf("check with a wrong key: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "wrong-key-value") {
		t.Errorf("check printed the secret:\n%s", out.String())
	}
}

// Odoo's documented Python xmlrpc.client flow (version, authenticate,
// search_read, create, write, fields_get) and a raw JSON-RPC flow work
// unchanged against `sandbox --compago-addr= --ui-addr= --connector=false`.
func TestPythonOdooClientsWorkAgainstTheSandbox(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: cannot run the Python client flow")
	}
	sb := startSandbox(t, "--connector=false", "--compago-addr=")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "../../odoo/odoosim/testdata/xmlrpc_flow.py", sb.url("odoo"), "sandbox").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("the Python client flow against the sandbox failed: %v\n%s", err, out)
	}
}
