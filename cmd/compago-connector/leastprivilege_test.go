package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// realOdooConfig writes a config for a real Odoo logging in as login, the
// secret read from odoo-password beside it (as systemd's credential).
func realOdooConfig(t *testing.T, dir string, o *odootest.Odoo, compagoURL, login string) string {
	t.Helper()
	file := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("odoo:\n  url: %s\n  database: %s\n  username: %s\n  timeout: 30s\ncompago:\n  base_url: %s\n  api_key: sandbox-key\nstore:\n  path: %s\nhttp:\n  addr: \"\"\n",
		o.URL, o.Database, login, compagoURL, filepath.Join(dir, "journal.db"))
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// The install guide's path on real Odoo: setup, run once with the
// administrator's login, makes the dedicated user and writes its API key
// where the service reads it; doctor against that user says it is not an
// administrator, against the administrator it warns and says what to run.
// Setup run again makes neither a second user nor a second key.
func TestRealOdooSetupMakesTheDedicatedUserAndDoctorWarnsAboutAnAdministrator(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel()
		o := odootest.Start(t, version, odootest.Options{Shared: true})
		cs := httptest.NewServer(compagosim.New(compagosim.Options{}))
		t.Cleanup(cs.Close)
		dir := t.TempDir()
		file := realOdooConfig(t, dir, o, cs.URL, grant.UserLogin)
		pwFile := filepath.Join(dir, "admin-password")
		os.WriteFile(pwFile, []byte(o.Password+"\n"), 0o600)
		setup := func() string {
			var out, errs strings.Builder
			err := run(context.Background(), []string{"setup", "--config", file, "--admin", o.Login, "--admin-password-file", pwFile}, &out, &errs)
			if err != nil {
				t.Fatalf("setup --admin: %v\n%s%s", err, out.String(), errs.String())
			}
			t.Logf("setup:\n%s", out.String())
			return out.String()
		}
		out := setup()
		keyFile := filepath.Join(dir, "odoo-password")
		key, err := os.ReadFile(keyFile)
		if err != nil || len(strings.TrimSpace(string(key))) < 20 {
			t.Fatalf("setup wrote no API key to %s: %v", keyFile, err)
		}
		if info, _ := os.Stat(keyFile); info.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
		}
		if strings.Contains(out, strings.TrimSpace(string(key))) {
			t.Errorf("setup printed the key although it could write it:\n%s", out)
		}

		// Doctor as the dedicated user: no warning, and every Odoo check
		// passes with the group's rights alone.
		var doc strings.Builder
		err = run(context.Background(), []string{"doctor", "--config", file}, &doc, &strings.Builder{})
		t.Logf("doctor as %s:\n%s", grant.UserLogin, doc.String())
		if err != nil || !strings.Contains(doc.String(), "OK   odoo user: "+grant.UserLogin+" is not an administrator") ||
			strings.Contains(doc.String(), "WARN") {
			t.Errorf("doctor as the dedicated user: %v\n%s", err, doc.String())
		}

		// Doctor as the administrator: the warning, with the fix.
		adminDir := t.TempDir()
		adminFile := realOdooConfig(t, adminDir, o, cs.URL, o.Login)
		os.WriteFile(filepath.Join(adminDir, "odoo-password"), []byte(o.Password), 0o600)
		doc.Reset()
		run(context.Background(), []string{"doctor", "--config", adminFile}, &doc, &strings.Builder{})
		t.Logf("doctor as %s:\n%s", o.Login, doc.String())
		if !strings.Contains(doc.String(), "WARN odoo user: "+o.Login+" is an Odoo administrator (Administration / Settings") ||
			!strings.Contains(doc.String(), "fix: run `compago-connector setup --admin "+o.Login+"`") {
			t.Errorf("doctor as the administrator does not warn with the fix:\n%s", doc.String())
		}

		// Setup again: the same user, no second key, the file kept.
		out = setup()
		if !strings.Contains(out, "already present") || !strings.Contains(out, "no new key made") {
			t.Errorf("second setup:\n%s", out)
		}
		if again, _ := os.ReadFile(keyFile); string(again) != string(key) {
			t.Errorf("second setup changed the key file")
		}
		n := o.Exec("res.users", "search_count", []any{[]any{[]any{"login", "=", grant.UserLogin}}}, nil)
		k := o.Exec("res.users.apikeys", "search_count", []any{[]any{[]any{"user_id.login", "=", grant.UserLogin}}}, nil)
		if n != 1.0 || k != 1.0 {
			t.Errorf("after two setups: %v users %s, %v API keys, want 1 and 1", n, grant.UserLogin, k)
		}
	})
}
