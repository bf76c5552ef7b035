package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// benchFlags are the knobs of `compago-connector bench`.
type benchFlags struct {
	terminals      int
	orders         int           // stop after this many orders (0: use duration)
	duration       time.Duration // how long orders arrive
	rate           float64       // orders per second
	cardMin        time.Duration // the customer's card time, uniform in [min, max]
	cardMax        time.Duration
	cancelShare    float64
	expireShare    float64
	odooLatency    time.Duration
	compagoLatency time.Duration
	pollInterval   time.Duration
	watchInterval  time.Duration
	idle           time.Duration // idle window measured after the load
	odooVersion    int
	inProcess      bool
	seed           int64
}

const benchAbout = `Load benchmark: drives the real daemon against the simulators over
loopback with virtual terminals and cashiers, and reports latencies,
throughput and call counts; its last line is one key=value summary. Exit
status 1: a payment was lost or recorded twice.`

func parseBenchFlags(args []string, stdout, stderr io.Writer) (benchFlags, error) {
	var f benchFlags
	c := newCommand("bench", "[--terminals N] [--orders N] [--duration D] [flags]", benchAbout, stdout, stderr)
	fs := c.fs
	fs.IntVar(&f.terminals, "terminals", 50, "virtual terminals (one pending intent each at most)")
	fs.IntVar(&f.orders, "orders", 0, "stop after this many orders (0: run for --duration)")
	fs.DurationVar(&f.duration, "duration", 60*time.Second, "how long orders keep arriving")
	fs.Float64Var(&f.rate, "rate", 5, "orders arriving per second")
	fs.DurationVar(&f.cardMin, "card-min", 2*time.Second, "shortest card time (flag to approval)")
	fs.DurationVar(&f.cardMax, "card-max", 8*time.Second, "longest card time")
	fs.Float64Var(&f.cancelShare, "cancel", 0.05, "share of orders the cashier cancels")
	fs.Float64Var(&f.expireShare, "expire", 0.02, "share of intents left to expire")
	fs.DurationVar(&f.odooLatency, "odoo-latency", 20*time.Millisecond, "simulated network latency to Odoo")
	fs.DurationVar(&f.compagoLatency, "compago-latency", 60*time.Millisecond, "simulated network latency to Compago")
	fs.DurationVar(&f.pollInterval, "compago.poll_interval", 3*time.Second, "the daemon's compago.poll_interval")
	fs.DurationVar(&f.watchInterval, "connector.watch_interval", time.Second, "the daemon's connector.watch_interval")
	fs.DurationVar(&f.idle, "idle", 5*time.Second, "idle window measured after the load (Odoo and Compago calls when nothing happens)")
	fs.IntVar(&f.odooVersion, "odoo-version", 18, "Odoo version the simulator behaves as")
	fs.BoolVar(&f.inProcess, "in-process", false, "run the daemon in this process (no CPU/RSS figures of its own)")
	fs.Int64Var(&f.seed, "seed", 1, "randomness of arrivals and card times")
	if err := c.noArgs(c.parse(args)); err != nil {
		return f, err
	}
	var bad error
	switch {
	case f.terminals < 1:
		bad = errors.New("--terminals must be at least 1")
	case f.rate <= 0:
		bad = errors.New("--rate must be positive")
	case f.cardMin < 0 || f.cardMax < f.cardMin:
		bad = errors.New("want 0 <= --card-min <= --card-max")
	case f.cancelShare < 0 || f.expireShare < 0 || f.cancelShare+f.expireShare > 1:
		bad = errors.New("--cancel and --expire are shares between 0 and 1")
	case f.orders == 0 && f.duration <= 0:
		bad = errors.New("give --orders or a positive --duration")
	}
	if bad != nil {
		return f, c.usageError(bad)
	}
	return f, nil
}

// runBench drives the real daemon against the simulators over loopback and
// reports latencies, throughput and call counts; its last line is one
// key=value summary.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	b, err := newBench(f, stderr)
	if err != nil {
		return err
	}
	defer b.close()
	res, err := b.run(ctx)
	if err != nil {
		return err
	}
	res.print(stdout)
	if res.lost > 0 || res.duplicated > 0 {
		return exitCode(1)
	}
	return nil
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

func msOf(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)) }
