package faulttest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
)

// tally is what a scenario did to money: the figures of RELIABILITY.md.
type tally struct {
	Runs       int // crash/restart or outage cycles
	Flagged    int // payment requests made
	Charged    int // cards charged (CONFIRMED intents)
	Recorded   int // charged and exactly one payment line in Odoo
	Held       int // charged, create answer lost: journal "unknown", a human was told
	Lost       int // charged with no payment line and nobody told
	Duplicated int // a second payment line, or a second charge for one order
}

func (a *tally) add(b tally) {
	a.Runs += b.Runs
	a.Flagged += b.Flagged
	a.Charged += b.Charged
	a.Recorded += b.Recorded
	a.Held += b.Held
	a.Lost += b.Lost
	a.Duplicated += b.Duplicated
}

// checkInvariants compares Compago, Odoo and the journal once the daemon
// is stopped, reports every broken promise as a test error, and returns
// the figures.
func (w *world) checkInvariants() tally {
	w.t.Helper()
	var tl tally
	w.mu.Lock()
	tl.Flagged = len(w.orders)
	w.mu.Unlock()

	attempts := w.journalAttempts()
	unknown := map[string]bool{}
	for _, a := range attempts {
		if a.State == journal.Unknown {
			unknown[a.ExternalID] = true
		}
		if !a.State.Final() || a.SyncedVersion < a.Version {
			w.t.Errorf("journal: attempt %s of order %d left %s (version %d, Odoo has %d): unaccounted",
				a.ExternalID, a.OrderID, a.State, a.Version, a.SyncedVersion)
		}
	}

	// Compago: one intent per externalId, at most one charge per order.
	intents := map[string]compagosim.Intent{}
	byExt := map[string]int{}
	chargesByOrder := map[string]int{}
	for _, in := range w.compago.Intents() {
		if !strings.HasPrefix(in.ExternalID, prefix+"-") {
			continue
		}
		intents[in.ID] = in
		byExt[in.ExternalID]++
		if byExt[in.ExternalID] == 2 {
			w.t.Errorf("Compago has two intents with externalId %s", in.ExternalID)
		}
		if in.Status == compagosim.StatusConfirmed {
			tl.Charged++
			order := orderOf(in.ExternalID)
			chargesByOrder[order]++
			if chargesByOrder[order] == 2 {
				tl.Duplicated++
				w.t.Errorf("order %s: the customer's card was charged twice", order)
			}
		}
	}

	// Odoo: payment lines by transaction id.
	lines := w.paymentLines()
	for tx, n := range lines {
		in, ok := intents[tx]
		switch {
		case !ok || in.Status != compagosim.StatusConfirmed:
			w.t.Errorf("Odoo has a payment line for %s, which is not a charged intent", tx)
		case n > 1:
			tl.Duplicated += n - 1
			w.t.Errorf("Odoo has %d payment lines for intent %s (%s)", n, tx, in.ExternalID)
		}
	}
	for _, in := range intents {
		if in.Status != compagosim.StatusConfirmed {
			continue
		}
		switch {
		case lines[in.ID] >= 1:
			tl.Recorded++
		case unknown[in.ExternalID]:
			tl.Held++
		default:
			tl.Lost++
			w.t.Errorf("LOST: intent %s (%s) was charged and Odoo has no payment line for it", in.ID, in.ExternalID)
		}
	}

	// No order shown pending on an intent that is over.
	w.mu.Lock()
	ids := append([]int64(nil), w.orders...)
	w.mu.Unlock()
	for _, o := range w.readOrders(ids) {
		if o.Flag != connector.StatePending {
			continue
		}
		if in, ok := intents[o.IntentID]; !ok || in.Status != compagosim.StatusPending || in.Expired {
			w.t.Errorf("order %d still shows pending although its intent %q is %s", o.ID, o.IntentID, in.Status)
		}
	}
	return tl
}

// orderOf is the order part of an externalId <prefix>-<order>-<n>.
func orderOf(ext string) string {
	parts := strings.Split(ext, "-")
	if len(parts) < 3 {
		return ext
	}
	return parts[len(parts)-2]
}

// paymentLines counts Odoo's payment lines by transaction_id.
func (w *world) paymentLines() map[string]int {
	w.t.Helper()
	res, err := w.odoo.Exec("pos.payment", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"id", "transaction_id"}})
	if err != nil {
		w.t.Fatalf("read payment lines: %v", err)
	}
	out := map[string]int{}
	rows, _ := res.([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		if tx := str(m["transaction_id"]); tx != "" {
			out[tx]++
		}
	}
	return out
}

// journalAttempts reads every attempt of the journal; the daemon must be
// stopped (the journal is opened read-only all the same).
func (w *world) journalAttempts() []journal.Attempt {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j, err := journal.OpenSQLiteReadOnly(ctx, w.journal, journal.Options{})
	if err != nil {
		w.t.Fatalf("open the journal: %v", err)
	}
	defer j.Close()
	list, err := j.List(ctx, journal.Filter{})
	if err != nil {
		w.t.Fatalf("list the journal: %v", err)
	}
	return list
}

// figures collects each scenario's tally for docs/RELIABILITY.md: printed
// with -v and appended to COMPAGO_FAULT_REPORT when set.
var figures struct {
	sync.Mutex
	rows []string
}

func report(name, command string, tl tally) {
	row := fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d | %d | `%s` |",
		name, tl.Runs, tl.Flagged, tl.Charged, tl.Recorded, tl.Held, tl.Lost, tl.Duplicated, command)
	figures.Lock()
	figures.rows = append(figures.rows, row)
	figures.Unlock()
	fmt.Println(row)
	if path := os.Getenv("COMPAGO_FAULT_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, row)
			f.Close()
		}
	}
}

// command is the line that reproduces a scenario with the current mode.
func command(test string) string {
	return "COMPAGO_FAULT_RUNS=" + strconv.Itoa(max(1, atoi(os.Getenv(runsEnv)))) +
		" go test ./connector/faulttest/ -run '^" + test + "$' -v -timeout 60m"
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
