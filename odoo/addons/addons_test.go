// Package addons_test runs the Odoo addon pos_compago_connector's own
// tests (Python, Odoo's test runner) on real Odoo 17.0, 18.0 and 19.0, and
// checks that the three copies share what they claim to share.
//
// Each odoo/addons/<version> directory is one entry of that Odoo
// version's addons path.
package addons_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/compago-odoo/connector/odoo/odootest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	odootest.Stop()
	os.Exit(code)
}

const module = "pos_compago_connector"

// addonsDir is the version's entry of the addons path.
func addonsDir(t testing.TB, version string) string {
	d, err := filepath.Abs(version)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOdooServerSide runs the addon's Python tests with Odoo's own runner:
// the cashier can request and cancel but not write the daemon's fields,
// the daemon's record is idempotent, Odoo refuses a second line for one
// intent, the POS's validation and the daemon's line meet on one line.
func TestOdooServerSide(t *testing.T) {
	odootest.Each(t, func(t *testing.T, version string) {
		odootest.RunModuleTests(t, version, []string{addonsDir(t, version)}, module)
	})
}

// shared lists the files that are the same in every version's copy: the
// Python is written once, with the version differences inside it
// (release.version_info), and copied; only the manifest and the security
// data (19 renamed res.groups.users) differ.
var shared = []string{
	"__init__.py", "hooks.py",
	"models/__init__.py", "models/pos_order.py", "models/pos_payment.py",
	"models/pos_payment_method.py", "models/pos_session.py",
	"security/ir.model.access.csv",
	"views/pos_order_views.xml", "views/pos_payment_method_views.xml",
	"tests/__init__.py", "tests/test_compago.py",
}

// TestVersionsShareTheirCode fails when a fix went into one version's copy
// and not the others: the copies of a shared file must be identical.
func TestVersionsShareTheirCode(t *testing.T) {
	for _, f := range shared {
		want, err := os.ReadFile(filepath.Join("18.0", module, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"17.0", "19.0"} {
			got, err := os.ReadFile(filepath.Join(v, module, f))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s/%s differs from 18.0's copy: a shared file is changed in every version (cp 18.0/%s/%s %s/%s/)", v, module, f, module, f, v, module)
			}
		}
	}
}
