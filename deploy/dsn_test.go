package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// dropIn is the drop-in that hands the PostgreSQL DSN to the service as a
// systemd credential.
const dropIn = "compago-connector.service.d/store-dsn.conf"

// A PostgreSQL DSN holds a password. The example config used to say "add
// LoadCredential=... store-dsn in the unit" while the shipped unit had
// none, and the README's dsn_file in /etc was either unreadable by the
// service user or reported by doctor. The package ships a drop-in that
// works: it loads the credential, passes systemd-analyze verify together
// with the unit, and the README and the example config name it.
func TestPostgresDSNIsGivenAsACredentialByAShippedDropIn(t *testing.T) {
	data, err := os.ReadFile(dropIn)
	if err != nil {
		t.Fatalf("no drop-in for the PostgreSQL DSN: %v", err)
	}
	if !strings.Contains(string(data), "\nLoadCredential=store-dsn:/etc/compago-connector/store-dsn\n") {
		t.Errorf("%s does not load the store-dsn credential:\n%s", dropIn, data)
	}
	sa := systemdAnalyze(t)
	unit := unitForVerify(t)
	dir := unit + ".d"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "store-dsn.conf"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sa, "verify", unit).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify of the unit with the drop-in: %v\n%s", err, out)
	}
	for _, doc := range []string{"../README.md", "README.md", "compago-connector.example.yaml"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), "store-dsn.conf") {
			t.Errorf("%s does not tell how to install the drop-in store-dsn.conf", doc)
		}
		if strings.Contains(string(text), "dsn_file: /etc/compago-connector/store-dsn") {
			t.Errorf("%s still suggests dsn_file in /etc, which the service user cannot read", doc)
		}
	}
	nfpm, _ := os.ReadFile("nfpm.yaml")
	if !strings.Contains(string(nfpm), "src: deploy/"+dropIn) {
		t.Errorf("nfpm.yaml does not ship %s", dropIn)
	}
}
