package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/compago-odoo/connector/config"
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

	// A real Odoo instead of odoosim: --odoo-url, with the database, login
	// and secret as the daemon's configuration takes them (--config, the
	// COMPAGO_CONNECTOR_ODOO__* environment, the -odoo.* flags).
	odooURL    string
	configFile string
	cfgFlags   *flag.FlagSet // the parsed set, for config.Load
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
	fs.StringVar(&f.odooURL, "odoo-url", "", "run against this real Odoo instead of odoosim (a test database: the bench adds orders to its opened session); "+
		"database, login and secret as the daemon's config takes them: --config, $"+config.EnvPrefix+"ODOO__*, --odoo.* flags")
	fs.StringVar(&f.configFile, "config", "", "with --odoo-url: the daemon's YAML configuration file (its odoo section and connector.payment_method, connector.fields)")
	registerOdooFlags(fs)
	if err := c.noArgs(c.parse(args)); err != nil {
		return f, err
	}
	f.cfgFlags = fs
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
	case f.odooURL == "" && f.configFile != "":
		bad = errors.New("--config is for a real Odoo: give --odoo-url too")
	}
	if f.odooURL != "" && bad == nil {
		var simOnly []string
		fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "odoo-latency" || fl.Name == "odoo-version" {
				simOnly = append(simOnly, "--"+fl.Name)
			}
		})
		if len(simOnly) > 0 {
			bad = fmt.Errorf("%s shape odoosim, not a real Odoo (--odoo-url)", strings.Join(simOnly, " and "))
		}
	}
	if bad != nil {
		return f, c.usageError(bad)
	}
	return f, nil
}

// registerOdooFlags gives bench the daemon's flags for the keys that say
// which Odoo and how to pay in it (-odoo.database, -odoo.username,
// -odoo.password_file is not a flag: secrets come from a file or the
// environment, never the command line); the rest of the daemon's
// configuration is the bench's to set.
func registerOdooFlags(fs *flag.FlagSet) {
	all := flag.NewFlagSet("config", flag.ContinueOnError)
	config.RegisterFlags(all)
	all.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "odoo.") && f.Name != "odoo.url" ||
			f.Name == "connector.payment_method" || f.Name == "connector.fields" {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
}

// benchOdooConfig loads the daemon's configuration for a real Odoo: its
// odoo section, connector.payment_method and connector.fields count, as
// `run` would read them; the Compago side, the journal and the listener
// are the bench's. Compago's keys get placeholders here so that the
// merchant's Compago settings are neither needed nor read.
func benchOdooConfig(f benchFlags, stderr io.Writer) (*config.Config, error) {
	environ := []string{config.EnvPrefix + "COMPAGO__BASE_URL=http://127.0.0.1:1", config.EnvPrefix + "COMPAGO__API_KEY=unused"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.EnvPrefix+"COMPAGO__") {
			environ = append(environ, kv)
		}
	}
	// --odoo-url wins over the file's and the environment's odoo.url (a
	// later entry of the environment replaces an earlier one).
	environ = append(environ, config.EnvPrefix+"ODOO__URL="+f.odooURL)
	cfg, warnings, err := config.Load(config.Source{File: f.configFile, Environ: environ, Flags: f.cfgFlags})
	if err != nil {
		return nil, fmt.Errorf("bench: the Odoo configuration: %w", err)
	}
	for _, w := range warnings {
		if strings.HasPrefix(w, "odoo.") {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	return cfg, nil
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
