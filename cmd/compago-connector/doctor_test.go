package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// Right after dpkg -i the admin runs doctor: it says the file is not
// configured yet (not a DNS error for a made-up server); once the file is
// filled in but the secret files are not created, its fix is the guide's:
// create them.
func TestDoctorGuidesAFreshInstallStepByStep(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	example, err := os.ReadFile("../../deploy/compago-connector.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, example, 0o640); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	out, err := runDoctorWith(t, file)
	if exitOf(err) != 1 || !strings.Contains(out, "FAIL config: not configured yet: edit "+file) {
		t.Errorf("doctor on the example as installed (exit %d):\n%s\nwant FAIL config: not configured yet: edit %s", exitOf(err), out, file)
	}

	sims := startSimulators(t)
	filled := strings.NewReplacer(
		`url: ""  `, "url: "+sims.odooURL+" ",
		`database: ""`, "database: sandbox",
		`username: ""`, "username: admin",
	).Replace(string(example))
	if err := os.WriteFile(file, []byte(filled), 0o640); err != nil {
		t.Fatal(err)
	}
	out, _ = runDoctorWith(t, file)
	for _, want := range []string{
		"FAIL config: secret files not created yet: ",
		"install -m 600 /dev/null " + filepath.Join(dir, "compago-api-key"),
		"install -m 600 /dev/null " + filepath.Join(dir, "odoo-password"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor with the secret files not created lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "correct the key named above") {
		t.Errorf("doctor tells to correct a key where the fix is to create the secret files:\n%s", out)
	}
}

// Run as root, doctor does not open the service user's journal (SQLite
// could leave root's files beside it) and does not send the admin to run
// it as the service user, who cannot read the root-only secrets: it says
// what checks the journal instead.
func TestDoctorAsRootSaysWhatChecksTheServiceUsersJournal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the journal to another user")
	}
	sims := startSimulators(t)
	file := sims.writeConfig(t, "", "{}")
	stop := make(chan struct{})
	d := startDaemonUntil(t, file, stop)
	close(stop)
	if err := <-d.done; err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	m := regexp.MustCompile(`path: (\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no store.path in %s", data)
	}
	if err := os.Chown(string(m[1]), 12345, 12345); err != nil {
		t.Fatal(err)
	}
	out, _ := runDoctorWith(t, file)
	if strings.Contains(out, "sudo -u") || !strings.Contains(out, "SKIP journal:") || !strings.Contains(out, "/readyz") {
		t.Errorf("doctor as root on the service user's journal: want a SKIP saying the service checks it (/readyz), not to run doctor as that user:\n%s", out)
	}
}
