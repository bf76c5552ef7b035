package config

import (
	"fmt"
	"strings"
	"testing"
)

// Several daemons share a PostgreSQL journal; its DSN is a secret like the
// others, read from a file or a systemd credential and never printed.
func TestPostgresStoreDSNIsASecret(t *testing.T) {
	dsn := "postgres://compago:" + dsnSecret + "@db.example.com:5432/compago?sslmode=verify-full"
	dir := t.TempDir()
	dsnFile := writeFile(t, dir, "store-dsn", dsn+"\n", 0o600)
	creds := t.TempDir()
	writeFile(t, creds, "store-dsn", "host=db user=compago password="+dsnSecret, 0o400)

	postgres := func(edit func(m map[string]any)) map[string]any {
		m := validFile()
		set(m, "store.driver", "postgres")
		if edit != nil {
			edit(m)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		file map[string]any
		env  []string
		want string
	}{
		{"inline in the file", postgres(func(m map[string]any) { set(m, "store.dsn", dsn) }), nil, dsn},
		{"from store.dsn_file", postgres(func(m map[string]any) { set(m, "store.dsn_file", dsnFile) }), nil, dsn},
		{"from the environment", postgres(nil), []string{"COMPAGO_CONNECTOR_STORE__DSN=" + dsn}, dsn},
		{"from the systemd credential store-dsn", postgres(nil), []string{"CREDENTIALS_DIRECTORY=" + creds},
			"host=db user=compago password=" + dsnSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, warnings, err := load(t, tc.file, tc.env)
			if err != nil {
				t.Fatalf("the daemon refuses a postgres journal:\n%v", err)
			}
			if c.Store.Driver != "postgres" || c.Store.DSN.Value() != tc.want {
				t.Fatalf("store.driver %q, store.dsn %q; want postgres, %q", c.Store.Driver, c.Store.DSN.Value(), tc.want)
			}
			for _, w := range warnings {
				assertNoSecret(t, "a warning", w)
			}
			assertNoSecret(t, "the printed configuration", fmt.Sprintf("%v %+v %#v", c, c, c))
			if got := c.Redacted()["store.dsn"]; got != "[redacted]" {
				t.Errorf("check prints store.dsn as %v, want [redacted]", got)
			}
		})
	}
}

func TestSQLiteIsTheDefaultStore(t *testing.T) {
	c := mustLoad(t, validFile(), nil)
	if c.Store.Driver != "sqlite" || c.Store.DSN != "" {
		t.Fatalf("store.driver %q, store.dsn set %v; want sqlite and no DSN", c.Store.Driver, c.Store.DSN != "")
	}
}

// A DSN given to a daemon that keeps its journal in SQLite is probably a
// forgotten store.driver: the daemon starts, and says so.
func TestDSNWithSQLiteIsAWarning(t *testing.T) {
	file := validFile()
	set(file, "store.dsn", "postgres://compago:"+dsnSecret+"@db/compago")
	_, warnings, err := load(t, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "store.dsn: ") || !strings.Contains(warnings[0], "sqlite") {
		t.Fatalf("warnings = %q, want one about store.dsn not being used", warnings)
	}
	assertNoSecret(t, "the warning", warnings[0])
}

// A postgres journal needs no store.path.
func TestPostgresNeedsNoPath(t *testing.T) {
	file := validFile()
	set(file, "store.driver", "postgres")
	set(file, "store.dsn", "host=/run/postgresql dbname=compago")
	set(file, "store.path", "")
	mustLoad(t, file, nil)
}
