// Command compago-connector lets Odoo Point of Sale take card payments on
// Compago terminals. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/compago-odoo/connector/connector/safetext"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usage = `compago-connector: Compago card payments for Odoo Point of Sale

Usage:
  compago-connector run      [--config FILE] [flags]   the daemon
  compago-connector setup    [--config FILE] [--admin LOGIN] [flags]   the x_compago_* fields; with --admin the dedicated Odoo user and its key (idempotent)
  compago-connector check    [--config FILE] [flags]   check config, Odoo, fields, payment method, Compago key
  compago-connector doctor   [--config FILE] [flags]   every check the admin needs, with the fix for each failure
  compago-connector reconcile [--since 24h] [--format table|csv|json] [--refresh]   what does not match, for back office
  compago-connector intents  list|show|retry|cancel      the journal's payment attempts, for the admin
  compago-connector sandbox  [flags]                   simulators and the daemon, for a demo or development
  compago-connector bench    [--terminals N] [--orders N] [--duration D] [--odoo-url URL --config FILE]
                             load benchmark against the simulators, or a real (test) Odoo
  compago-connector version                            the version of this build

Run "compago-connector COMMAND --help" for what a command does and its flags.
Every command reads /etc/compago-connector/config.yaml (or --config FILE) and
the secret files beside it, as the service does.

` + exitStatusTable

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var exit exitCode
	switch {
	case err == nil:
	case errors.As(err, &exit):
		os.Exit(int(exit))
	default:
		// A command that could not run (exitStatusTable).
		fmt.Fprintln(os.Stderr, "compago-connector:", printable(err.Error()))
		os.Exit(2)
	}
}

// exitCode ends the program with that code after the command has already
// said why.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run dispatches a command. Cancelling ctx is the normal way to stop a
// long-running command; it is not an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCode(2)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runDaemon(ctx, rest, stdout, stderr)
	case "setup":
		return runSetup(ctx, rest, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, rest, stdout, stderr)
	case "doctor":
		return runDoctor(ctx, rest, stdout, stderr)
	case "reconcile":
		return runReconcile(ctx, rest, stdout, stderr)
	case "intents":
		return runIntents(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		c := newCommand("version", "", "Prints the version of this build: the one it was packaged as, else the\nrevision of the source it was built from.", stdout, stderr)
		if err := c.noArgs(c.parse(rest)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "compago-connector", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitCode(2)
}

// printable escapes what a terminal would run in a message that may quote
// Odoo or Compago, line by line: an error of several lines (every problem
// of a config) stays readable.
func printable(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = safetext.Terminal(l)
	}
	return strings.Join(lines, "\n")
}
