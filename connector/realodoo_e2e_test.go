package connector_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/grant"
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

// compagoSetup is `compago-connector setup --admin` put on the template
// once per version: the fields, and the dedicated user with its group and
// API key. Every x_compago_* field created makes Odoo reload its registry,
// and making the user costs seconds of password hashing in Odoo (its
// one-time password, its web log-in, the identity check) that each of the
// end-to-end runs would otherwise pay. Each copy of the template holds the
// user and its key; setupUsers keeps the key the layer was given, by
// version, for the worlds on those copies.
var compagoSetup = &odootest.Layer{Name: "compago setup", Setup: func(ctx context.Context, o *odootest.Odoo) error {
	oc, err := layerAdmin(ctx, o)
	if err != nil {
		return err
	}
	if _, err := connector.EnsureFields(ctx, oc, connector.DefaultFields()); err != nil {
		return err
	}
	res, err := grant.Setup(ctx, oc, o.Major, grant.Web{URL: o.URL, Database: o.Database}, grant.UserLogin, false)
	if err != nil {
		return err
	}
	if res.Key == "" {
		return fmt.Errorf("setup on the template made no API key for %s", res.User.Login)
	}
	setupUsers.Lock()
	defer setupUsers.Unlock()
	setupUsers.byVersion[o.Version] = simworld.Credentials{Login: res.User.Login, Key: res.Key}
	return nil
}}

var setupUsers = struct {
	sync.Mutex
	byVersion map[string]simworld.Credentials
}{byVersion: map[string]simworld.Credentials{}}

func layerAdmin(ctx context.Context, o *odootest.Odoo) (*odoo.Client, error) {
	oc, err := odoo.New(odoo.Config{URL: o.URL, Database: o.Database, Username: o.Login, Password: o.Password,
		Protocol: odoo.ProtocolJSONRPC, Timeout: time.Minute})
	if err != nil {
		return nil, err
	}
	return oc, oc.Connect(ctx)
}

// newSetUpWorld is a world on its own copy of version's template on which
// `setup --admin` has run: the daemon logs in as the dedicated
// least-privilege user over protocol, as the install guide has it.
func newSetUpWorld(t *testing.T, version string, protocol odoo.Protocol) (*world, *odootest.Odoo) {
	t.Helper()
	o := odootest.Start(t, version, odootest.Options{Layer: compagoSetup, Shared: true})
	setupUsers.Lock()
	u, ok := setupUsers.byVersion[version]
	setupUsers.Unlock()
	if !ok {
		t.Fatalf("Odoo %s: the setup layer left no dedicated user", version)
	}
	return newWorld(t, worldOptions{real: o, protocol: protocol, daemon: &u}), o
}

// TestRealOdooEndToEnd runs every end-to-end scenario against real Odoo
// 17.0, 18.0 and 19.0 on each transport the version has, the invariants
// checked after each: subtests version/scenario/transport (-run
// 'RealOdoo.*/17.0' for one version). The runs are parallel, each on its
// own copy of the version's template; odootest bounds how many Odoo
// servers run at once.
func TestRealOdooEndToEnd(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
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
			// The daemon logs in as its own user, with only the group
			// "Compago connector" (setup --admin), as the guide installs it.
			w, _ := newSetUpWorld(t, version, p)
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
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel()
		o := odootest.Start(t, version, odootest.Options{Layer: compagoSetup, Shared: true})
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
