package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/config"
)

// exitOf is the status the program exits with for run's error.
func exitOf(err error) int {
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	}
	return 1
}

// every command an admin can type, as the top-level usage lists them.
var everyCommand = [][]string{
	{"run"}, {"setup"}, {"check"}, {"doctor"}, {"reconcile"},
	{"intents"}, {"intents", "list"}, {"intents", "show"}, {"intents", "retry"},
	{"intents", "cancel"}, {"intents", "settle"},
	{"sandbox"}, {"bench"}, {"version"},
}

// An admin who types `compago-connector COMMAND -h` reads what the command
// does and each flag with its type and default, and the shell sees 0; a
// mistyped flag gives one error line and 2, whatever the command.
func TestEveryCommandHasHelpExitZeroAndUnknownFlagExitTwo(t *testing.T) {
	for _, cmd := range everyCommand {
		name := strings.Join(cmd, " ")
		for _, help := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append(append([]string{}, cmd...), help), &out, &errOut)
			if code := exitOf(err); code != 0 {
				t.Errorf("%s %s: exit %d, want 0; stderr:\n%s", name, help, code, errOut.String())
				continue
			}
			usage := out.String()
			if !strings.Contains(usage, "Usage: compago-connector "+name) || !strings.Contains(usage, "Exit status: 0") {
				t.Errorf("%s %s: the usage does not name the command and the exit status:\n%s", name, help, usage)
			}
			if name != "version" && !strings.Contains(usage, "(default ") {
				t.Errorf("%s %s: no flag with its default in the usage:\n%s", name, help, usage)
			}
		}
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(append([]string{}, cmd...), "--bogus"), &out, &errOut)
		if code := exitOf(err); code != 2 {
			t.Errorf("%s --bogus: exit %d, want 2", name, code)
		}
		lines := strings.Split(strings.TrimRight(errOut.String(), "\n"), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "bogus") {
			t.Errorf("%s --bogus: want one error line naming the flag, got:\n%s", name, errOut.String())
		}
		if out.Len() > 0 {
			t.Errorf("%s --bogus: wrote to stdout:\n%s", name, out.String())
		}
	}
}

// Flags that set a configuration key are named as the key on every command
// (one style): the sandbox's log level is --log.level, as on run.
func TestOneFlagStyleForConfigurationKeys(t *testing.T) {
	for _, cmd := range [][]string{{"run"}, {"sandbox"}, {"doctor"}, {"intents", "list"}} {
		var out bytes.Buffer
		_ = run(context.Background(), append(append([]string{}, cmd...), "--help"), &out, &bytes.Buffer{})
		if !strings.Contains(out.String(), "--log.level") {
			t.Errorf("%v --help has no --log.level:\n%s", cmd, out.String())
		}
		if strings.Contains(out.String(), "--log-level") {
			t.Errorf("%v --help has --log-level beside --log.level", cmd)
		}
	}
}

// loadConfig loads the configuration the way a command given args does.
func loadConfig(name string, args []string, stderr io.Writer) (*config.Config, []string, error) {
	c := newCommand(name, "", "", io.Discard, stderr).withConfig()
	if err := parseConfigCommand(c, args); err != nil {
		return nil, nil, err
	}
	return c.loadConfig()
}

// runUntil runs the program with args until stop is closed (SIGTERM), its
// stderr into errOut.
func runUntil(stop <-chan struct{}, args []string, errOut io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stop; cancel() }()
	return run(ctx, args, io.Discard, errOut)
}

// A plain `go build` in a git clone records the revision: version says it
// (a dirty tree says so too).
func TestVersionIsTheVCSRevisionOfAPlainBuild(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "702a82b74ff842eb1f67d5aaad47915007672b32"},
		{Key: "vcs.modified", Value: "true"},
	}}
	if got := versionOf(info); got != "dev-702a82b74ff8-dirty" {
		t.Errorf("version of a plain build in a modified clone: %q, want dev-702a82b74ff8-dirty", got)
	}
	info.Settings = nil
	if got := versionOf(info); got != "dev" {
		t.Errorf("version without VCS information: %q, want dev", got)
	}
}
