package config

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLayersOverrideInOrder(t *testing.T) {
	cases := []struct {
		name string
		file string // compago.poll_interval in the file, "" for none
		env  string
		flag string
		want time.Duration
	}{
		{name: "default", want: 3 * time.Second},
		{name: "file over default", file: "5s", want: 5 * time.Second},
		{name: "environment over file", file: "5s", env: "6s", want: 6 * time.Second},
		{name: "flag over environment", file: "5s", env: "6s", flag: "7s", want: 7 * time.Second},
		{name: "flag set to the default still wins", env: "6s", flag: "3s", want: 3 * time.Second},
		{name: "flag over file", file: "5s", flag: "7s", want: 7 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := validFile()
			if tc.file != "" {
				set(file, "compago.poll_interval", tc.file)
			}
			var env []string
			if tc.env != "" {
				env = append(env, "COMPAGO_CONNECTOR_COMPAGO__POLL_INTERVAL="+tc.env)
			}
			var args []string
			if tc.flag != "" {
				args = append(args, "-compago.poll_interval="+tc.flag)
			}
			c := mustLoad(t, file, env, args...)
			if c.Compago.PollInterval != tc.want {
				t.Errorf("the daemon polls every %s, want %s", c.Compago.PollInterval, tc.want)
			}
		})
	}
}

// Every key can be set from the environment, with the names DESIGN.md gives.
func TestEnvironmentSetsEveryKey(t *testing.T) {
	dir := t.TempDir()
	pwFile := writeFile(t, dir, "odoo-password", odooSecret+"\n", 0o600)
	env := []string{
		"COMPAGO_CONNECTOR_ODOO__URL=https://erp.example.com/",
		"COMPAGO_CONNECTOR_ODOO__DATABASE=Prod DB",
		"COMPAGO_CONNECTOR_ODOO__USERNAME=bot",
		"COMPAGO_CONNECTOR_ODOO__PASSWORD_FILE=" + pwFile,
		"COMPAGO_CONNECTOR_ODOO__PROTOCOL=json2",
		"COMPAGO_CONNECTOR_ODOO__TIMEOUT=45s",
		"COMPAGO_CONNECTOR_COMPAGO__BASE_URL=http://127.0.0.1:9000",
		"COMPAGO_CONNECTOR_COMPAGO__API_KEY=" + compagoSecret,
		"COMPAGO_CONNECTOR_COMPAGO__POLL_INTERVAL=2s",
		"COMPAGO_CONNECTOR_COMPAGO__TIMEOUT=15s",
		"COMPAGO_CONNECTOR_COMPAGO__MAX_CONCURRENT_POLLS=4",
		"COMPAGO_CONNECTOR_CONNECTOR__PAYMENT_METHOD=7",
		"COMPAGO_CONNECTOR_CONNECTOR__WATCH_INTERVAL=500ms",
		"COMPAGO_CONNECTOR_CONNECTOR__TERMINALS=Shop=TERMINAL-001, Bar = TERMINAL-002",
		"COMPAGO_CONNECTOR_CONNECTOR__EXTERNAL_ID_PREFIX=prod",
		"COMPAGO_CONNECTOR_CONNECTOR__FIELDS=x_compago_state=x_card_state",
		"COMPAGO_CONNECTOR_CONNECTOR__POLL_LEASE=40s",
		"COMPAGO_CONNECTOR_CONNECTOR__CREATE_LEASE=3m",
		"COMPAGO_CONNECTOR_CONNECTOR__SYNC_LEASE=5m",
		"COMPAGO_CONNECTOR_CONNECTOR__WATCH_LEASE=1m",
		"COMPAGO_CONNECTOR_SWEEP__SCHEDULE=*/5 * * * *",
		"COMPAGO_CONNECTOR_SWEEP__RETENTION=0",
		"COMPAGO_CONNECTOR_SWEEP__STUCK_AFTER=5m",
		"COMPAGO_CONNECTOR_STORE__DRIVER=postgres",
		"COMPAGO_CONNECTOR_STORE__PATH=/srv/journal.db",
		"COMPAGO_CONNECTOR_STORE__DSN=postgres://compago:" + dsnSecret + "@db.example.com/compago",
		"COMPAGO_CONNECTOR_HTTP__ADDR=",
		"COMPAGO_CONNECTOR_LOG__LEVEL=debug",
		"COMPAGO_CONNECTOR_LOG__FORMAT=console",
		"COMPAGO_CONNECTOR_CONFIG=/not/a/key", // no section: left to the program
		"PATH=/usr/bin",
	}
	want := Defaults()
	want.Odoo.URL = "https://erp.example.com/"
	want.Odoo.Database = "Prod DB"
	want.Odoo.Username = "bot"
	want.Odoo.Password = odooSecret
	want.Odoo.Protocol = "json2"
	want.Odoo.Timeout = 45 * time.Second
	want.Compago.BaseURL = "http://127.0.0.1:9000"
	want.Compago.APIKey = compagoSecret
	want.Compago.PollInterval = 2 * time.Second
	want.Compago.Timeout = 15 * time.Second
	want.Compago.MaxPolls = 4
	want.Connector.PaymentMethod = "7"
	want.Connector.WatchInterval = 500 * time.Millisecond
	want.Connector.Terminals = map[string]string{"Shop": "TERMINAL-001", "Bar": "TERMINAL-002"}
	want.Connector.ExternalIDPrefix = "prod"
	want.Connector.Fields = map[string]string{"x_compago_state": "x_card_state"}
	want.Connector.PollLease = 40 * time.Second
	want.Connector.CreateLease = 3 * time.Minute
	want.Connector.SyncLease = 5 * time.Minute
	want.Connector.WatchLease = time.Minute
	want.Sweep.Schedule = "*/5 * * * *"
	want.Sweep.Retention = 0
	want.Sweep.StuckAfter = 5 * time.Minute
	want.Store.Driver = "postgres"
	want.Store.Path = "/srv/journal.db"
	want.Store.DSN = Secret("postgres://compago:" + dsnSecret + "@db.example.com/compago")
	want.HTTP.Addr = ""
	want.Log.Level = "debug"
	want.Log.Format = "console"

	got := mustLoad(t, nil, env)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configuration from the environment (-want +got):\n%s", diff)
	}
}

