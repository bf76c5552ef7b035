package metrics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// Journal is what the collector and the health need of the journal.
type Journal interface {
	List(ctx context.Context, f journal.Filter) ([]journal.Attempt, error)
}

// HealthConfig sets how stale is too stale. Zero fields take defaults from
// the intervals and timeouts, which the daemon passes from its config.
type HealthConfig struct {
	WatchInterval  time.Duration // connector.watch_interval
	PollInterval   time.Duration // compago.poll_interval
	OdooTimeout    time.Duration // odoo.timeout
	CompagoTimeout time.Duration // compago.timeout

	// Loops that must each run a pass within LoopStall for the process to
	// be alive; default watch, poll, sync and create.
	Loops []string
	// LoopStall: default 4 × the longer timeout + 3 × the watch interval,
	// at least a minute.
	LoopStall time.Duration
	// OdooWindow: Odoo must have answered, and the watcher run a pass,
	// within it to be ready; default 5 × the watch interval + 2 ×
	// odoo.timeout.
	OdooWindow time.Duration
	// CompagoWindow: an unanswered Compago call this recent, with no answer
	// since, makes the daemon not ready; default 3 × the poll interval +
	// 2 × compago.timeout + 30 s (the poller's longest backoff).
	CompagoWindow time.Duration
	// JournalTimeout bounds the journal query of a readiness check;
	// default 2 s.
	JournalTimeout time.Duration
	Now            func() time.Time
}

