package odoosim

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A browser sends a cross-site POST with Content-Type text/plain without a
// CORS preflight. Real Odoo refuses it on its JSON routes before any work:
// 17 and 18 with werkzeug's 400 page, 19 with a 415 (odoo/http.py,
// _set_request_dispatcher). odoosim answers the same, so the sandbox's Odoo
// cannot be driven from another web page.
func TestJSONRoutesRefuseTextPlainAsOdooDoes(t *testing.T) {
	body := `{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"object","method":"execute_kw","args":["sandbox",2,"admin","pos.order","create",[{"amount_total":1}]]}}`
	for _, tc := range []struct {
		version int
		path    string
		status  int
		want    string
	}{
		{17, "/jsonrpc", 400, "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/jsonrpc&#39; is type=&#39;json&#39;.</p>"},
		{18, "/web/session/authenticate", 400, "but &#39;/web/session/authenticate&#39; is type=&#39;json&#39;."},
		{19, "/jsonrpc", 415, "is type=&#39;jsonrpc&#39;.<br><br>Please verify the Content-Type request header and try again.</p>"},
		{19, "/json/2/pos.order/create", 415, "but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;."},
	} {
		s := New(Options{Version: tc.version})
		srv := httptest.NewServer(s)
		resp, err := http.Post(srv.URL+tc.path, "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(got), tc.want) {
			t.Errorf("Odoo %d POST %s text/plain: %d %s\n%s\nwant %d with %q", tc.version, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), got, tc.status, tc.want)
		}
		if n, _ := s.Exec("pos.order", "search_count", []any{[]any{}}, nil); n != int64(0) {
			t.Errorf("Odoo %d: the refused request created %v orders", tc.version, n)
		}
	}
}

// The control API is for the sandbox user only: a form post from another
// page, or a request whose Host is not loopback (DNS rebinding), is refused.
func TestOdooControlAPIRefusesCrossSiteFormsAndForeignHosts(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	form, _ := http.NewRequest("POST", srv.URL+"/sim/outage", strings.NewReader(`{"down":true}`))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rebound, _ := http.NewRequest("POST", srv.URL+"/sim/outage", bytes.NewBufferString(`{"down":true}`))
	rebound.Header.Set("Content-Type", "application/json")
	rebound.Host = "evil.example:8069"
	for name, tc := range map[string]struct {
		req  *http.Request
		want int
	}{"form post": {form, http.StatusUnsupportedMediaType}, "rebound post": {rebound, http.StatusForbidden}} {
		resp, err := http.DefaultClient.Do(tc.req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: answered %d, want %d", name, resp.StatusCode, tc.want)
		}
	}
	s.ctl.Lock()
	down := s.down
	s.ctl.Unlock()
	if down {
		t.Fatal("a refused request put Odoo down")
	}
}
