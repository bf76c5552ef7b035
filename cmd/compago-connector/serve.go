package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector/metrics"
)

// observability is what runEngine wires for the admin: the metrics
// registry, the engine's observer and its health.
type observability struct {
	registry *prometheus.Registry
	observer *metrics.Observer
	health   *metrics.Health
	proof    []byte // key of the answer to doctor's challenge (healthproof.go)
}

func newObservability(j metrics.Journal, hc metrics.HealthConfig) (*observability, error) {
	reg := prometheus.NewRegistry()
	health := metrics.NewHealth(j, hc)
	obs, err := metrics.NewObserver(reg, buildVersion(), health)
	if err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{
		metrics.NewJournalCollector(j, nil),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return &observability{registry: reg, observer: obs, health: health}, nil
}

// handler serves /healthz (alive: every engine loop passing), /readyz (the
// daemon can take payments now) and /metrics.
func (o *observability) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := o.health.Alive(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		checks := o.health.Ready(r.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !metrics.IsReady(checks) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		for _, c := range checks {
			status := "ok  "
			if !c.OK {
				status = "FAIL"
			}
			fmt.Fprintf(w, "%s %s: %s\n", status, c.Name, c.Detail)
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{Timeout: 10 * time.Second}))
	return withProof(o.proof, mux)
}

// serveHTTP listens on addr (http.addr) and serves until ctx ends. The
// listener failing to start is logged, not fatal: payments matter more
// than their metrics, and the admin sees the error line.
func (o *observability) serveHTTP(ctx context.Context, addr string, log zerolog.Logger) (stop func()) {
	if addr == "" {
		return func() {}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error().Err(err).Str("addr", addr).Msg("health and metrics listener not started (http.addr); payments go on without it")
		return func() {}
	}
	srv := &http.Server{Handler: o.handler(), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("health and metrics listener stopped")
		}
	}()
	log.Info().Str("url", "http://"+ln.Addr().String()).Msg("health and metrics listening")
	return func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-done
	}
}

// operations is what the admin and systemd see of a running daemon: the
// health and metrics listener and the notify protocol.
type operations struct {
	*observability
	sd       *notifier
	log      zerolog.Logger
	stopHTTP func()
	cancel   context.CancelFunc
	done     chan struct{}
}

// startOperations starts the listener and the watchdog; stop ends both.
func startOperations(ctx context.Context, cfg *config.Config, j metrics.Journal, log zerolog.Logger) (*operations, error) {
	obs, err := newObservability(j, metrics.HealthConfig{
		WatchInterval: cfg.Connector.WatchInterval, PollInterval: cfg.Compago.PollInterval,
		OdooTimeout: cfg.Odoo.Timeout, CompagoTimeout: cfg.Compago.Timeout,
	})
	if err != nil {
		return nil, err
	}
	obs.proof = proofKey(cfg.Compago.APIKey.Value())
	o := &operations{observability: obs, sd: newNotifier(os.Getenv), log: log, done: make(chan struct{})}
	o.stopHTTP = obs.serveHTTP(ctx, cfg.HTTP.Addr, log)
	loopCtx, cancel := context.WithCancel(ctx)
	o.cancel = cancel
	go func() {
		defer close(o.done)
		o.sd.watchdogLoop(loopCtx, obs.health.Alive, log)
	}()
	go func() {
		// STOPPING=1 as soon as the stop begins: the drain that follows
		// may take a while and systemd should show why.
		<-loopCtx.Done()
		if ctx.Err() != nil {
			o.sd.notify(log, "STOPPING=1\nSTATUS=stopping: finishing work in flight")
		}
	}()
	return o, nil
}

// ready tells systemd the service is up: the journal is open and the
// listener serves. It is sent before Odoo answers, so that an Odoo down at
// boot does not fail the start; /readyz says whether payments flow.
func (o *operations) ready(odooURL string) {
	o.sd.notify(o.log, "READY=1\nSTATUS=connecting to Odoo at "+odooURL)
}

// engineStarting starts the loop checks of the health and the watchdog.
func (o *operations) engineStarting() {
	o.health.Start()
	o.sd.notify(o.log, "STATUS=running")
}

func (o *operations) stop() {
	o.cancel()
	<-o.done
	o.stopHTTP()
}
