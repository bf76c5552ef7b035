package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
)

// The secrets of every test: no error, warning or printout may show them.
const (
	odooSecret    = "odoo-secret-0451"
	compagoSecret = "compago-secret-0452"
	dsnSecret     = "dsn-secret-0453" // the password inside store.dsn
)

// validFile returns the smallest configuration file the daemon starts with.
func validFile() map[string]any {
	return map[string]any{
		"odoo": map[string]any{
			"url":      "https://erp.example.com",
			"database": "shop",
			"username": "bot@example.com",
			"password": odooSecret,
		},
		"compago": map[string]any{"api_key": compagoSecret},
	}
}

// set puts v at a dotted key of the table ("odoo.url") in a file map.
func set(m map[string]any, key string, v any) {
	section, rest, _ := strings.Cut(key, ".")
	inner, ok := m[section].(map[string]any)
	if !ok {
		inner = map[string]any{}
		m[section] = inner
	}
	inner[rest] = v
}

// del removes a dotted key from a file map.
func del(m map[string]any, key string) {
	section, rest, _ := strings.Cut(key, ".")
	if inner, ok := m[section].(map[string]any); ok {
		delete(inner, rest)
	}
}

// writeFile writes data to name in dir with mode and returns its path.
func writeFile(t *testing.T, dir, name, data string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is cut by the umask
		t.Fatal(err)
	}
	return path
}

// writeYAML writes m as a private config file and returns its path.
func writeYAML(t *testing.T, m map[string]any) string {
	t.Helper()
	data, err := yaml.Parser().Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "compago-connector.yaml", string(data), 0o600)
}

// load runs Load the way the daemon does: file (nil for none), environment,
// and command-line arguments parsed by a flag set from RegisterFlags.
func load(t *testing.T, file map[string]any, env []string, args ...string) (*Config, []string, error) {
	t.Helper()
	var path string
	if file != nil {
		path = writeYAML(t, file)
	}
	fs := flag.NewFlagSet("compago-connector", flag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("flags %q: %v", args, err)
	}
	return Load(Source{File: path, Environ: env, Flags: fs})
}

// mustLoad is load for a configuration that must be accepted.
func mustLoad(t *testing.T, file map[string]any, env []string, args ...string) *Config {
	t.Helper()
	c, _, err := load(t, file, env, args...)
	if err != nil {
		t.Fatalf("the daemon refuses to start:\n%v", err)
	}
	return c
}

// assertNoSecret fails when text shows one of the test secrets.
func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range []string{odooSecret, compagoSecret, dsnSecret} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows a secret: %s", what, text)
		}
	}
}

func setMode(t *testing.T, path string, mode uint32) {
	t.Helper()
	if err := os.Chmod(path, os.FileMode(mode)); err != nil {
		t.Fatal(err)
	}
}
