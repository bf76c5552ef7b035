package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A console log written to a file or a pipe (journald, a redirect) has no
// colour codes: they are for a terminal only.
func TestConsoleLogHasNoColourOffATerminal(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "info", "console")
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Str("order", "Shop/0001").Msg("payment recorded")
	if strings.Contains(b.String(), "\x1b[") {
		t.Errorf("the console log to a buffer has colour codes: %q", b.String())
	}
}

// The daemon's log says durations with their unit ("retry_in":"1s", not
// 1000), and its last line says it stopped.
func TestDaemonLogsDurationsWithUnitsAndALastLineWhenStopped(t *testing.T) {
	sims := startSimulators(t)
	file := sims.writeConfig(t, "", "{}")
	sims.odoo.SetDown(true) // the daemon waits for Odoo: "cannot reach Odoo yet", retry_in
	stop := make(chan struct{})
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runUntil(stop, []string{"run", "--config", file}, logs) }()
	waitFor(t, "the daemon to say it cannot reach Odoo", 10e9, func() bool {
		return strings.Contains(logs.String(), "cannot reach Odoo yet")
	})
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("the daemon stopped with %v", err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	for _, l := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		if v, ok := entry["retry_in"]; ok {
			if s, isString := v.(string); !isString || !strings.HasSuffix(s, "s") {
				t.Errorf("retry_in is %v, want a duration with its unit such as \"1s\": %s", v, l)
			}
		}
	}
	var last struct{ Message string }
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	if last.Message != "stopped" {
		t.Errorf("the daemon's last log line is %q, want \"stopped\"", lines[len(lines)-1])
	}
}
