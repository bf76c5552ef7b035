package sandboxui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector"
)

// Every x_compago_state has its label and badge on the sandbox page; a
// partial payment is not shown in the green of "paid".
func TestEveryStateHasABadge(t *testing.T) {
	js, err := webFS.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	css, err := webFS.ReadFile("web/style.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range connector.States {
		if !regexp.MustCompile(`(?m)^\s*` + st[0] + `: "`).Match(js) {
			t.Errorf("app.js has no label for %s", st[0])
		}
		if !strings.Contains(string(css), ".badge-"+st[0]) {
			t.Errorf("style.css has no badge for %s", st[0])
		}
	}
	rule := regexp.MustCompile(`\.badge-partially_paid \{[^}]*\}`).FindString(string(css))
	if rule == "" || strings.Contains(rule, "--ok") {
		t.Errorf("a partial payment's badge is %q: not the colour of a paid order", rule)
	}
}
