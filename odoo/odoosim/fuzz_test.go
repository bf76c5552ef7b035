package odoosim

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDomain feeds arbitrary JSON domains to the parser and the search: a
// bad domain is a ValueError, never a panic.
func FuzzDomain(f *testing.F) {
	for _, seed := range []string{
		`[]`, `[["state", "=", "paid"]]`, `["|", ["id", "in", [1]], ["amount_total", ">", 1e9]]`,
		`["!", ["session_id.config_id.name", "ilike", "sh"]]`, `[["payment_ids", "any", [["amount", ">", 0]]]]`,
		`["&", "&"]`, `[[1, "=", 1]]`, `[["name", "=like", "S%_"]]`, `[["date_order", "<=", "2026-01-01"]]`,
		`[["partner_id", "=", false], ["x", "=?", null]]`, `"|"`, `[["a"]]`,
	} {
		f.Add(seed)
	}
	s := New(Options{Version: 17})
	f.Fuzz(func(t *testing.T, domain string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(domain)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		_, err := s.Exec("pos.order", "search_count", []any{v}, nil)
		if err != nil {
			if _, ok := err.(*Fault); !ok {
				t.Fatalf("domain %s: error %T is not a Fault", domain, err)
			}
		}
	})
}

// FuzzXMLRPCRequest feeds arbitrary bodies to the XML-RPC request decoder.
func FuzzXMLRPCRequest(f *testing.F) {
	for _, seed := range []string{
		"<?xml version='1.0'?>\n<methodCall>\n<methodName>version</methodName>\n<params>\n</params>\n</methodCall>\n",
		"<methodCall><methodName>execute_kw</methodName><params><param><value><string>sandbox</string></value></param>" +
			"<param><value><int>2</int></value></param><param><value><array><data><value><struct><member><name>a</name>" +
			"<value><double>1.5</double></value></member></struct></value><value><nil/></value></data></array></value></param></params></methodCall>",
		"<methodCall><methodName>x</methodName><params><param><value>bare</value></param></params></methodCall>",
		"<methodCall><methodName>x</methodName><params><param><value><dateTime.iso8601>20260101T10:00:00</dateTime.iso8601></value></param></params></methodCall>",
		"<methodCall>", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		method, params, err := decodeMethodCall(body)
		if err == nil && method == "" {
			t.Fatalf("decoded a call without a method name: %q", body)
		}
		_ = params
	})
}