func TestTerminalsFromFileAndFlag(t *testing.T) {
	file := validFile()
	set(file, "connector.terminals", map[string]any{"Caja 1.0": "TERMINAL-001", "Bar": "TERMINAL-002"})
	c := mustLoad(t, file, nil)
	want := map[string]string{"Caja 1.0": "TERMINAL-001", "Bar": "TERMINAL-002"}
	if diff := cmp.Diff(want, c.Connector.Terminals); diff != "" {
		t.Errorf("terminals from the file, a POS name with a dot included (-want +got):\n%s", diff)
	}
	// A flag replaces the file's mapping whole: no terminal is left
	// routed by a line the operator meant to replace.
	c = mustLoad(t, file, nil, "-connector.terminals", "Shop=TERMINAL-003")
	if diff := cmp.Diff(map[string]string{"Shop": "TERMINAL-003"}, c.Connector.Terminals); diff != "" {
		t.Errorf("terminals from the flag (-want +got):\n%s", diff)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	pwFile := writeFile(t, dir, "pw", odooSecret+"\r\n", 0o600)
	keyFile := writeFile(t, dir, "key", compagoSecret+"\n", 0o400)
	creds := t.TempDir()
	writeFile(t, creds, "odoo-password", "from-credentials-odoo", 0o400)
	writeFile(t, creds, "compago-api-key", "from-credentials-compago\n", 0o400)

	fileWith := func(edit func(m map[string]any)) map[string]any {
		m := validFile()
		del(m, "odoo.password")
		del(m, "compago.api_key")
		edit(m)
		return m
	}
	cases := []struct {
		name         string
		file         map[string]any
		env          []string
		wantPassword string
		wantAPIKey   string
	}{
		{
			name:         "*_file keys, trailing newline trimmed",
			file:         fileWith(func(m map[string]any) { set(m, "odoo.password_file", pwFile); set(m, "compago.api_key_file", keyFile) }),
			wantPassword: odooSecret, wantAPIKey: compagoSecret,
		},
		{
			name:         "systemd credentials when no key is set",
			file:         fileWith(func(map[string]any) {}),
			env:          []string{"CREDENTIALS_DIRECTORY=" + creds},
			wantPassword: "from-credentials-odoo", wantAPIKey: "from-credentials-compago",
		},
		{
			name:         "a *_file wins over the credentials",
			file:         fileWith(func(m map[string]any) { set(m, "odoo.password_file", pwFile) }),
			env:          []string{"CREDENTIALS_DIRECTORY=" + creds},
			wantPassword: odooSecret, wantAPIKey: "from-credentials-compago",
		},
		{
			name: "the environment's secret replaces the file's *_file",
			file: fileWith(func(m map[string]any) {
				set(m, "odoo.password_file", "/no/such/file")
				set(m, "compago.api_key_file", keyFile)
			}),
			env:          []string{"COMPAGO_CONNECTOR_ODOO__PASSWORD=from-env"},
			wantPassword: "from-env", wantAPIKey: compagoSecret,
		},
		{
			name:         "the environment's *_file replaces the file's secret",
			file:         validFile(),
			env:          []string{"COMPAGO_CONNECTOR_ODOO__PASSWORD_FILE=" + pwFile, "COMPAGO_CONNECTOR_COMPAGO__API_KEY_FILE=" + keyFile},
			wantPassword: odooSecret, wantAPIKey: compagoSecret,
		},
		{
			name:         "an empty secret in the environment hides nothing",
			file:         validFile(),
			env:          []string{"COMPAGO_CONNECTOR_ODOO__PASSWORD="},
			wantPassword: odooSecret, wantAPIKey: compagoSecret,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, tc.file, tc.env)
			if c.Odoo.Password.Value() != tc.wantPassword || c.Compago.APIKey.Value() != tc.wantAPIKey {
				t.Errorf("the daemon logs in with password %q and API key %q, want %q and %q",
					c.Odoo.Password.Value(), c.Compago.APIKey.Value(), tc.wantPassword, tc.wantAPIKey)
			}
		})
	}
}

