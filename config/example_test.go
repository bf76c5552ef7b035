package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const examplePath = "../deploy/compago-connector.example.yaml"

// The example file starts the daemon once the secrets and the three Odoo
// keys a site must fill in are given, and changes nothing from the
// defaults.
func TestExampleConfigLoadsWithDefaults(t *testing.T) {
	env := []string{
		"COMPAGO_CONNECTOR_ODOO__URL=https://erp.example.com",
		"COMPAGO_CONNECTOR_ODOO__DATABASE=example",
		"COMPAGO_CONNECTOR_ODOO__USERNAME=compago@example.com",
		"COMPAGO_CONNECTOR_ODOO__PASSWORD=" + odooSecret,
		"COMPAGO_CONNECTOR_COMPAGO__API_KEY=" + compagoSecret,
	}
	got, warnings, err := Load(Source{File: examplePath, Environ: env})
	if err != nil {
		t.Fatalf("the example configuration is refused:\n%v", err)
	}
	for _, w := range warnings {
		if !strings.HasPrefix(w, "config file ") { // its mode in the checkout is not ours to fix
			t.Errorf("unexpected warning: %s", w)
		}
	}
	want := Defaults()
	want.Odoo.URL = "https://erp.example.com"
	want.Odoo.Database = "example"
	want.Odoo.Username = "compago@example.com"
	want.Odoo.Password = odooSecret
	want.Compago.APIKey = compagoSecret
	want.Connector.ExternalIDPrefix = "example"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the example differs from the defaults (-want +got):\n%s", diff)
	}
}

// The example installed as /etc/compago-connector/config.yaml is
// recognisably unconfigured: it names no live server (whose failure would
// read as a DNS error) but leaves the three Odoo keys empty.
func TestExampleConfigIsRecognisablyUnconfigured(t *testing.T) {
	_, _, err := Load(Source{File: examplePath})
	var missing []string
	for _, e := range KeyErrors(err) {
		if e.Problem == "required" {
			missing = append(missing, e.Key)
		}
	}
	if strings.Join(missing, " ") != "odoo.database odoo.url odoo.username" {
		t.Errorf("want odoo.url, odoo.database and odoo.username empty in the example, got the errors:\n%v", err)
	}
	if !Unconfigured(err) {
		t.Errorf("Unconfigured(%v) = false", err)
	}
}

// Every key appears in the example, set or commented out, under its
// section, with a comment saying what it does.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, k := range keys {
		section, leaf, _ := strings.Cut(k.name, ".")
		start := regexp.MustCompile(`(?m)^` + section + `:`).FindStringIndex(text)
		if start == nil {
			t.Errorf("the example has no section %s:", section)
			continue
		}
		body := text[start[1]:]
		if end := regexp.MustCompile(`(?m)^\S`).FindStringIndex(body); end != nil {
			body = body[:end[0]]
		}
		line := regexp.MustCompile(`(?m)^  (# )?` + leaf + `:.*#.*$`)
		if !line.MatchString(body) {
			t.Errorf("the example does not document %s (want a line %q with a comment under %s:)", k.name, "  "+leaf+": ...  # ...", section)
		}
	}
}
