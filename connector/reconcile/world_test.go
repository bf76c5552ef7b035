package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/simworld"
)

// world is Odoo and Compago as simulators on loopback and the journal in a
// real SQLite file, as the daemon and the back office share them.
type world struct {
	*simworld.World
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return &world{simworld.New(t, simworld.Options{})}
}

// writer opens the journal as the daemon does (locked, read-write).
func (w *world) writer() *journal.SQLite {
	w.T.Helper()
	j, err := journal.OpenSQLite(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		w.T.Fatalf("open journal: %v", err)
	}
	w.T.Cleanup(func() { j.Close() })
	return j
}

// report runs the reconciliation as the back office does: journal opened
// read-only beside the daemon.
func (w *world) report(since, now time.Time, refresh bool) *reconcile.Report {
	w.T.Helper()
	j, err := journal.OpenSQLiteReadOnly(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		w.T.Fatalf("open journal read-only: %v", err)
	}
	defer j.Close()
	r, err := reconcile.New(reconcile.Config{PaymentMethod: "Compago", Grace: 2 * time.Minute, Refresh: refresh},
		j, w.OdooClient(), w.CompagoClient())
	if err != nil {
		w.T.Fatal(err)
	}
	rep, err := r.Run(context.Background(), since, now)
	if err != nil {
		w.T.Fatalf("reconcile: %v", err)
	}
	return rep
}

// paymentLine adds a pos.payment of the Compago method to an order, as a
// cashier (or a bug) would.
func (w *world) paymentLine(orderID int64, amount float64, transactionID string) int64 {
	w.T.Helper()
	v := map[string]any{"pos_order_id": orderID, "amount": amount, "payment_method_id": w.Seed.PaymentMethodID}
	if transactionID != "" {
		v["transaction_id"] = transactionID
	}
	return simworld.ID(w.T, w.Exec("pos.payment", "create", []any{v}, nil))
}

func (w *world) orderFlag(orderID int64) string {
	w.T.Helper()
	rows := w.Exec("pos.order", "read", []any{[]any{orderID}, []any{"x_compago_state"}}, nil).([]any)
	s, _ := rows[0].(map[string]any)["x_compago_state"].(string)
	return s
}
