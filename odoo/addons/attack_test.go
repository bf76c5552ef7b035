package addons_test

import (
	"path/filepath"
	"testing"

	"github.com/compago-odoo/connector/odoo/odootest"
)

// TestAttackAddonCashier runs the Python tests of ../attackaddons/pos_compago_attack
// (a test-only module that depends on pos_compago_connector): a cashier
// forging or changing Compago payment lines through the POS's sync and
// the pos.payment RPCs every POS user has.
func TestAttackAddonCashier(t *testing.T) {
	attack, err := filepath.Abs("../attackaddons") // outside odoo/addons: the .deb ships that directory whole
	if err != nil {
		t.Fatal(err)
	}
	odootest.Each(t, func(t *testing.T, version string) {
		odootest.RunModuleTests(t, version, []string{addonsDir(t, version), attack}, "pos_compago_attack")
	})
}