func TestUnreadableSecretFileNamesKeyAndPathNotContent(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"a directory": dir,
		"empty":       writeFile(t, dir, "empty", "\n", 0o600),
		"too large":   writeFile(t, dir, "large", odooSecret+strings.Repeat("x", maxSecretFile), 0o600),
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			file := validFile()
			del(file, "odoo.password")
			set(file, "odoo.password_file", path)
			_, _, err := load(t, file, nil)
			errs := KeyErrors(err)
			if len(errs) != 1 || errs[0].Key != "odoo.password_file" || !strings.Contains(err.Error(), path) {
				t.Fatalf("want one error naming odoo.password_file and %s, got:\n%v", path, err)
			}
			assertNoSecret(t, "the error", err.Error())
		})
	}
}

func TestUnreadableCredentialIsAnError(t *testing.T) {
	creds := t.TempDir()
	writeFile(t, creds, "compago-api-key", "", 0o400)
	file := validFile()
	del(file, "compago.api_key")
	_, _, err := load(t, file, []string{"CREDENTIALS_DIRECTORY=" + creds})
	errs := KeyErrors(err)
	if len(errs) != 1 || errs[0].Key != "compago.api_key" || !strings.Contains(err.Error(), "$CREDENTIALS_DIRECTORY") {
		t.Fatalf("want one error naming compago.api_key and the credential, got:\n%v", err)
	}
}

func TestFilesOthersCanReadAreWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	noSecret := validFile()
	del(noSecret, "odoo.password")
	del(noSecret, "compago.api_key")
	env := []string{"COMPAGO_CONNECTOR_ODOO__PASSWORD=p", "COMPAGO_CONNECTOR_COMPAGO__API_KEY=k"}
	cases := []struct {
		name string
		file map[string]any
		mode uint32
		env  []string
		want string // in the one warning, "" for none
	}{
		{name: "private file with secrets", file: validFile(), mode: 0o600},
		{name: "group-readable file with secrets", file: validFile(), mode: 0o640, want: "holds a secret"},
		{name: "group-readable file without secrets", file: noSecret, mode: 0o640, env: env},
		{name: "world-readable file without secrets", file: noSecret, mode: 0o644, env: env, want: "readable by every user"},
		{name: "group-readable password file", file: noSecret, mode: 0o600, env: []string{
			"COMPAGO_CONNECTOR_COMPAGO__API_KEY=k",
			"COMPAGO_CONNECTOR_ODOO__PASSWORD_FILE=" + writeFile(t, dir, "pw", "p", 0o640),
		}, want: "odoo.password_file: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeYAML(t, tc.file)
			setMode(t, path, tc.mode)
			_, warnings, err := Load(Source{File: path, Environ: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(warnings) != 0:
				t.Errorf("unexpected warnings: %q", warnings)
			case tc.want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tc.want)):
				t.Errorf("warnings = %q, want one saying %q", warnings, tc.want)
			}
			for _, w := range warnings {
				assertNoSecret(t, "a warning", w)
			}
		})
	}
}

