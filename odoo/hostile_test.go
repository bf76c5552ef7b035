package odoo_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo"
)

// hostileOdoo answers every request with body: a compromised Odoo, or
// whatever sits at odoo.url.
func hostileOdoo(t *testing.T, ctype string, body []byte) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func connectTo(t *testing.T, url string, p odoo.Protocol) error {
	t.Helper()
	c, err := odoo.New(odoo.Config{URL: url, Database: "db", Username: "admin", Password: "secret-pw", Protocol: p, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c.Connect(context.Background())
}

// An XML-RPC answer nested hundreds of thousands deep used to end the
// process with "fatal error: stack overflow" inside the XML-RPC decoder
// (not a panic: nothing recovers it, and systemd's restart meets it again).
// It is refused before decoding; the daemon lives on.
func TestDeeplyNestedXMLRPCAnswerIsRefusedNotFatal(t *testing.T) {
	// A smaller stack than the default 1 GB makes the overflow quick to
	// reach with a few megabytes; the answer is refused long before.
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	const depth = 100_000
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodResponse><params><param><value>`)
	b.WriteString(strings.Repeat("<array><data><value>", depth))
	b.WriteString("<int>1</int>")
	b.WriteString(strings.Repeat("</value></data></array>", depth))
	b.WriteString(`</value></param></params></methodResponse>`)
	err := connectTo(t, hostileOdoo(t, "text/xml", b.Bytes()), odoo.ProtocolXMLRPC)
	if err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("a %d-deep XML-RPC answer: %v; want it refused as nested too deeply", depth, err)
	}
}

// JSON answers nested deeper than Odoo's ever are, and answers far larger
// than the daemon's calls ever get, are refused before they are decoded
// (a 31 MiB JSON answer used to cost 2 GiB of memory).
func TestHostileJSONAnswersAreRefusedBeforeDecoding(t *testing.T) {
	deep := `{"jsonrpc":"2.0","id":1,"result":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
	huge := `{"jsonrpc":"2.0","id":1,"result":[` + strings.Repeat("0,", 5<<20) + `0]}`
	for name, tc := range map[string]struct {
		body, want string
	}{
		"deep": {deep, "nested"},
		"huge": {huge, "larger than"},
	} {
		err := connectTo(t, hostileOdoo(t, "application/json", []byte(tc.body)), odoo.ProtocolJSONRPC)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s JSON-RPC answer: %v; want an error saying %q", name, err, tc.want)
		}
	}
}
