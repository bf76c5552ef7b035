package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// e2eScenarios is the one set of end-to-end scenarios: each runs on
// odoosim (its Test function in e2e_test.go, crash_test.go, sweep_test.go,
// through eachTransport) and on real Odoo 17.0, 18.0 and 19.0 on every
// transport (TestRealOdooEndToEnd, through eachRealTransport), the same
// function in both worlds.
var e2eScenarios = []struct {
	name     string
	scenario func(t *testing.T, w *world)
}{
	{"RoutedPayment", routedPaymentEndsPaid},
	{"UnroutedPayment", unroutedPayment},
	{"DefaultTerminalOfThePOSConfig", defaultTerminalOfThePOSConfig},
	{"CashierCancels", cashierCancels},
	{"CancelRacingTheCard", cancelRacingTheCard},
	{"NewerPaymentReplacesTheOlder", newerPaymentReplacesTheOlder},
	{"ExpiredThenRetried", expiredThenRetried},
	{"UnknownTerminal", unknownTerminal},
	{"Refusals", refusals},
	{"KilledWhilePending", killedWhilePending},
	{"OdooDownWhenCharged", odooDownWhenCharged},
	{"Compago503s", compago503s},
	{"LostCreateAnswer", lostCreateAnswer},
}

// compagoFields is `compago-connector setup` put on the template once per
// version: every x_compago_* field created makes Odoo reload its registry,
// seconds of a shared core that every test would otherwise pay again.
// newWorld still runs EnsureFields, which then finds them.
var compagoFields = &odootest.Layer{Name: "compago fields", Setup: func(ctx context.Context, o *odootest.Odoo) error {
	oc, err := odoo.New(odoo.Config{URL: o.URL, Database: o.Database, Username: o.Login, Password: o.Password,
		Protocol: odoo.ProtocolJSONRPC, Timeout: time.Minute})
	if err != nil {
		return err
	}
	if err := oc.Connect(ctx); err != nil {
		return err
	}
	_, err = connector.EnsureFields(ctx, oc, connector.DefaultFields())
	return err
}}

// TestRealOdooEndToEnd runs every end-to-end scenario against real Odoo
// 17.0, 18.0 and 19.0 on each transport the version has, the invariants
// checked after each: subtests version/scenario/transport (-run
// 'RealOdoo.*/17.0' for one version). The runs are parallel, each on its
// own copy of the version's template; odootest bounds how many Odoo
// servers run at once.
func TestRealOdooEndToEnd(t *testing.T) {
	odootest.Require(t)
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel()
		for _, sc := range e2eScenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				eachRealTransport(t, version, sc.scenario)
			})
		}
	})
}

// eachRealTransport runs a scenario on real Odoo of version once per
// transport it has, each run a parallel subtest on its own copy of the
// template, with the daemon logged in as the dedicated least-privilege
// user: the same scenario code as against odoosim (eachTransport), and the
// same invariants after it.
func eachRealTransport(t *testing.T, version string, scenario func(t *testing.T, w *world)) {
	protocols := []odoo.Protocol{odoo.ProtocolJSONRPC, odoo.ProtocolXMLRPC}
	if version >= "19" {
		protocols = append(protocols, odoo.ProtocolJSON2)
	}
	for _, p := range protocols {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			o := odootest.Start(t, version, odootest.Options{Layer: compagoFields, Shared: true})
			// The daemon logs in as its own user, with only the group
			// "Compago connector" (setup --admin), as the guide installs it.
			w := newWorld(t, worldOptions{real: o, protocol: p, dedicated: true})
			scenario(t, w)
			if !t.Failed() {
				w.CheckInvariants()
			}
		})
	}
}

// The late commit on real Odoo: another database session holds the
// order's row lock (as a long back-office transaction does) while the
// card is recorded, so the daemon's add_payment waits in Odoo past the
// daemon's timeout and commits once the lock goes. The cashier still gets
// exactly one line: on 19 Odoo's unique payment uuid refuses the daemon's
// second try; on 17 and 18 the daemon does not try again before the lost
// call's deadline plus odoo.limit_time_real.
func TestRealOdooAddPaymentCommittingAfterTheTimeoutKeepsOneLine(t *testing.T) {
	odootest.Require(t)
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel()
		o := odootest.Start(t, version, odootest.Options{Layer: compagoFields, Shared: true})
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC})
		d := w.startDaemon(func(c *connector.Config) {
			c.OdooTimeout = 2 * time.Second
			c.LateCommitWindow = 20 * time.Second
		})
		id := w.pendingOrder(100, nil)

		tx, err := o.SQL().Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(`SELECT id FROM pos_order WHERE id = $1 FOR UPDATE`, id); err != nil {
			t.Fatal(err)
		}
		w.approve("TERMINAL-001")
		// The daemon's add_payment waits on the lock, and the daemon gives
		// up on it: its journaled deadline passes while the call is still
		// held in Odoo.
		simworld.WaitFor(t, "the daemon's add_payment sent and given up on", func() bool {
			a, err := d.journal.Latest(context.Background(), id)
			return err == nil && !a.AddPaymentUntil.IsZero() && time.Now().After(a.AddPaymentUntil)
		})
		var waiting []string
		rows, err := tx.Query(`SELECT left(query, 60) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var q string
			rows.Scan(&q)
			waiting = append(waiting, q)
		}
		rows.Close()
		t.Logf("calls waiting on the order's row lock: %q", waiting)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		w.checkPaidOnce(id, 100)
	})
}
