package config

import (
	"strings"
	"testing"
	"time"
)

// A bad configuration stops the daemon with one line naming the key.
func TestBadConfigNamesTheKey(t *testing.T) {
	missing := t.TempDir() + "/no-such-file"
	cases := []struct {
		name    string
		edit    func(m map[string]any) // of validFile()
		env     []string
		args    []string
		wantKey string
		want    string // also in the message
	}{
		{name: "odoo url not http", edit: func(m map[string]any) { set(m, "odoo.url", "ftp://x") }, wantKey: "odoo.url", want: `must be an http(s) URL, got "ftp://x"`},
		{name: "odoo url missing", edit: func(m map[string]any) { del(m, "odoo.url") }, wantKey: "odoo.url", want: "required"},
		{name: "odoo url with a password is not echoed", edit: func(m map[string]any) { set(m, "odoo.url", "ftp://bot:"+odooSecret+"x@erp") }, wantKey: "odoo.url"},
		{name: "database missing", edit: func(m map[string]any) { del(m, "odoo.database") }, wantKey: "odoo.database"},
		{name: "database is a number", edit: func(m map[string]any) { set(m, "odoo.database", 2024) }, wantKey: "odoo.database", want: "put it in quotes"},
		{name: "username missing", edit: func(m map[string]any) { del(m, "odoo.username") }, wantKey: "odoo.username"},
		{name: "password missing", edit: func(m map[string]any) { del(m, "odoo.password") }, wantKey: "odoo.password", want: "odoo.password_file"},
		{name: "password is a number, not shown", edit: func(m map[string]any) { set(m, "odoo.password", 987654321) }, wantKey: "odoo.password", want: "a number"},
		{name: "password and password_file together", edit: func(m map[string]any) { set(m, "odoo.password_file", "/etc/pw") }, wantKey: "odoo.password_file", want: "set only one"},
		{name: "password_file missing", edit: func(m map[string]any) { del(m, "odoo.password"); set(m, "odoo.password_file", missing) }, wantKey: "odoo.password_file", want: missing},
		{name: "protocol unknown", edit: func(m map[string]any) { set(m, "odoo.protocol", "grpc") }, wantKey: "odoo.protocol", want: "auto, jsonrpc, xmlrpc, json2"},
		{name: "odoo timeout zero", edit: func(m map[string]any) { set(m, "odoo.timeout", "0s") }, wantKey: "odoo.timeout"},
		{name: "odoo timeout without unit", edit: func(m map[string]any) { set(m, "odoo.timeout", 30) }, wantKey: "odoo.timeout", want: "unit"},
		{name: "base url not a URL", edit: func(m map[string]any) { set(m, "compago.base_url", "api.harmony.compago.com") }, wantKey: "compago.base_url"},
		{name: "api key missing", edit: func(m map[string]any) { del(m, "compago.api_key") }, wantKey: "compago.api_key"},
		{name: "poll interval too fast", edit: func(m map[string]any) { set(m, "compago.poll_interval", "500ms") }, wantKey: "compago.poll_interval", want: "between 1s and 1m"},
		{name: "poll interval in words", edit: func(m map[string]any) { set(m, "compago.poll_interval", "3 seconds") }, wantKey: "compago.poll_interval", want: `"3 seconds"`},
		{name: "poll interval typo", edit: func(m map[string]any) { set(m, "compago.poll_intervall", "3s") }, wantKey: "compago.poll_intervall", want: "unknown key, did you mean compago.poll_interval?"},
		{name: "compago timeout negative", edit: func(m map[string]any) { set(m, "compago.timeout", "-1s") }, wantKey: "compago.timeout"},
		{name: "no concurrent polls", edit: func(m map[string]any) { set(m, "compago.max_concurrent_polls", 0) }, wantKey: "compago.max_concurrent_polls"},
		{name: "concurrent polls in words", edit: func(m map[string]any) { set(m, "compago.max_concurrent_polls", "many") }, wantKey: "compago.max_concurrent_polls", want: "whole number"},
		{name: "payment method empty", edit: func(m map[string]any) { set(m, "connector.payment_method", " ") }, wantKey: "connector.payment_method"},
		{name: "watch interval too fast", edit: func(m map[string]any) { set(m, "connector.watch_interval", "10ms") }, wantKey: "connector.watch_interval"},
		{name: "terminal serial empty", edit: func(m map[string]any) { set(m, "connector.terminals", map[string]any{"Shop": "T-1", "Bar": ""}) }, wantKey: "connector.terminals.Bar"},
		{name: "terminal serial a number", edit: func(m map[string]any) { set(m, "connector.terminals", map[string]any{"Shop": 1234}) }, wantKey: "connector.terminals.Shop", want: "put it in quotes"},
		{name: "terminals a list", edit: func(m map[string]any) { set(m, "connector.terminals", []any{"T-1"}) }, wantKey: "connector.terminals", want: "mapping"},
		{name: "prefix with spaces", edit: func(m map[string]any) { set(m, "connector.external_id_prefix", "my shop") }, wantKey: "connector.external_id_prefix"},
		{name: "prefix too long", edit: func(m map[string]any) { set(m, "connector.external_id_prefix", strings.Repeat("a", 25)) }, wantKey: "connector.external_id_prefix"},
		{name: "field rename of an unknown field", edit: func(m map[string]any) { set(m, "connector.fields", map[string]any{"x_compago_stat": "x_s"}) }, wantKey: "connector.fields.x_compago_stat", want: "x_compago_state"},
		{name: "field renamed outside x_", edit: func(m map[string]any) { set(m, "connector.fields", map[string]any{"x_compago_state": "state"}) }, wantKey: "connector.fields.x_compago_state"},
		{name: "field renamed onto another", edit: func(m map[string]any) {
			set(m, "connector.fields", map[string]any{"x_compago_state": "x_compago_message"})
		}, wantKey: "connector.fields.x_compago_state", want: "taken by the field x_compago_message"},
		{name: "schedule not cron", edit: func(m map[string]any) { set(m, "sweep.schedule", "every minute") }, wantKey: "sweep.schedule"},
		{name: "schedule only a time zone", edit: func(m map[string]any) { set(m, "sweep.schedule", "CRON_TZ=America/Mexico_City") }, wantKey: "sweep.schedule", want: "time zone"},
		{name: "retention an hour", edit: func(m map[string]any) { set(m, "sweep.retention", "1h") }, wantKey: "sweep.retention", want: "24h"},
		{name: "create lease shorter than a create with its retries", edit: func(m map[string]any) { set(m, "connector.create_lease", "1m") }, wantKey: "connector.create_lease", want: "1m25s"},
		{name: "create lease too short for a raised compago.timeout", edit: func(m map[string]any) { set(m, "compago.timeout", "20s") }, wantKey: "connector.create_lease", want: "compago.timeout"},
		{name: "sync lease shorter than a recording", edit: func(m map[string]any) { set(m, "connector.sync_lease", "1m") }, wantKey: "connector.sync_lease", want: "3m"},
		{name: "sync lease too short for a raised odoo.timeout", edit: func(m map[string]any) { set(m, "odoo.timeout", "35s") }, wantKey: "connector.sync_lease", want: "odoo.timeout"},
		{name: "watch lease shorter than an Odoo call", edit: func(m map[string]any) { set(m, "connector.watch_lease", "3s") }, wantKey: "connector.watch_lease", want: "36s"},
		{name: "poll lease shorter than a poll", edit: func(m map[string]any) { set(m, "connector.poll_lease", "5s") }, wantKey: "connector.poll_lease", want: "13s"},
		{name: "lease in words", edit: func(m map[string]any) { set(m, "connector.sync_lease", "long") }, wantKey: "connector.sync_lease", want: `got "long"`},
		{name: "stuck_after shorter than a call", edit: func(m map[string]any) { set(m, "sweep.stuck_after", "20s") }, wantKey: "sweep.stuck_after", want: "30s"},
		{name: "store path empty", edit: func(m map[string]any) { set(m, "store.path", "") }, wantKey: "store.path"},
		{name: "store driver unknown", edit: func(m map[string]any) { set(m, "store.driver", "mysql") }, wantKey: "store.driver", want: "sqlite, postgres"},
		{name: "postgres without a dsn", edit: func(m map[string]any) { set(m, "store.driver", "postgres") }, wantKey: "store.dsn", want: "store.dsn_file"},
		{name: "postgres dsn a path, not shown", edit: func(m map[string]any) {
			set(m, "store.driver", "postgres")
			set(m, "store.dsn", "/var/lib/"+dsnSecret)
		}, wantKey: "store.dsn", want: "postgres://"},
		{name: "postgres dsn of another database, not shown", edit: func(m map[string]any) {
			set(m, "store.driver", "postgres")
			set(m, "store.dsn", "mysql://root:"+dsnSecret+"@db/compago")
		}, wantKey: "store.dsn", want: "key=value"},
		{name: "dsn and dsn_file together", edit: func(m map[string]any) {
			set(m, "store.dsn", "postgres://db/x")
			set(m, "store.dsn_file", "/etc/dsn")
		}, wantKey: "store.dsn_file", want: "set only one"},
		{name: "http addr without port", edit: func(m map[string]any) { set(m, "http.addr", "localhost") }, wantKey: "http.addr"},
		{name: "log level unknown", edit: func(m map[string]any) { set(m, "log.level", "verbose") }, wantKey: "log.level"},
		{name: "log format unknown", edit: func(m map[string]any) { set(m, "log.format", "text") }, wantKey: "log.format"},
		{name: "unknown section", edit: func(m map[string]any) { m["databse"] = map[string]any{"path": "x"} }, wantKey: "databse"},
		{name: "dotted key at the top", edit: func(m map[string]any) { m["log.level"] = "debug" }, wantKey: "log.level", want: "nested"},
		{name: "section not a mapping", edit: func(m map[string]any) { m["log"] = "debug" }, wantKey: "log", want: "mapping"},
		{name: "env duration in words", env: []string{"COMPAGO_CONNECTOR_COMPAGO__POLL_INTERVAL=fast"}, wantKey: "compago.poll_interval", want: "$COMPAGO_CONNECTOR_COMPAGO__POLL_INTERVAL"},
		{name: "env unknown key", env: []string{"COMPAGO_CONNECTOR_ODOO__URLL=https://x"}, wantKey: "odoo.urll", want: "did you mean odoo.url?"},
		{name: "env terminals malformed", env: []string{"COMPAGO_CONNECTOR_CONNECTOR__TERMINALS=Shop"}, wantKey: "connector.terminals", want: "name=value"},
		{name: "env secret and its file together", env: []string{
			"COMPAGO_CONNECTOR_COMPAGO__API_KEY=k", "COMPAGO_CONNECTOR_COMPAGO__API_KEY_FILE=/k",
		}, wantKey: "compago.api_key_file"},
		{name: "flag log level", args: []string{"-log.level", "loud"}, wantKey: "log.level", want: "flag -log.level"},
		{name: "flag bad url", args: []string{"-compago.base_url", "ftp://x"}, wantKey: "compago.base_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := validFile()
			if tc.edit != nil {
				tc.edit(file)
			}
			c, _, err := load(t, file, tc.env, tc.args...)
			if err == nil {
				t.Fatalf("the daemon starts with this configuration: %+v", c)
			}
			var got []string
			for _, e := range KeyErrors(err) {
				got = append(got, e.Key)
			}
			if len(got) != 1 || got[0] != tc.wantKey {
				t.Fatalf("the message names %q, want just %q:\n%v", got, tc.wantKey, err)
			}
			msg := err.Error()
			if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, tc.wantKey+": ") {
				t.Errorf("want one line starting with %q, got:\n%s", tc.wantKey+": ", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
			assertNoSecret(t, "the error", msg)
			if strings.Contains(msg, "987654321") {
				t.Errorf("the error shows the numeric password: %s", msg)
			}
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	file := validFile()
	del(file, "odoo.url")
	set(file, "log.level", "loud")
	_, _, err := load(t, file, []string{"COMPAGO_CONNECTOR_COMPAGO__POLL_INTERVAL=0s"}, "-sweep.schedule", "never")
	var got []string
	for _, e := range KeyErrors(err) {
		got = append(got, e.Key)
	}
	want := []string{"compago.poll_interval", "log.level", "odoo.url", "sweep.schedule"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the daemon reports %q, want %q:\n%v", got, want, err)
	}
}

// The sandbox builds its configuration in code.
func TestConfigBuiltInCodeValidates(t *testing.T) {
	c := Defaults()
	c.Odoo.URL = "http://127.0.0.1:8069"
	c.Odoo.Database = "sandbox"
	c.Odoo.Username = "admin"
	c.Odoo.Password = "admin"
	c.Compago.BaseURL = "http://127.0.0.1:9000"
	c.Compago.APIKey = "sandbox-key"
	c.Connector.ExternalIDPrefix = DeriveExternalIDPrefix(c.Odoo.Database)
	c.Compago.PollInterval = time.Second
	if err := c.Validate(); err != nil {
		t.Fatalf("a sandbox configuration is refused:\n%v", err)
	}
	if w := c.warnings(); len(w) != 0 {
		t.Errorf("a loopback simulator gets warnings: %q", w)
	}
	if err := Defaults().Validate(); err == nil {
		t.Error("the defaults alone validate, but they have no Odoo server nor secrets")
	}
}

func TestPlainHTTPToCompagoIsAWarning(t *testing.T) {
	file := validFile()
	set(file, "compago.base_url", "http://api.example.com")
	_, warnings, err := load(t, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "compago.base_url: ") {
		t.Errorf("warnings = %q, want one about compago.base_url", warnings)
	}
}

func TestDeriveExternalIDPrefix(t *testing.T) {
	for database, want := range map[string]string{
		"shop":                          "shop",
		"Mi Tienda_Prod":                "mi-tienda-prod",
		"ODOO17":                        "odoo17",
		"--x--":                         "x",
		"тест":                          "odoo",
		"":                              "odoo",
		"abcdefghijklmnopqrstuvw-xyz":   "abcdefghijklmnopqrstuvw",
		"company-with-a-very-long-name": "company-with-a-very-long",
	} {
		if got := DeriveExternalIDPrefix(database); got != want {
			t.Errorf("database %q gives the prefix %q, want %q", database, got, want)
		}
	}
}
