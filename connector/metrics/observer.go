package metrics

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

const namespace = "compago_connector"

// Observer counts what the engine does in Prometheus metrics and tells the
// Health. It implements connector.Observer.
type Observer struct {
	callSeconds *prometheus.HistogramVec
	callErrors  *prometheus.CounterVec
	transitions *prometheus.CounterVec
	ageAt       *prometheus.HistogramVec
	lastTick    *prometheus.GaugeVec
	passes      *prometheus.CounterVec
	anomalies   *prometheus.CounterVec
	health      *Health
}

// NewObserver registers the engine's metrics and a build_info gauge on reg.
// health may be nil.
func NewObserver(reg prometheus.Registerer, version string, health *Health) (*Observer, error) {
	o := &Observer{
		callSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "call_duration_seconds",
			Help:    "Time of one call to Odoo or Compago (system odoo|compago; op model.method, or create|get|cancel; get is a poll).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"system", "op"}),
		callErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "call_errors_total",
			Help: "Failed calls to Odoo or Compago, by kind of failure.",
		}, []string{"system", "kind"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "transitions_total",
			Help: "State changes of payment attempts.",
		}, []string{"from", "to"}),
		ageAt: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "attempt_age_seconds",
			Help:    "Age of an attempt when it entered a state: pending is the create latency, confirmed the customer's time, recorded the time until Odoo had the payment.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"state"}),
		lastTick: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "loop_last_pass_timestamp_seconds",
			Help: "When each engine loop (watch, poll, sync, create) last ran a pass, Unix time.",
		}, []string{"loop"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "loop_passes_total",
			Help: "Passes of each engine loop (watch, poll, sync, create): with call_duration_seconds, the Odoo calls of the watcher's own reads.",
		}, []string{"loop"}),
		anomalies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "anomalies_total",
			Help: "Answers of Compago the document does not show or that contradict another, by kind (each also a warn or error log line).",
		}, []string{"kind"}),
		health: health,
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "The running build: always 1.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	for _, c := range []prometheus.Collector{o.callSeconds, o.callErrors, o.transitions, o.ageAt, o.lastTick, o.passes, o.anomalies, build} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return o, nil
}

// Call observes one call to Odoo or Compago.
func (o *Observer) Call(system, op string, d time.Duration, err error) {
	o.callSeconds.WithLabelValues(system, op).Observe(d.Seconds())
	if err != nil {
		o.callErrors.WithLabelValues(system, ErrorKind(system, err)).Inc()
	}
	if o.health != nil {
		o.health.Call(system, op, d, err)
	}
}

// Transition counts a committed state change.
func (o *Observer) Transition(from, to journal.State, age time.Duration) {
	f := string(from)
	if f == "" {
		f = "new"
	}
	o.transitions.WithLabelValues(f, string(to)).Inc()
	o.ageAt.WithLabelValues(string(to)).Observe(age.Seconds())
	if o.health != nil {
		o.health.Transition(from, to, age)
	}
}

// Anomaly counts one odd answer of Compago, by kind.
func (o *Observer) Anomaly(kind string) { o.anomalies.WithLabelValues(kind).Inc() }

// Tick records a pass of an engine loop.
func (o *Observer) Tick(loop string) {
	o.lastTick.WithLabelValues(loop).SetToCurrentTime()
	o.passes.WithLabelValues(loop).Inc()
	if o.health != nil {
		o.health.Tick(loop)
	}
}

// ErrorKind names what kind of failure err is, for the call_errors_total
// label.
func ErrorKind(system string, err error) string {
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	if system == "compago" {
		var ce *compago.Error
		if errors.As(err, &ce) {
			if k, ok := compagoKinds[ce.Kind]; ok {
				return k
			}
		}
		return "other"
	}
	switch {
	case odoo.IsTransport(err):
		return "unreachable"
	case odoo.IsAccessDenied(err):
		return "access_denied"
	case odoo.IsConflict(err):
		return "conflict"
	case odoo.IsMissing(err):
		return "missing"
	case odoo.IsUserError(err):
		return "user_error"
	}
	return "other"
}

var compagoKinds = map[error]string{
	compago.ErrUnauthorized:        "unauthorized",
	compago.ErrNoOrganization:      "no_organization",
	compago.ErrCurrency:            "currency",
	compago.ErrTerminalNotFound:    "terminal_not_found",
	compago.ErrIntentNotFound:      "intent_not_found",
	compago.ErrAlreadyConfirmed:    "already_confirmed",
	compago.ErrDuplicateExternalID: "duplicate_external_id",
	compago.ErrValidation:          "validation",
	compago.ErrRateLimited:         "rate_limited",
	compago.ErrUnavailable:         "unavailable",
	compago.ErrOutcomeUnknown:      "outcome_unknown",
	compago.ErrWrongIntent:         "wrong_intent",
}

// answered reports whether the system answered the call at all: a refusal
// is an answer, a timeout or a dropped connection is not.
func answered(system string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, context.Canceled):
		return true // we gave up; says nothing about the server
	case system == "journal":
		// Refusals of a change (a live attempt, a stale lease) are answers;
		// anything else (a full disk, a lost database) is the journal failing.
		return errors.Is(err, journal.ErrLiveAttempt) || errors.Is(err, journal.ErrDuplicate) ||
			errors.Is(err, journal.ErrTransition) || errors.Is(err, journal.ErrImmutable) ||
			errors.Is(err, journal.ErrNotFound) || errors.Is(err, journal.ErrInvalid) || errors.Is(err, journal.ErrLeaseLost)
	case system == "compago":
		return !errors.Is(err, compago.ErrUnavailable) && !errors.Is(err, compago.ErrOutcomeUnknown)
	default:
		return !odoo.IsTransport(err)
	}
}
