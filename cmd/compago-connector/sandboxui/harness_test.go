package sandboxui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/cmd/compago-connector/sandboxui"
	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// waitLimit bounds every wait: generous for -race on two cores.
const waitLimit = 20 * time.Second

// sandbox is what `compago-connector sandbox` runs, in-process on loopback:
// both simulators, the fields set up, a running engine, and the page.
type sandbox struct {
	t       *testing.T
	odoo    *odoosim.Server
	compago *compagosim.Server
	pageURL string
}

func startSandbox(t *testing.T) *sandbox {
	t.Helper()
	sb := &sandbox{t: t, odoo: odoosim.New(odoosim.Options{}), compago: compagosim.New(compagosim.Options{})}
	odooSrv := httptest.NewServer(sb.odoo)
	t.Cleanup(odooSrv.Close)
	compagoSrv := httptest.NewServer(sb.compago)
	t.Cleanup(compagoSrv.Close)

	ctx := context.Background()
	oc, err := odoo.New(odoo.Config{URL: odooSrv.URL, Database: "sandbox", Username: "admin",
		Password: "sandbox-api-key", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Connect(ctx); err != nil {
		t.Fatalf("connect to the Odoo simulator: %v", err)
	}
	if _, err := connector.EnsureFields(ctx, oc, connector.DefaultFields()); err != nil {
		t.Fatalf("setup of the Compago fields: %v", err)
	}
	cc, err := compago.NewClient(compagoSrv.URL, "sandbox-key", compago.WithTimeout(2*time.Second),
		compago.WithRetries(2), compago.WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.OpenSQLite(ctx, filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatalf("open the journal: %v", err)
	}
	eng, err := connector.New(connector.Config{
		PaymentMethod: "Compago", ExternalIDPrefix: "sandbox",
		WatchInterval: 50 * time.Millisecond, PollInterval: 100 * time.Millisecond,
		SweepSchedule: "@every 1h", DrainTimeout: 5 * time.Second,
		LateChargeGrace: time.Second, // as short as the sandbox's own: a retry is not kept waiting
		Logger:          zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
	}, j, oc, cc)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("the daemon stopped with %v", err)
		}
		j.Close()
	})

	page := httptest.NewServer(sandboxui.New(sandboxui.Options{Odoo: sb.odoo, Compago: sb.compago,
		OdooURL: odooSrv.URL, CompagoURL: compagoSrv.URL}))
	t.Cleanup(page.Close)
	sb.pageURL = page.URL
	return sb
}

// post sends a JSON body to the page's API and decodes the answer.
func (sb *sandbox) post(path string, body any) (int, map[string]any) {
	sb.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(sb.pageURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		sb.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		sb.t.Fatalf("POST %s: the answer is not JSON: %v", path, err)
	}
	return resp.StatusCode, out
}

// mustPost is post for a call that must succeed.
func (sb *sandbox) mustPost(path string, body any) map[string]any {
	sb.t.Helper()
	status, out := sb.post(path, body)
	if status != http.StatusOK {
		sb.t.Fatalf("POST %s: %d %v", path, status, out)
	}
	return out
}

// orderRow is an order as the till shows it.
type orderRow struct {
	ID           int64  `json:"id"`
	State        string `json:"state"`
	Amount       string `json:"amount"`
	Paid         string `json:"paid"`
	CompagoState string `json:"compagoState"`
	IntentID     string `json:"intentId"`
	ExternalID   string `json:"externalId"`
	DeepLink     string `json:"deepLink"`
	Message      string `json:"message"`
	Payments     []struct {
		Amount        string `json:"amount"`
		Method        string `json:"method"`
		TransactionID string `json:"transactionId"`
		Status        string `json:"status"`
	} `json:"payments"`
}

// terminalCard is a virtual terminal as its card shows it.
type terminalCard struct {
	Code    string `json:"code"`
	Pending *struct {
		ID         string `json:"id"`
		Amount     string `json:"amount"`
		ExternalID string `json:"externalId"`
		Routed     bool   `json:"routed"`
		Declined   bool   `json:"declined"`
	} `json:"pending"`
}

// pageState is /api/state as the page reads it.
type pageState struct {
	Orders    []orderRow     `json:"orders"`
	Terminals []terminalCard `json:"terminals"`
	Clock     struct {
		Now   string `json:"now"`
		Ahead string `json:"ahead"`
	} `json:"clock"`
	Faults struct {
		OdooDown bool   `json:"odooDown"`
		Compago  string `json:"compago"`
	} `json:"faults"`
}

func (sb *sandbox) state() pageState {
	sb.t.Helper()
	resp, err := http.Get(sb.pageURL + "/api/state")
	if err != nil {
		sb.t.Fatalf("GET /api/state: %v", err)
	}
	defer resp.Body.Close()
	var st pageState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK {
		sb.t.Fatalf("GET /api/state: %s %v", resp.Status, err)
	}
	return st
}

// terminal returns the card of the terminal with this serial.
func (st pageState) terminal(code string) terminalCard {
	for _, t := range st.Terminals {
		if t.Code == code {
			return t
		}
	}
	return terminalCard{}
}

// waitOrder waits until the till shows the order with x_compago_state want.
func (sb *sandbox) waitOrder(id int64, want string) orderRow {
	sb.t.Helper()
	var last orderRow
	waitFor(sb.t, func() bool {
		for _, o := range sb.state().Orders {
			if o.ID == id {
				last = o
				return o.CompagoState == want
			}
		}
		return false
	}, func() string {
		return fmt.Sprintf("the till never showed order %d as %q; last seen: %+v", id, want, last)
	})
	return last
}

// waitFor polls cond until it holds or waitLimit passes.
func waitFor(t *testing.T, cond func() bool, failure func() string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(failure())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
