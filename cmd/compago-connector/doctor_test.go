package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

func runDoctorWith(t *testing.T, file string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"doctor", "--config", file}, &out, io.Discard)
	return out.String(), err
}

func TestDoctorSaysOKForEveryCheckOfAGoodInstall(t *testing.T) {
	sims := startSimulators(t)
	file := sims.writeConfig(t, "", "{Shop: TERMINAL-001}")
	out, err := runDoctorWith(t, file)
	if err != nil || strings.Contains(out, "FAIL") {
		t.Fatalf("doctor on a good install: %v\n%s", err, out)
	}
	for _, want := range []string{"OK   config:", "OK   file permissions:", "OK   journal:", "OK   odoo login:",
		"OK   odoo version: 18.0", "OK   fields:", "OK   payment method:", "OK   point of sale Shop: offers Compago",
		"OK   terminal TERMINAL-001:", "OK   compago key:", "SKIP service:"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// After the daemon ran, the journal exists and is checked.
	d := startDaemon(t, file)
	_ = d
	out, _ = runDoctorWith(t, file)
	if !strings.Contains(out, "in use by the running service") {
		t.Errorf("doctor while the service runs must say the journal is in use:\n%s", out)
	}
}

func TestDoctorGivesTheFixForEachProblem(t *testing.T) {
	sims := startSimulators(t)
	file := sims.writeConfig(t, "", "{Bar: TERMINAL-002}")
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	os.WriteFile(file, bytes.Replace(data, []byte("api_key: sandbox-key"), []byte("api_key: wrong-key-value"), 1), 0o644)
	out, err := runDoctorWith(t, file)
	if err == nil {
		t.Fatalf("doctor with problems exited 0:\n%s", out)
	}
	for _, want := range []string{
		"FAIL file permissions:",
		`FAIL terminal TERMINAL-002: connector.terminals names POS "Bar", which Odoo does not have; fix: `,
		"FAIL compago key: rejected by",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "FAIL") && !strings.Contains(line, "; fix: ") {
			t.Errorf("a failure without its fix: %s", line)
		}
	}
	if strings.Contains(out, "wrong-key-value") {
		t.Errorf("doctor printed the secret:\n%s", out)
	}
	// Odoo down: one line saying where to look.
	sims.odoo.SetDown(true)
	out, _ = runDoctorWith(t, file)
	if !strings.Contains(out, "FAIL odoo login:") || !strings.Contains(out, "curl "+sims.odooURL) {
		t.Errorf("doctor with Odoo down:\n%s", out)
	}
}
