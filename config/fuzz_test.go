package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// FuzzLoadYAML feeds arbitrary bytes to the file layer and the rest of
// Load: it must answer a Config or an error (never both, never a panic),
// a Config it answers must validate, and no answer may print the secrets
// given through the environment.
func FuzzLoadYAML(f *testing.F) {
	if data, err := os.ReadFile(examplePath); err == nil {
		f.Add(data)
	}
	f.Add([]byte("odoo: {url: https://x, database: d, username: u}\nconnector: {terminals: {1: 2, true: x, 'a.b': T}}\n"))
	f.Add([]byte("compago:\n  poll_interval: 3\n  max_concurrent_polls: 1e3\nsweep: {schedule: '@every 0s'}\n"))
	const (
		odooFuzz    = "fuzz-odoo-secret-7f3a"
		compagoFuzz = "fuzz-compago-secret-9c1e"
	)
	env := []string{
		// Inline secrets in the environment replace any *_file the input
		// names, so the fuzzer never reads files of the machine.
		"COMPAGO_CONNECTOR_ODOO__PASSWORD=" + odooFuzz,
		"COMPAGO_CONNECTOR_COMPAGO__API_KEY=" + compagoFuzz,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, warnings, err := newLoader(Source{Environ: env}).run(&fileLayer{path: "fuzz.yaml", data: data, mode: 0o600})
		if (c == nil) == (err == nil) {
			t.Fatalf("Load answered config %v and error %v", c != nil, err)
		}
		var shown []string
		shown = append(shown, warnings...)
		if err != nil {
			if len(KeyErrors(err)) == 0 && !strings.HasPrefix(err.Error(), "config file fuzz.yaml: ") {
				t.Errorf("an error that names neither a key nor the file: %v", err)
			}
			shown = append(shown, err.Error())
		} else {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Load accepted a config that does not validate: %v", verr)
			}
			js, _ := json.Marshal(c)
			shown = append(shown, fmt.Sprintf("%v %+v %#v", c, c, c), string(js), fmt.Sprint(c.Redacted()))
		}
		for _, s := range []string{odooFuzz, compagoFuzz} {
			if bytes.Contains(data, []byte(s)) {
				continue
			}
			for _, text := range shown {
				if strings.Contains(text, s) {
					t.Fatalf("a secret is shown: %s", text)
				}
			}
		}
	})
}