func (c *HealthConfig) setDefaults() {
	if c.WatchInterval <= 0 {
		c.WatchInterval = time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 3 * time.Second
	}
	if c.OdooTimeout <= 0 {
		c.OdooTimeout = 30 * time.Second
	}
	if c.CompagoTimeout <= 0 {
		c.CompagoTimeout = 10 * time.Second
	}
	if len(c.Loops) == 0 {
		c.Loops = []string{"watch", "poll", "sync", "create"}
	}
	if c.LoopStall <= 0 {
		c.LoopStall = max(time.Minute, 4*max(c.OdooTimeout, c.CompagoTimeout)+3*c.WatchInterval)
	}
	if c.OdooWindow <= 0 {
		c.OdooWindow = 5*c.WatchInterval + 2*c.OdooTimeout
	}
	if c.CompagoWindow <= 0 {
		c.CompagoWindow = 3*c.PollInterval + 2*c.CompagoTimeout + 30*time.Second
	}
	if c.JournalTimeout <= 0 {
		c.JournalTimeout = 2 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Health derives liveness and readiness from what the engine reports. It
// implements connector.Observer; Observer forwards to it.
type Health struct {
	cfg     HealthConfig
	journal Journal

	mu       sync.Mutex
	started  time.Time // engine start; zero before Start
	ticks    map[string]time.Time
	answered map[string]time.Time // system → last answer
	silent   map[string]time.Time // system → last call that got no answer
	lastErr  map[string]string    // system → that call's error; "" once it answered again
}

// NewHealth returns the health of an engine that has not started yet.
func NewHealth(j Journal, cfg HealthConfig) *Health {
	cfg.setDefaults()
	return &Health{cfg: cfg, journal: j, ticks: map[string]time.Time{},
		answered: map[string]time.Time{}, silent: map[string]time.Time{}, lastErr: map[string]string{}}
}

// Start says the engine's loops are starting now: from here on each must
// run a pass within LoopStall.
func (h *Health) Start() {
	h.mu.Lock()
	h.started = h.cfg.Now()
	h.mu.Unlock()
}

// Call records whether the system answered.
func (h *Health) Call(system, _ string, _ time.Duration, err error) {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if answered(system, err) {
		h.answered[system] = now
		h.lastErr[system] = ""
		return
	}
	h.silent[system] = now
	h.lastErr[system] = err.Error()
}

// Transition is not used by the health.
func (h *Health) Transition(journal.State, journal.State, time.Duration) {}

// Tick records a pass of a loop.
func (h *Health) Tick(loop string) {
	now := h.cfg.Now()
	h.mu.Lock()
	h.ticks[loop] = now
	h.mu.Unlock()
}

// Alive reports nil when every engine loop ran a pass within LoopStall (or
// the engine has not started), else which loops are stuck. The watchdog
// pings systemd only while it is nil.
func (h *Health) Alive() error {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started.IsZero() {
		return nil
	}
	var stuck []string
	for _, loop := range h.cfg.Loops {
		last := h.ticks[loop]
		if last.IsZero() {
			last = h.started
		}
		if d := now.Sub(last); d > h.cfg.LoopStall {
			stuck = append(stuck, fmt.Sprintf("%s (no pass for %s)", loop, d.Round(time.Second)))
		}
	}
	if len(stuck) > 0 {
		return fmt.Errorf("engine loops stuck: %s", strings.Join(stuck, ", "))
	}
	return nil
}

// Check is one line of a readiness report.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Ready runs the readiness checks: journal, odoo, compago, watcher. The
// daemon is ready when every check is OK.
func (h *Health) Ready(ctx context.Context) []Check {
	checks := []Check{h.checkJournal(ctx)}
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append(checks, h.checkOdoo(now), h.checkCompago(now), h.checkWatcher(now))
}

// IsReady reports whether every check passed.
func IsReady(checks []Check) bool {
	return !slices.ContainsFunc(checks, func(c Check) bool { return !c.OK })
}

func (h *Health) checkJournal(ctx context.Context) Check {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.JournalTimeout)
	defer cancel()
	if _, err := h.journal.List(ctx, journal.Filter{States: []journal.State{journal.Pending}, Limit: 1}); err != nil {
		return Check{Name: "journal", Detail: err.Error()}
	}
	// A journal that reads but cannot write (a full disk) takes no payment:
	// not ready until a write succeeds again, or for two minutes after the
	// last failed write when nothing has tried since.
	h.mu.Lock()
	writeErr, failedAt := h.lastErr["journal"], h.silent["journal"]
	h.mu.Unlock()
	if writeErr != "" && h.cfg.Now().Sub(failedAt) < 2*time.Minute {
		return Check{Name: "journal", Detail: "writes fail: " + writeErr}
	}
	return Check{Name: "journal", OK: true, Detail: "answers"}
}

func (h *Health) checkOdoo(now time.Time) Check {
	last := h.answered["odoo"]
	switch {
	case last.IsZero():
		return Check{Name: "odoo", Detail: "has not answered yet" + h.lastErrText("odoo")}
	case now.Sub(last) > h.cfg.OdooWindow:
		return Check{Name: "odoo", Detail: fmt.Sprintf("no answer for %s%s", now.Sub(last).Round(time.Second), h.lastErrText("odoo"))}
	}
	return Check{Name: "odoo", OK: true, Detail: fmt.Sprintf("answered %s ago", now.Sub(last).Round(time.Millisecond))}
}

func (h *Health) checkCompago(now time.Time) Check {
	silent, last := h.silent["compago"], h.answered["compago"]
	if h.lastErr["compago"] != "" && now.Sub(silent) <= h.cfg.CompagoWindow {
		return Check{Name: "compago", Detail: "latest call got no answer" + h.lastErrText("compago")}
	}
	if last.IsZero() {
		return Check{Name: "compago", OK: true, Detail: "not called yet (no payment in progress)"}
	}
	return Check{Name: "compago", OK: true, Detail: fmt.Sprintf("answered %s ago", now.Sub(last).Round(time.Millisecond))}
}

func (h *Health) checkWatcher(now time.Time) Check {
	last := h.ticks["watch"]
	switch {
	case h.started.IsZero():
		return Check{Name: "watcher", Detail: "engine not started (waiting for Odoo)"}
	case last.IsZero():
		return Check{Name: "watcher", Detail: "no pass yet"}
	case now.Sub(last) > h.cfg.OdooWindow:
		return Check{Name: "watcher", Detail: fmt.Sprintf("no pass for %s", now.Sub(last).Round(time.Second))}
	}
	return Check{Name: "watcher", OK: true, Detail: fmt.Sprintf("last pass %s ago", now.Sub(last).Round(time.Millisecond))}
}

func (h *Health) lastErrText(system string) string {
	if e := h.lastErr[system]; e != "" {
		return " (last error: " + e + ")"
	}
	return ""
}
