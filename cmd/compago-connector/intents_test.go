package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// adminWorld is an install as the admin finds it: Odoo and Compago (the
// simulators on loopback), the daemon running on its journal, and a config
// file the admin commands read.
type adminWorld struct {
	t          *testing.T
	odoo       *odoosim.Server
	compago    *compagosim.Server
	odooURL    string
	compagoURL string
	config     string // the config file
	journal    string
	seed       odoosim.Seed
	daemon     *journal.SQLite // the running daemon's journal, to plant what it would have written
}

func startAdminWorld(t *testing.T) *adminWorld {
	t.Helper()
	return startAdminWorldSweeping(t, "@every 1h")
}

// startAdminWorldSweeping is startAdminWorld with the daemon's sweep on
// the given schedule.
func startAdminWorldSweeping(t *testing.T, sweep string) *adminWorld {
	t.Helper()
	w := &adminWorld{t: t, odoo: odoosim.New(odoosim.Options{}), compago: compagosim.New(compagosim.Options{})}
	os1 := httptest.NewServer(w.odoo)
	t.Cleanup(os1.Close)
	cs := httptest.NewServer(w.compago)
	t.Cleanup(cs.Close)
	w.seed, w.odooURL, w.compagoURL = w.odoo.Seed(), os1.URL, cs.URL
	dir := t.TempDir()
	w.journal = filepath.Join(dir, "journal.db")
	w.config = filepath.Join(dir, "compago-connector.yaml")
	yaml := fmt.Sprintf(`odoo: {url: %q, database: sandbox, username: admin, password: sandbox-api-key}
compago: {base_url: %q, api_key: %s, poll_interval: 1s, late_charge_grace: 2s}
connector: {payment_method: Compago, watch_interval: 250ms, external_id_prefix: sandbox}
store: {path: %q}
http: {addr: ""}
`, os1.URL, cs.URL, compagosim.DefaultAPIKey, w.journal)
	if err := os.WriteFile(w.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	oc := w.odooClient()
	if _, err := connector.EnsureFields(context.Background(), oc, connector.DefaultFields()); err != nil {
		t.Fatal(err)
	}
	w.startDaemon(os1.URL, cs.URL, sweep)
	return w
}

func (w *adminWorld) odooClient() *odoo.Client {
	w.t.Helper()
	oc, err := odoo.New(odoo.Config{URL: w.odooURL, Database: "sandbox", Username: "admin", Password: "sandbox-api-key", Timeout: 5 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := oc.Connect(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	return oc
}

// startDaemon runs the engine on the journal, holding its lock, as
// `compago-connector run` does.
func (w *adminWorld) startDaemon(odooURL, compagoURL, sweep string) {
	w.t.Helper()
	j, err := journal.OpenSQLite(context.Background(), w.journal, journal.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.daemon = j
	cc, err := compago.NewClient(compagoURL, compagosim.DefaultAPIKey, compago.WithTimeout(2*time.Second))
	if err != nil {
		w.t.Fatal(err)
	}
	eng, err := connector.New(connector.Config{
		PaymentMethod: "Compago", WatchInterval: 20 * time.Millisecond, PollInterval: 40 * time.Millisecond,
		ExternalIDPrefix: "sandbox", SweepSchedule: sweep, DrainTimeout: 5 * time.Second,
		LateChargeGrace: time.Second, // a retry after a cancel waits this long for a late charge
		Logger:          zerolog.New(zerolog.NewTestWriter(w.t)).Level(zerolog.InfoLevel),
	}, j, w.odooClient(), cc)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	w.t.Cleanup(func() { cancel(); <-done; j.Close() })
}

// admin runs a compago-connector command with the world's config.
func (w *adminWorld) admin(args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(args, "--config", w.config), &out, &errOut)
	var exit exitCode
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = int(exit)
	default:
		w.t.Fatalf("%v: unexpected error %v", args, err)
	}
	return out.String(), errOut.String(), code
}

func (w *adminWorld) exec(model, method string, args []any, kwargs map[string]any) any {
	w.t.Helper()
	res, err := w.odoo.Exec(model, method, args, kwargs)
	if err != nil {
		w.t.Fatalf("odoo %s.%s: %v", model, method, err)
	}
	return res
}

// requestPayment creates an order flagged for Compago on a terminal, as the POS does.
func (w *adminWorld) requestPayment(amount float64, terminal string) int64 {
	w.t.Helper()
	id := w.exec("pos.order", "create", []any{map[string]any{"session_id": w.seed.SessionID, "amount_total": amount,
		"amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
		"x_compago_state": "requested", "x_compago_terminal": terminal}}, nil)
	return simworld.ID(w.t, id)
}

func (w *adminWorld) flagOf(order int64) string {
	w.t.Helper()
	rows := w.exec("pos.order", "read", []any{[]any{order}, []any{"x_compago_state"}}, nil).([]any)
	s, _ := rows[0].(map[string]any)["x_compago_state"].(string)
	return s
}

func (w *adminWorld) waitFlag(order int64, want string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if w.flagOf(order) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.t.Fatalf("order %d never showed %q to the cashier; it shows %q", order, want, w.flagOf(order))
}

// waitSeen waits until the journal knows Odoo has seen the attempt's last
// change: Odoo shows a write a moment before the daemon records it landed.
func (w *adminWorld) waitSeen(ref string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		var a struct {
			OdooBehind bool `json:"odoo_behind"`
		}
		out, _, code := w.admin("intents", "show", ref, "--format", "json")
		if code == 0 && json.Unmarshal([]byte(out), &a) == nil && !a.OdooBehind {
			return
		}
		last = out
		time.Sleep(10 * time.Millisecond)
	}
	w.t.Fatalf("the journal never recorded that Odoo saw attempt %s:\n%s", ref, last)
}

func TestAdminCancelsThenRetriesAPaymentThroughOdoo(t *testing.T) {
	w := startAdminWorld(t)
	order := w.requestPayment(120, "TERMINAL-001")
	w.waitFlag(order, "pending")
	ext := fmt.Sprintf("sandbox-%d-1", order)

	out, _, code := w.admin("intents", "list", "--state", "pending")
	if code != 0 || !strings.Contains(out, ext) {
		t.Fatalf("intents list --state pending (exit %d) does not show %s:\n%s", code, ext, out)
	}
	_, errOut, code := w.admin("intents", "retry", ext)
	if code != 1 || !strings.Contains(errOut, "cancel it first") {
		t.Fatalf("retry of an intent waiting on the terminal: exit %d, %q; want a refusal saying to cancel first", code, errOut)
	}

	out, errOut, code = w.admin("intents", "cancel", ext)
	if code != 0 {
		t.Fatalf("intents cancel %s: exit %d: %s", ext, code, errOut)
	}
	if !strings.Contains(out, "cancel_requested") {
		t.Errorf("cancel does not say what it asked: %q", out)
	}
	w.waitFlag(order, "cancelled")
	w.waitSeen(ext)

	out, errOut, code = w.admin("intents", "retry", ext)
	if code != 0 {
		t.Fatalf("intents retry %s: exit %d: %s", ext, code, errOut)
	}
	if want := fmt.Sprintf("sandbox-%d-2", order); !strings.Contains(out, want) {
		t.Errorf("retry does not name the next externalId %s: %q", want, out)
	}
	w.waitFlag(order, "pending")
	if _, err := w.compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	w.waitFlag(order, "paid")

	out, _, code = w.admin("intents", "show", "--order", fmt.Sprint(order))
	for _, want := range []string{fmt.Sprintf("sandbox-%d-2", order), "recorded", "pending → confirmed", "confirmed → recorded"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("intents show --order %d (exit %d) lacks %q:\n%s", order, code, want, out)
		}
	}
	_, errOut, code = w.admin("intents", "retry", "--order", fmt.Sprint(order))
	if code != 1 || !strings.Contains(errOut, "is paid") {
		t.Fatalf("retry of a paid order: exit %d, %q; want a refusal", code, errOut)
	}
	_, errOut, code = w.admin("intents", "cancel", "--order", fmt.Sprint(order))
	if code != 1 || !strings.Contains(errOut, "refund") {
		t.Fatalf("cancel of a charged payment: exit %d, %q; want a refusal pointing at a refund", code, errOut)
	}
	_, errOut, code = w.admin("intents", "retry", ext)
	if code != 1 || !strings.Contains(errOut, "not order") {
		t.Fatalf("retry of an older attempt: exit %d, %q; want a refusal naming the latest", code, errOut)
	}
}

func TestIntentsShowAndListAsJSON(t *testing.T) {
	w := startAdminWorld(t)
	order := w.requestPayment(35.5, "TERMINAL-002")
	w.waitFlag(order, "pending")
	var list []struct {
		ID         int64  `json:"id"`
		OrderID    int64  `json:"order_id"`
		ExternalID string `json:"external_id"`
		IntentID   string `json:"intent_id"`
		State      string `json:"state"`
		Amount     json.Number
	}
	out, _, code := w.admin("intents", "list", "--order", fmt.Sprint(order), "--format", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list) != 1 {
		t.Fatalf("intents list --format json: exit %d, %v:\n%s", code, err, out)
	}
	if list[0].State != "pending" || list[0].Amount != "35.50" || list[0].IntentID == "" {
		t.Fatalf("listed attempt: %+v", list[0])
	}
	var shown struct {
		ExternalID string `json:"external_id"`
		Events     []struct{ From, To string }
	}
	out, _, code = w.admin("intents", "show", list[0].IntentID, "--format", "json")
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != 0 {
		t.Fatalf("intents show <intent id> --format json: exit %d, %v:\n%s", code, err, out)
	}
	if shown.ExternalID != list[0].ExternalID || len(shown.Events) != 2 || shown.Events[1].To != "pending" {
		t.Fatalf("shown attempt: %+v", shown)
	}
	_, errOut, code := w.admin("intents", "show", "no-such-attempt")
	if code != 2 || !strings.Contains(errOut, "no-such-attempt") {
		t.Fatalf("show of an unknown attempt: exit %d, %q", code, errOut)
	}
	_, _, code = w.admin("intents", "list", "--state", "paid")
	if code != 2 {
		t.Fatalf("list --state paid (not a journal state): exit %d, want 2", code)
	}
}

// An admin lists and shows the journal's attempts with a config that gives
// only the journal (no Odoo or Compago secret), the --config flag before or
// after the subcommand.
func TestIntentsListAndShowNeedOnlyTheJournal(t *testing.T) {
	w := startAdminWorld(t)
	order := w.requestPayment(12.0, "TERMINAL-001")
	w.waitFlag(order, "pending")
	only := filepath.Join(t.TempDir(), "journal-only.yaml")
	if err := os.WriteFile(only, []byte(fmt.Sprintf("store: {path: %q}\n", w.journal)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", t.TempDir()) // no credential there either
	for _, args := range [][]string{
		{"intents", "--config", only, "list"},
		{"intents", "list", "--config", only},
		{"intents", "--config", only, "show", "--order", fmt.Sprint(order)},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, &out, &errOut)
		if exitOf(err) != 0 || !strings.Contains(out.String(), "pending") {
			t.Errorf("%s: exit %d, want 0 and the pending attempt; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), exitOf(err), out.String(), errOut.String())
		}
	}
}

// humanTime is the one time format of human output: local time with its
// zone. RFC 3339 is for JSON and CSV.
var (
	humanTime   = regexp.MustCompile(`\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]{2,5}\b|\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d\d?\d?\b`)
	anyTime     = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?[^\s,|]*( [A-Z+-][A-Z0-9]+)?`)
	rfc3339Time = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)
)

// The admin reads every time in one format, local with its zone, in
// intents list, intents show and the reconcile table; a CSV gives RFC 3339.
func TestHumanOutputShowsLocalTimeWithZone(t *testing.T) {
	w := startAdminWorld(t)
	order := w.requestPayment(20.0, "TERMINAL-001")
	w.waitFlag(order, "pending")
	for _, args := range [][]string{
		{"intents", "list"}, {"intents", "show", "--order", fmt.Sprint(order)}, {"reconcile"},
	} {
		out, errOut, _ := w.admin(args...)
		times := anyTime.FindAllString(out, -1)
		if len(times) == 0 {
			t.Errorf("%s shows no time:\n%s%s", strings.Join(args, " "), out, errOut)
		}
		for _, s := range times {
			if !humanTime.MatchString(s) {
				t.Errorf("%s shows the time %q; want local time with its zone (2026-11-27 13:04:05 CST):\n%s", strings.Join(args, " "), s, out)
			}
		}
	}
	out, _, _ := w.admin("reconcile", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("reconcile --format csv: %v\n%s", err, out)
	}
	for i, h := range recs[0] {
		if strings.HasSuffix(h, "_at") || h == "created" || h == "updated" {
			if v := recs[1][i]; v != "" && !rfc3339Time.MatchString(v) {
				t.Errorf("reconcile --format csv column %s is %q, want RFC 3339", h, v)
			}
		}
	}
}
