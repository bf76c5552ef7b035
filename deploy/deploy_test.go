// Package deploy_test checks the systemd unit and the Debian package.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// unitForVerify copies the unit with ExecStart pointing at a binary that
// exists here: systemd-analyze verify refuses a missing executable, and
// /usr/bin/compago-connector exists only once the package is installed.
func unitForVerify(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("compago-connector.service")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) to stand in for the binary")
	}
	path := filepath.Join(t.TempDir(), "compago-connector.service")
	unit := strings.Replace(string(data), "/usr/bin/compago-connector ", bin+" ", 1)
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	return path
}

func TestUnitFilePassesSystemdAnalyzeVerify(t *testing.T) {
	sa := systemdAnalyze(t)
	out, err := exec.Command(sa, "verify", unitForVerify(t)).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestUnitFileIsHardened(t *testing.T) {
	sa := systemdAnalyze(t)
	out, err := exec.Command(sa, "security", "--offline=true", unitForVerify(t)).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Skipf("this systemd-analyze cannot score a unit offline (%v):\n%s", err, out)
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security exposure: %.1f", score)
	if score > 2.0 {
		t.Errorf("exposure %.1f, want 2.0 or less (OK); the report:\n%s", score, out)
	}
}

func TestDebianPackageHoldsBinaryUnitConfigAndUser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and nfpm")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed (Debian and Ubuntu have it)")
	}
	dist := t.TempDir()
	cmd := exec.Command("bash", "build-deb.sh")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION=1.2.3")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("deploy/build-deb.sh: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dist, "compago-connector_1.2.3_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("want one package named compago-connector_1.2.3_<arch>.deb in %s, got %v", dist, debs)
	}
	deb := debs[0]
	dpkg := func(args ...string) string {
		out, err := exec.Command("dpkg-deb", append(args, deb)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	contents := dpkg("-c")
	for _, want := range []string{
		"-rwxr-xr-x root/root .* ./usr/bin/compago-connector\n",
		"-rw-r--r-- root/root .* ./lib/systemd/system/compago-connector.service\n",
		"-rw-r----- root/root .* ./etc/compago-connector/config.yaml\n",
		" ./usr/share/doc/compago-connector/README.md\n",
		" ./usr/share/doc/compago-connector/compago-connector.example.yaml\n",
		" ./usr/share/doc/compago-connector/store-dsn.conf\n",
	} {
		if !regexp.MustCompile(want).MatchString(contents) {
			t.Errorf("the package lacks %q:\n%s", want, contents)
		}
	}
	// The Odoo addon, one addons-path entry per Odoo version.
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		dir := "./usr/share/compago-connector/odoo-addons/" + v + "/pos_compago_connector/"
		for _, f := range []string{"__manifest__.py", "__init__.py", "models/pos_order.py",
			"security/ir.model.access.csv", "i18n/es_MX.po"} {
			if !regexp.MustCompile("-rw-r--r-- root/root .* " + regexp.QuoteMeta(dir+f) + "\n").MatchString(contents) {
				t.Errorf("the package lacks the Odoo %s addon's %s:\n%s", v, f, contents)
			}
		}
	}
	if strings.Contains(contents, "__pycache__") || strings.Contains(contents, ".go\n") {
		t.Errorf("the package ships compiled Python or Go test files under odoo-addons:\n%s", contents)
	}
	ctrl := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-e", deb, ctrl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v\n%s", err, out)
	}
	conffiles, _ := os.ReadFile(filepath.Join(ctrl, "conffiles"))
	if !strings.Contains(string(conffiles), "/etc/compago-connector/config.yaml") {
		t.Errorf("config.yaml is not a conffile (an upgrade would overwrite the admin's edits): %q", conffiles)
	}
	preinst, _ := os.ReadFile(filepath.Join(ctrl, "preinst"))
	if !strings.Contains(string(preinst), "useradd --system") {
		t.Errorf("preinst does not create the system user:\n%s", preinst)
	}
	root := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(root, "usr/bin/compago-connector"), "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "compago-connector 1.2.3" {
		t.Errorf("the packaged binary says %q (%v), want compago-connector 1.2.3", out, err)
	}
}
