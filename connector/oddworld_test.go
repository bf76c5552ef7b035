package connector_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
)

// oddWorld is a world whose Compago plays odd answers on demand (the
// simulator's oddities), with the daemon's log lines and anomaly counts
// kept for assertions, and an engine clock the test can move with the
// simulator's.
type oddWorld struct {
	*world
	d      *daemon
	obs    *anomalyCounter
	logs   *syncBuffer
	offset atomic.Int64
}

func newOddWorld(t *testing.T, mod func(*connector.Config)) *oddWorld {
	t.Helper()
	w := &oddWorld{world: newWorld(t, worldOptions{}), obs: &anomalyCounter{kinds: map[string]int{}}, logs: &syncBuffer{}}
	// The journal and the engine share the clock, as they do in production.
	clock := func() time.Time { return time.Now().Add(time.Duration(w.offset.Load())).UTC() }
	j, err := journal.OpenSQLite(t.Context(), w.JournalPath, journal.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	w.d = w.startDaemonOn(j, func(c *connector.Config) {
		c.Logger = zerolog.New(zerolog.MultiLevelWriter(zerolog.NewTestWriter(t), w.logs)).Level(zerolog.DebugLevel)
		c.Observer = w.obs
		c.Now = clock
		if mod != nil {
			mod(c)
		}
	})
	return w
}

// advance moves Compago's clock and the daemon's together.
func (w *oddWorld) advance(d time.Duration) {
	w.offset.Add(int64(d))
	w.Compago.Advance(d)
}

func (w *oddWorld) arm(o compagosim.Oddity) {
	w.T.Helper()
	if err := w.Compago.AddOddity(o); err != nil {
		w.T.Fatal(err)
	}
}

// request flags a new order for amount on terminal and waits until the
// cashier sees it pending; it returns the order and its intent id.
func (w *oddWorld) request(amount float64, terminal string) (int64, string) {
	w.T.Helper()
	id := w.NewOrder(amount, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": terminal})
	o := w.WaitState(id, connector.StatePending)
	intent, _ := o["x_compago_intent_id"].(string)
	return id, intent
}

// waitMessage waits until the cashier reads a sentence containing every
// part, and returns the order.
func (w *oddWorld) waitMessage(order int64, parts ...string) map[string]any {
	w.T.Helper()
	var last map[string]any
	simworld.WaitFor(w.T, "the cashier to read "+strings.Join(parts, " … "), func() bool {
		last = w.Order(order)
		msg, _ := last["x_compago_message"].(string)
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				return false
			}
		}
		return true
	})
	return last
}

// wantAnomaly waits for the anomaly metric of kind and a warn or error
// log line naming it with the intent and the order.
func (w *oddWorld) wantAnomaly(kind, intent string, order int64) {
	w.T.Helper()
	deadline := time.Now().Add(simworld.WaitLimit)
	for time.Now().Before(deadline) {
		if w.obs.count(kind) > 0 && w.logs.hasAlert(kind, intent, order) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.T.Fatalf("anomaly %s of intent %s, order %d: counted %d times, alert logged %v; want both",
		kind, intent, order, w.obs.count(kind), w.logs.hasAlert(kind, intent, order))
}

// latest is the journal's last attempt of the order.
func (w *oddWorld) latest(order int64) journal.Attempt {
	w.T.Helper()
	a, err := w.d.journal.Latest(w.T.Context(), order)
	if err != nil {
		w.T.Fatal(err)
	}
	return a
}

// anomalyCounter is an Observer that counts anomalies by kind.
type anomalyCounter struct {
	mu    sync.Mutex
	kinds map[string]int
}

func (a *anomalyCounter) Call(string, string, time.Duration, error)              {}
func (a *anomalyCounter) Transition(journal.State, journal.State, time.Duration) {}
func (a *anomalyCounter) Tick(string)                                            {}
func (a *anomalyCounter) Anomaly(kind string) {
	a.mu.Lock()
	a.kinds[kind]++
	a.mu.Unlock()
}

func (a *anomalyCounter) count(kind string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.kinds[kind]
}

// syncBuffer keeps the daemon's JSON log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// hasAlert reports a warn or error line for anomaly kind with the intent
// and the order.
func (b *syncBuffer) hasAlert(kind, intent string, order int64) bool {
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	for _, line := range bytes.Split(data, []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		lvl, _ := m["level"].(string)
		if (lvl == "warn" || lvl == "error") && m["anomaly"] == kind &&
			(intent == "" || m["intent"] == intent) && simworld.Float(m["order"]) == float64(order) {
			return true
		}
	}
	return false
}
