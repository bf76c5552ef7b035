package connector_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// lockedBuffer collects a daemon's log lines for a test to read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	t   testing.TB
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Log(strings.TrimSpace(string(p)))
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Without the addon Odoo lets anyone who writes a pos.order write the
// fields only the daemon may set. A back-office user writes "paid" on a
// payment still waiting for the card: the cashier would see it paid, with
// the stale "Waiting for the card", and no payment line. The sweep puts
// the journal's truth back (pending, the waiting sentence) and logs who
// wrote the order last; the card is then charged and recorded as usual.
func TestAHandWrittenPaidOnALivePaymentIsPutRightByTheSweep(t *testing.T) {
	handWrittenPaidIsPutRight(t, newWorld(t, worldOptions{}))
}

// The same on real Odoo without the addon, the daemon logged in as the
// dedicated user: the log names the administrator who wrote.
func TestRealOdooAHandWrittenPaidIsPutRightByTheSweep(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		w, _ := newSetUpWorld(t, version, odoo.ProtocolJSONRPC)
		out := handWrittenPaidIsPutRight(t, w)
		if !strings.Contains(out, `"last_written_by":"Administrator (uid 2)"`) {
			t.Errorf("the log does not name the administrator who wrote paid:\n%s", out)
		}
	})
}

func handWrittenPaidIsPutRight(t *testing.T, w *world) string {
	logs := &lockedBuffer{t: t}
	d := w.startDaemon(func(c *connector.Config) { c.Logger = zerolog.New(logs).Level(zerolog.DebugLevel) })
	id := w.NewOrder(120, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	waiting := w.WaitState(id, connector.StatePending)
	// The journal notes the write-back just after Odoo took it: wait for
	// that, as a hand-write minutes later would.
	simworld.WaitFor(t, "the journal to note Odoo shows pending", func() bool {
		a, err := d.journal.Latest(t.Context(), id)
		return err == nil && !a.Unsynced()
	})

	w.Flag(id, map[string]any{"x_compago_state": "paid"})
	r, err := d.eng.SweepOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r.Corrected != 1 {
		t.Errorf("sweep corrected %d orders, want 1 (the hand-written paid)", r.Corrected)
	}
	o := w.WaitState(id, connector.StatePending)
	if o["x_compago_message"] != waiting["x_compago_message"] {
		t.Errorf("cashier message = %v, want the journal's %v", o["x_compago_message"], waiting["x_compago_message"])
	}
	out := logs.String()
	if !strings.Contains(out, "only the daemon writes was changed in Odoo") || !strings.Contains(out, `"last_written_by":"`) ||
		!strings.Contains(out, `"fields":["x_compago_state"]`) {
		t.Errorf("the sweep did not log the hand-write with who wrote it:\n%s", out)
	}

	// Nothing else is touched: a second sweep finds nothing to put right,
	// and the card is charged and recorded as usual.
	if r, _ := d.eng.SweepOnce(t.Context()); r.Corrected != 0 {
		t.Errorf("second sweep corrected %d orders, want 0", r.Corrected)
	}
	w.Compago.ApproveTerminal("TERMINAL-001")
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
	return out
}
