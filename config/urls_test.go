package config

import (
	"strings"
	"testing"
)

// A password written inside odoo.url or compago.base_url used to pass
// validation and be logged verbatim on the "starting" line. Both are
// refused, naming the key and never echoing the URL; a query string in
// Compago's (where an API key could hide) is refused too.
func TestURLsCarryingCredentialsAreRefusedNamingTheKey(t *testing.T) {
	for _, tc := range []struct{ key, url, want string }{
		{"odoo.url", "https://admin:" + odooSecret + "@erp.example.com", "odoo.password"},
		{"odoo.url", "https://admin@erp.example.com", "user"},
		{"compago.base_url", "https://k:" + compagoSecret + "@api.example.com", "compago.api_key"},
		{"compago.base_url", "https://api.example.com/?api_key=" + compagoSecret, "query"},
	} {
		file := validFile()
		set(file, tc.key, tc.url)
		_, _, err := load(t, file, nil)
		keys := KeyErrors(err)
		if len(keys) != 1 || keys[0].Key != tc.key || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %s: %v; want refused, naming %s and saying %q", tc.key, tc.url, err, tc.key, tc.want)
			continue
		}
		assertNoSecret(t, "the error", err.Error())
	}
}

// Plain HTTP to an Odoo elsewhere sends the password (or API key) with
// every call; a remote PostgreSQL without sslmode verify-full or verify-ca
// may fall back to plaintext without checking a certificate. Both start,
// with a warning naming the key; loopback and sockets are quiet.
func TestPlainHTTPToRemoteOdooAndUncheckedRemotePostgresAreWarned(t *testing.T) {
	warned := func(edit func(m map[string]any)) []string {
		t.Helper()
		file := validFile()
		edit(file)
		_, warnings, err := load(t, file, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range warnings {
			assertNoSecret(t, "a warning", w)
		}
		return warnings
	}
	pg := func(dsn string) func(m map[string]any) {
		return func(m map[string]any) { set(m, "store.driver", "postgres"); set(m, "store.dsn", dsn) }
	}
	for name, tc := range map[string]struct {
		edit func(m map[string]any)
		key  string // "" = no warning
	}{
		"remote odoo over http":     {func(m map[string]any) { set(m, "odoo.url", "http://erp.example.com") }, "odoo.url"},
		"local odoo over http":      {func(m map[string]any) { set(m, "odoo.url", "http://127.0.0.1:8069") }, ""},
		"remote pg url, no sslmode": {pg("postgres://c:" + dsnSecret + "@db.example.com/compago"), "store.dsn"},
		"remote pg url, require":    {pg("postgres://c:" + dsnSecret + "@db.example.com/compago?sslmode=require"), "store.dsn"},
		"remote pg url, verify":     {pg("postgres://c:" + dsnSecret + "@db.example.com/compago?sslmode=verify-full"), ""},
		"remote pg kv, prefer":      {pg("host=db.example.com user=c password=" + dsnSecret + " sslmode=prefer"), "store.dsn"},
		"remote pg kv, verify-ca":   {pg("host=db.example.com user=c password=" + dsnSecret + " sslmode='verify-ca'"), ""},
		"local pg url":              {pg("postgres://c:" + dsnSecret + "@localhost/compago"), ""},
		"pg socket":                 {pg("host=/run/postgresql user=c dbname=compago"), ""},
		"pg url several hosts":      {pg("postgres://c@127.0.0.1,db.example.com/compago"), "store.dsn"},
	} {
		got := warned(tc.edit)
		switch {
		case tc.key == "" && len(got) != 0:
			t.Errorf("%s: warnings %q, want none", name, got)
		case tc.key != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.key+": ")):
			t.Errorf("%s: warnings %q, want one about %s", name, got, tc.key)
		}
	}
}
