package odootest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo/odootest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	odootest.Stop()
	os.Exit(code)
}

// TestRowLockHoldsAnAddPaymentInMultiWorkerOdoo shows what a money test
// builds on: with the order's row locked from another database session,
// an add_payment sent to a multi-worker Odoo waits in PostgreSQL, and
// commits only once the lock is let go: the late commit of a call whose
// answer a daemon may long have given up on.
func TestRowLockHoldsAnAddPaymentInMultiWorkerOdoo(t *testing.T) {
	o := odootest.Start(t, "18.0", odootest.Options{Workers: 2, LimitTimeReal: 60 * time.Second})
	order := o.NewOrder(12.34, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	db := o.SQL()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM pos_order WHERE id = $1 FOR UPDATE`, order); err != nil {
		t.Fatalf("lock the order's row: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := o.Call(ctx, "pos.order", "add_payment", []any{[]any{order}, map[string]any{
			"pos_order_id": order, "amount": 12.34, "payment_method_id": o.PaymentMethodID,
			"transaction_id": "pi_locked", "payment_status": "done"}}, nil)
		done <- err
	}()
	// Odoo's worker is waiting for the lock: PostgreSQL says so.
	for {
		var waiting int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("add_payment answered (%v) while the order's row was locked", err)
		case <-ctx.Done():
			t.Fatal("add_payment never waited for the order's row lock")
		case <-time.After(50 * time.Millisecond):
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pos_payment WHERE transaction_id = 'pi_locked'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("payment lines while add_payment waits: %d (%v), want none", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("add_payment once the lock is gone: %v", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pos_payment WHERE transaction_id = 'pi_locked'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("payment lines after the late commit: %d (%v), want one", n, err)
	}
}