func TestStateDirectoryGivesTheJournalPath(t *testing.T) {
	env := []string{"STATE_DIRECTORY=/var/lib/compago-connector-a:/var/lib/other"}
	c := mustLoad(t, validFile(), env)
	if want := filepath.Join("/var/lib/compago-connector-a", "journal.db"); c.Store.Path != want {
		t.Errorf("journal at %s, want %s", c.Store.Path, want)
	}
	file := validFile()
	set(file, "store.path", "/srv/j.db")
	if c := mustLoad(t, file, env); c.Store.Path != "/srv/j.db" {
		t.Errorf("journal at %s, want the configured /srv/j.db", c.Store.Path)
	}
	if c := mustLoad(t, validFile(), nil); c.Store.Path != DefaultStorePath {
		t.Errorf("journal at %s, want %s", c.Store.Path, DefaultStorePath)
	}
}

func TestExternalIDPrefixDefaultsToTheDatabase(t *testing.T) {
	file := validFile()
	set(file, "odoo.database", "Mi Tienda_Prod")
	if c := mustLoad(t, file, nil); c.Connector.ExternalIDPrefix != "mi-tienda-prod" {
		t.Errorf("externalIds start with %q, want mi-tienda-prod", c.Connector.ExternalIDPrefix)
	}
	set(file, "connector.external_id_prefix", "Shop_A")
	if c := mustLoad(t, file, nil); c.Connector.ExternalIDPrefix != "Shop_A" {
		t.Errorf("externalIds start with %q, want the configured Shop_A", c.Connector.ExternalIDPrefix)
	}
}

func TestNullValuesKeepDefaultsAndZeroNeedsNoUnit(t *testing.T) {
	path := writeFile(t, t.TempDir(), "c.yaml", `
odoo:
  url: https://erp.example.com
  database: shop
  username: bot
  password: "`+odooSecret+`"
  timeout:
compago:
  api_key: "`+compagoSecret+`"
sweep:
  retention: 0
http:
  addr: ""
`, 0o600)
	c, _, err := Load(Source{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if c.Odoo.Timeout != 30*time.Second || c.Sweep.Schedule != "@every 1m" || c.HTTP.Addr != "" {
		t.Errorf("timeout %s, schedule %q, http %q: want the defaults and the listener disabled", c.Odoo.Timeout, c.Sweep.Schedule, c.HTTP.Addr)
	}
	if c.Sweep.Retention != 0 {
		t.Errorf("retention: 0 gives %s, want 0 (keep forever)", c.Sweep.Retention)
	}
}

func TestBrokenConfigFile(t *testing.T) {
	dir := t.TempDir()
	notYAML := writeFile(t, dir, "secret.txt", odooSecret+"\n", 0o600)
	for name, path := range map[string]string{
		"not YAML (a secret file given by mistake)": notYAML,
		"missing": filepath.Join(dir, "missing.yaml"),
		"invalid": writeFile(t, dir, "bad.yaml", "odoo: [\n", 0o600),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Load(Source{File: path})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("want an error naming %s, got %v", path, err)
			}
			assertNoSecret(t, "the error", err.Error())
		})
	}
}

func TestRegisterFlags(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	RegisterFlags(fs)
	for _, k := range keys {
		f := fs.Lookup(k.name)
		if k.kind == kindSecret {
			if f != nil {
				t.Errorf("-%s is a flag: a secret on the command line is visible to every user", k.name)
			}
			continue
		}
		if f == nil {
			t.Errorf("no flag -%s", k.name)
		}
	}
	if got := fs.Lookup("compago.poll_interval").DefValue; got != "3s" {
		t.Errorf("-compago.poll_interval shows the default %q, want 3s", got)
	}
}

func TestRedactedListsEveryKeyWithoutSecrets(t *testing.T) {
	c := mustLoad(t, validFile(), nil)
	// Validation refuses it; Redacted still hides it from any caller.
	c.Odoo.URL = "https://bot:" + odooSecret + "@erp.example.com/?k=" + odooSecret
	r := c.Redacted()
	for _, k := range keys {
		if _, ok := r[k.name]; !ok && k.kind != kindPath {
			t.Errorf("Redacted() lacks %s", k.name)
		}
	}
	if r["odoo.password"] != "[redacted]" || r["sweep.retention"] != "13200h" {
		t.Errorf("odoo.password = %v, sweep.retention = %v", r["odoo.password"], r["sweep.retention"])
	}
	for key, v := range r {
		if s, ok := v.(string); ok {
			assertNoSecret(t, key, s)
		}
	}
}
