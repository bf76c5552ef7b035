package connector_test

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// aclDenied is the line Odoo's log has for every ACL refusal (INFO, the
// same on 17, 18 and 19), logged or not by the daemon.
var aclDenied = regexp.MustCompile(`Access Denied by ACLs for operation: (read|write|create|unlink), uid: (\d+), model: ([a-z0-9_.]+)`)

// grantOnRefusal follows Odoo's log and, on every ACL refusal of the
// daemon's user, gives the group that right at once (the daemon retries by
// itself) and remembers it.
type grantOnRefusal struct {
	t     *testing.T
	admin *odoo.Client
	group int64
	uid   int64
	mu    sync.Mutex
	added []string
}

func (g *grantOnRefusal) follow(ctx context.Context, logFile string) {
	var off int64
	for ctx.Err() == nil {
		data, err := os.ReadFile(logFile)
		if err == nil && int64(len(data)) > off {
			for _, m := range aclDenied.FindAllSubmatch(data[off:], -1) {
				if string(m[2]) == strconv.FormatInt(g.uid, 10) {
					g.grant(string(m[3]), "perm_"+string(m[1]))
				}
			}
			off = int64(len(data))
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (g *grantOnRefusal) grant(model, perm string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range g.added {
		if a == model+" "+perm {
			return
		}
	}
	ctx := context.Background()
	var ids []struct {
		ID int64 `json:"id"`
	}
	if err := g.admin.SearchRead(ctx, "ir.model", odoo.Cond("model", "=", model), odoo.Query{Fields: []string{"id"}}, &ids); err != nil || len(ids) == 0 {
		g.t.Errorf("model %s: %v", model, err)
		return
	}
	var rows []struct {
		ID int64 `json:"id"`
	}
	g.admin.SearchRead(ctx, "ir.model.access", odoo.And(odoo.Cond("group_id", "=", g.group), odoo.Cond("model_id", "=", ids[0].ID)),
		odoo.Query{Fields: []string{"id"}}, &rows)
	var err error
	if len(rows) > 0 {
		err = g.admin.Write(ctx, "ir.model.access", []int64{rows[0].ID}, map[string]any{perm: true})
	} else {
		_, err = g.admin.Create(ctx, "ir.model.access", map[string]any{"name": "compago-connector: " + model,
			"model_id": ids[0].ID, "group_id": g.group, perm: true}, nil)
	}
	if err != nil {
		g.t.Errorf("grant %s %s: %v", perm, model, err)
	}
	g.added = append(g.added, model+" "+perm)
}

// TestRealOdooDiscoverTheDaemonsRights finds what grant.Rights lacks on a
// new Odoo version: the card payment runs as the dedicated user, and every
// access refusal is granted on the spot and listed. It runs only with
// COMPAGO_DISCOVER_RIGHTS=1 (what the list lacks), =scratch (the group
// starts with no right at all: everything the flow needs is listed) or
// =trim (no right on the models only the completion touches);
// TestRealOdooRoutedPaymentAsTheDedicatedUser then proves the list.
func TestRealOdooDiscoverTheDaemonsRights(t *testing.T) {
	if os.Getenv("COMPAGO_DISCOVER_RIGHTS") == "" {
		t.Skip("COMPAGO_DISCOVER_RIGHTS is not set")
	}
	odootest.Each(t, func(t *testing.T, version string) {
		o := odootest.Start(t, version, odootest.Options{})
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC, dedicated: true})
		admin := w.AdminClient()
		group, err := grant.XMLID(context.Background(), admin, grant.GroupModule, grant.GroupXMLID)
		if err != nil {
			t.Fatal(err)
		}
		if mode := os.Getenv("COMPAGO_DISCOVER_RIGHTS"); mode == "scratch" || mode == "trim" {
			// Start from nothing: every right the flow needs is then
			// found, not just what the list lacks.
			var rows []struct {
				ID int64 `json:"id"`
			}
			domain := odoo.Cond("group_id", "=", group)
			if mode == "trim" {
				// Only the rows the card payment's completion may not
				// need: the watcher's and writer's reads stay.
				domain = odoo.And(domain, odoo.Cond("model_id.model", "in", []string{"stock.picking", "stock.move", "pos.make.payment", "pos.order.line", "pos.payment"}))
			}
			if err := admin.SearchRead(context.Background(), "ir.model.access", domain, odoo.Query{Fields: []string{"id"}}, &rows); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := admin.Write(context.Background(), "ir.model.access", []int64{r.ID}, map[string]any{
					"perm_read": false, "perm_write": false, "perm_create": false, "perm_unlink": false}); err != nil {
					t.Fatal(err)
				}
			}
		}
		g := &grantOnRefusal{t: t, admin: admin, group: group, uid: w.OdooClient().UID()}
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go g.follow(ctx, o.LogFile)
		d := w.startDaemon(nil)
		id := w.NewOrder(350.50, nil)
		w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
		w.WaitState(id, connector.StatePending)
		w.Compago.ApproveTerminal("TERMINAL-001")
		w.WaitState(id, connector.StatePaid)
		// The sweep's reads too (a second order waits for the card).
		id2 := w.NewOrder(10, nil)
		w.Flag(id2, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
		w.WaitState(id2, connector.StatePending)
		w.Flag(id2, map[string]any{"x_compago_state": "paid"})
		simworld.WaitFor(t, "a sweep that puts the hand-written paid right", func() bool {
			r, _ := d.eng.SweepOnce(ctx)
			return r.Corrected == 1
		})
		w.CheckInvariants()
		g.mu.Lock()
		t.Logf("Odoo %s: rights added to grant.Rights: %q", version, g.added)
		g.mu.Unlock()
	})
}
