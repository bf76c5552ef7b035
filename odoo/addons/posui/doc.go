// Package posui tests the pos_compago_connector addon's Point of Sale front
// end (odoo/addons/<version>/pos_compago_connector/static) the way a
// cashier meets it: real Odoo 17.0, 18.0 and 19.0 (odoo/odootest) with the
// addon installed, the daemon (connector) and compagosim on loopback, and
// the POS driven in headless Chromium (github.com/chromedp/chromedp).
//
// The package holds only tests. They skip without real Odoo
// (COMPAGO_TEST_ODOO_SRC) or without a Chromium on PATH, and fail instead
// with COMPAGO_TEST_ODOO_REQUIRED or COMPAGO_TEST_BROWSER_REQUIRED set.
//
// One Odoo per version serves every scenario of that version, one after
// the other: each scenario opens the POS in a fresh browser profile and
// rings up a new order (the POS loads the session's drafts others left),
// and the shared session keeps each version's cost to one start and one
// install of the addon. Before any browser, the harness asks Odoo for the
// POS page's bundles so that they are built then: a page whose bundles are
// built while it loads them often never starts on two loaded cores.
//
// TestReadmeInstall, the README's Odoo step followed on a never-opened
// Odoo with the real binary (about 4 minutes), runs only with
// COMPAGO_POSUI_README=1: CI's 30 minutes go to the cashier's scenarios.
//
// Screenshots: with COMPAGO_POSUI_SCREENSHOTS set to a directory (docs/ for
// the cashier's guide), each step's PNG is written there as
// <version>-<scenario>-<step>.png; otherwise they go to the test's
// temporary directory and vanish with it, so a CI run never dirties the tree.
package posui
