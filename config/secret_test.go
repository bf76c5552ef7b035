package config

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestSecretIsNeverPrinted(t *testing.T) {
	s := Secret(odooSecret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		got := fmt.Sprintf(format, s)
		if format == "%T" {
			continue
		}
		assertNoSecret(t, "fmt "+format, got)
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("a set secret prints as %q, want [redacted]", got)
	}
	if got := fmt.Sprint(Secret("")); got != "" {
		t.Errorf("an empty secret prints as %q, want nothing", got)
	}
	data, err := json.Marshal(map[string]any{"key": s, "list": []Secret{s}})
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"key":"[redacted]","list":["[redacted]"]}` {
		t.Errorf("JSON shows %s", data)
	}
	if s.Value() != odooSecret {
		t.Errorf("Value() = %q, want the secret itself", s.Value())
	}
}

func TestLoadedConfigPrintsWithoutSecrets(t *testing.T) {
	c := mustLoad(t, validFile(), nil)
	if c.Odoo.Password.Value() != odooSecret || c.Compago.APIKey.Value() != compagoSecret {
		t.Fatalf("secrets not loaded: the daemon could not log in")
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecret(t, "fmt "+format+" of the config", fmt.Sprintf(format, c))
		assertNoSecret(t, "fmt "+format+" of the config value", fmt.Sprintf(format, *c))
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "JSON of the config", string(data))
	assertNoSecret(t, "Redacted()", fmt.Sprint(c.Redacted()))
}
