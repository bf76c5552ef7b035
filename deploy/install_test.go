package deploy_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

var (
	debOnce sync.Once
	debPath string
	debErr  error
	debOut  []byte
)

// buildDeb builds the package once for the tests of this package.
func buildDeb(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and the package (about a minute); not with -short")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed (Debian and Ubuntu have it)")
	}
	debOnce.Do(func() {
		dist, err := os.MkdirTemp("", "compago-deb-")
		if err != nil {
			debErr = err
			return
		}
		cmd := exec.Command("bash", "build-deb.sh")
		cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION=1.2.3")
		if debOut, debErr = cmd.CombinedOutput(); debErr != nil {
			return
		}
		debs, _ := filepath.Glob(filepath.Join(dist, "compago-connector_1.2.3_*.deb"))
		if len(debs) != 1 {
			debErr = fmt.Errorf("want one package named compago-connector_1.2.3_<arch>.deb in %s, got %v", dist, debs)
			return
		}
		debPath = debs[0]
	})
	if debErr != nil {
		t.Fatalf("deploy/build-deb.sh: %v\n%s", debErr, debOut)
	}
	return debPath
}

// installRoot is where the test installs the package: a throwaway root
// (dpkg --root, the maintainer scripts run with $DPKG_ROOT), or the real
// root when CI runs the tests as root on a machine of its own
// (COMPAGO_TEST_REAL_ROOT=1).
type installRoot struct {
	dir  string // "" for the real root
	real bool
}

