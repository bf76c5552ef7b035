package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's walkthrough shows what it promises, and documents every
// route of the simulators' control APIs that a reader of the sandbox may
// call with curl.
func TestReadmeShowsTheWalkthroughAndTheSimulatorsControlAPIs(t *testing.T) {
	readme := read(t, "../../README.md")
	for _, want := range []string{
		`"x_compago_deeplink"`,                // the deep link the walkthrough promises, among the fields it reads
		"within about 3 s",                    // after an approval: the poll interval
		"/sim/terminals/TERMINAL-001/decline", // beside approve
		"go test -short ./...",                // the quick run
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	var routes []string
	for _, m := range regexp.MustCompile(`control\(mux, "([A-Z]+) (/sim/[^"]+)"`).FindAllStringSubmatch(read(t, "../../compago/compagosim/control_http.go"), -1) {
		routes = append(routes, m[1]+" "+m[2])
	}
	for _, m := range regexp.MustCompile(`r\.URL\.Path == "(/sim/[^"]+)" && r\.Method == http\.Method(\w+)`).FindAllStringSubmatch(read(t, "../../odoo/odoosim/server.go"), -1) {
		routes = append(routes, strings.ToUpper(m[2])+" "+m[1])
	}
	for _, m := range regexp.MustCompile(`r\.URL\.Path == "(/sim/[^"]+)" && r\.Method == http\.Method(\w+)`).FindAllStringSubmatch(read(t, "../../odoo/odoosim/callfaults.go"), -1) {
		routes = append(routes, strings.ToUpper(m[2])+" "+m[1])
	}
	if len(routes) < 20 {
		t.Fatalf("found only %d control routes in the simulators' source: %v", len(routes), routes)
	}
	for _, r := range routes {
		if !strings.Contains(readme, r) {
			t.Errorf("README.md does not document the control route %s", r)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