func newInstallRoot(t *testing.T) *installRoot {
	t.Helper()
	if os.Getenv("COMPAGO_TEST_REAL_ROOT") == "1" {
		if os.Geteuid() != 0 {
			t.Skip("COMPAGO_TEST_REAL_ROOT=1 needs root")
		}
		return &installRoot{real: true}
	}
	if os.Geteuid() != 0 {
		t.Skip("dpkg --root needs root (the package's files are root's)")
	}
	dir := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The accounts files useradd --prefix edits, as a fresh system has them.
	for name, body := range map[string]string{
		"var/lib/dpkg/status": "", "var/lib/dpkg/available": "",
		"etc/passwd":  "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":   "root:x:0:\n",
		"etc/shadow":  "root:*:19000:0:99999:7:::\n",
		"etc/gshadow": "root:*::\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return &installRoot{dir: dir}
}

// path is an absolute path of the guide inside the root.
func (r *installRoot) path(p string) string { return filepath.Join(r.dir, p) }

// dpkg runs dpkg on the root.
func (r *installRoot) dpkg(t *testing.T, args ...string) string {
	t.Helper()
	if !r.real {
		args = append([]string{"--root=" + r.dir, "--force-script-chrootless", "--log=/dev/null"}, args...)
	}
	out, err := exec.Command("dpkg", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// env is the environment of a command the admin types: in a throwaway
// root, the configuration's place and the journal's directory are the
// root's (the service gets the latter as $STATE_DIRECTORY).
func (r *installRoot) env() []string {
	env := os.Environ()
	if !r.real {
		env = append(env, "COMPAGO_CONNECTOR_CONFIG="+r.path("/etc/compago-connector/config.yaml"),
			"STATE_DIRECTORY="+r.path("/var/lib/compago-connector"))
	}
	return env
}

// admin runs compago-connector as the guide shows it, with no flags.
func (r *installRoot) admin(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(r.path("/usr/bin/compago-connector"), args...)
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// guideStep fails the test unless the install guide shows the command as
// written: the test runs the guide's steps, and a change to one is a
// change to the other.
func guideStep(t *testing.T, guide, command string) {
	t.Helper()
	if !strings.Contains(guide, command) {
		t.Fatalf("the install guide (deploy/README.md) no longer shows %q; the test follows the guide", command)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A new admin installs the .deb and follows "Install on a server" to the
// letter, against the sandbox's Odoo and Compago: every command succeeds
// with no flags, the service starts, and dpkg -P takes away the secrets
// the guide had the admin put in /etc/compago-connector.
func TestInstallGuideWorksAsWritten(t *testing.T) {
	deb := buildDeb(t)
	guideText, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	guide := string(guideText)
	root := newInstallRoot(t)

	odooSim, compagoSim := odoosim.New(odoosim.Options{}), compagosim.New(compagosim.Options{})
	odooSrv, compagoSrv := httptest.NewServer(odooSim), httptest.NewServer(compagoSim)
	t.Cleanup(odooSrv.Close)
	t.Cleanup(compagoSrv.Close)

	// 1. Install the package.
	guideStep(t, guide, "dpkg -i compago-connector_*_amd64.deb")
	root.dpkg(t, "-i", deb)
	t.Cleanup(func() {
		if root.real {
			exec.Command("dpkg", "-P", "compago-connector").Run()
		}
	})
	cfgFile := root.path("/etc/compago-connector/config.yaml")
	if !root.real {
		passwd, _ := os.ReadFile(root.path("/etc/passwd"))
		if !strings.Contains(string(passwd), "\ncompago-connector:") {
			t.Errorf("the package did not create the system user compago-connector:\n%s", passwd)
		}
	}
	if info, err := os.Stat(cfgFile); err != nil {
		t.Fatal(err)
	} else if info.Mode().Perm() != 0o640 {
		t.Errorf("the installed config.yaml has mode %v; want 0640", info.Mode().Perm())
	}

	// Before configuring: doctor says what to do, not a DNS error.
	out, err := root.admin(t, "doctor")
	if err == nil || !strings.Contains(out, "not configured yet: edit "+cfgFile) {
		t.Errorf("doctor on the installed example config: want a failure saying \"not configured yet: edit …config.yaml\", got (%v):\n%s", err, out)
	}

	// 2. Configure: the keys the guide names, and the two secret files.
	guideStep(t, guide, "Edit `/etc/compago-connector/config.yaml`: at least `odoo.url`,\n`odoo.database`, `odoo.username`")
	data, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	edited := string(data)
	httpAddr := freeAddr(t) // 127.0.0.1:9477 may be taken on a shared machine
	for key, value := range map[string]string{
		"  url":      odooSrv.URL,
		"  database": "sandbox",
		"  username": "admin",
		"  base_url": compagoSrv.URL,
		"  addr":     httpAddr,
	} {
		i := strings.Index(edited, "\n"+key+":")
		if i < 0 {
			t.Fatalf("the installed config has no line %q:\n%s", key+":", edited)
		}
		end := strings.Index(edited[i+1:], "\n") + i + 1
		edited = edited[:i+1] + key + ": " + value + edited[end:]
	}
	if err := os.WriteFile(cfgFile, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []struct{ name, value string }{
		{"compago-api-key", compagosim.DefaultAPIKey},
		{"odoo-password", odoosim.SandboxAPIKey},
	} {
		path := "/etc/compago-connector/" + secret.name
		guideStep(t, guide, "install -m 600 /dev/null "+path)
		if out, err := exec.Command("install", "-m", "600", "/dev/null", root.path(path)).CombinedOutput(); err != nil {
			t.Fatalf("install -m 600 /dev/null %s: %v\n%s", path, err, out)
		}
		guideStep(t, guide, "editor "+path)
		if err := os.WriteFile(root.path(path), []byte(secret.value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	guideStep(t, guide, "    compago-connector setup\n    compago-connector doctor\n")
	if out, err := root.admin(t, "setup"); err != nil {
		t.Fatalf("compago-connector setup, as the guide says: %v\n%s", err, out)
	}
	if out, err := root.admin(t, "doctor"); err != nil {
		t.Fatalf("compago-connector doctor, as the guide says: %v\n%s", err, out)
	} else if strings.Contains(out, "FAIL") {
		t.Fatalf("doctor passed but printed a FAIL:\n%s", out)
	}

	// 3. Start: the unit's ExecStart, with what systemd gives it (the
	// credentials copied to $CREDENTIALS_DIRECTORY, $STATE_DIRECTORY).
	guideStep(t, guide, "systemctl enable --now compago-connector")
	creds := t.TempDir()
	for _, name := range []string{"compago-api-key", "odoo-password"} {
		b, err := os.ReadFile(root.path("/etc/compago-connector/" + name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(creds, name), b, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	state := root.path("/var/lib/compago-connector")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	service := exec.CommandContext(ctx, root.path("/usr/bin/compago-connector"), "run", "--config", cfgFile)
	service.Env = append(os.Environ(), "CREDENTIALS_DIRECTORY="+creds, "STATE_DIRECTORY="+state)
	var serviceLog bytes.Buffer
	service.Stdout, service.Stderr = &serviceLog, &serviceLog
	service.Cancel = func() error { return service.Process.Signal(os.Interrupt) }
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stopService := func() {
		if !stopped {
			stopped = true
			stop()
			service.Wait()
		}
	}
	t.Cleanup(stopService)
	guideStep(t, guide, "curl -s 127.0.0.1:9477/readyz")
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service is not ready after 30 s; its log:\n%s", serviceLog.String())
		}
		time.Sleep(100 * time.Millisecond) // polling a listener the service opens when ready
	}

	// 4. Watch it: the admin commands, with no flags, beside the service.
	for _, args := range [][]string{{"doctor"}, {"reconcile"}, {"intents", "list"}} {
		out, err := root.admin(t, args...)
		if err != nil {
			t.Errorf("compago-connector %s beside the running service: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	stopService()

	// Remove: dpkg -P takes the secrets and the configuration away and
	// keeps the journal, as the guide says.
	guideStep(t, guide, "dpkg -P compago-connector")
	root.dpkg(t, "-P", "compago-connector")
	for _, gone := range []string{"/etc/compago-connector/compago-api-key", "/etc/compago-connector/odoo-password",
		"/etc/compago-connector/config.yaml", "/etc/compago-connector", "/usr/bin/compago-connector"} {
		if _, err := os.Stat(root.path(gone)); err == nil {
			t.Errorf("%s is still there after dpkg -P", gone)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "journal.db")); err != nil {
		t.Errorf("dpkg -P removed the journal (the record of every payment): %v", err)
	}
}
