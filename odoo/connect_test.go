package odoo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/odoo"
)

func TestConnectFindsVersionTransportAndUser(t *testing.T) {
	cases := []struct {
		version    int
		configured odoo.Protocol
		names      []string
		want       odoo.Protocol
		serie      string
	}{
		// 17 has no /web/version (an HTML 404): common.version tells.
		{17, odoo.ProtocolAuto, connectNames(odoo.ProtocolJSONRPC), odoo.ProtocolJSONRPC, "17.0"},
		{17, odoo.ProtocolJSONRPC, connectNames(odoo.ProtocolJSONRPC), odoo.ProtocolJSONRPC, "17.0"},
		{17, odoo.ProtocolXMLRPC, connectNames(odoo.ProtocolXMLRPC), odoo.ProtocolXMLRPC, "17.0"},
		// 18 has no /web/version either (recorded on 18.0), nor JSON-2.
		{18, odoo.ProtocolAuto, connectNames(odoo.ProtocolJSONRPC), odoo.ProtocolJSONRPC, "18.0"},
		{18, odoo.ProtocolJSONRPC, connectNames(odoo.ProtocolJSONRPC), odoo.ProtocolJSONRPC, "18.0"},
		{18, odoo.ProtocolXMLRPC, connectNames(odoo.ProtocolXMLRPC), odoo.ProtocolXMLRPC, "18.0"},
		{19, odoo.ProtocolJSONRPC, connectNames(odoo.ProtocolJSONRPC), odoo.ProtocolJSONRPC, "19.0"},
		{19, odoo.ProtocolXMLRPC, connectNames(odoo.ProtocolXMLRPC), odoo.ProtocolXMLRPC, "19.0"},
		{19, odoo.ProtocolJSON2, connectNames(odoo.ProtocolJSON2), odoo.ProtocolJSON2, "19.0"},
		// 19 with an API key: JSON-2 accepts it, so auto picks JSON-2.
		{19, odoo.ProtocolAuto, connectNames(odoo.ProtocolJSON2), odoo.ProtocolJSON2, "19.0"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("odoo %d configured %s", tc.version, tc.configured), func(t *testing.T) {
			srv := replayServer(t, tc.version, tc.names...)
			c := newClient(t, srv.URL, tc.version, tc.configured, "admin")
			if err := c.Connect(context.Background()); err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if got := c.Protocol(); got != tc.want {
				t.Errorf("transport = %s, want %s", got, tc.want)
			}
			if v := c.Version(); v.Major != tc.version || v.Minor != 0 || v.Serie != tc.serie {
				t.Errorf("version = %+v, want %d.0 (%s)", v, tc.version, tc.serie)
			}
			if c.UID() != 2 {
				t.Errorf("uid = %d, want 2 (admin)", c.UID())
			}
			if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.String()); strings.Contains(s, "admin") && !strings.Contains(s, "user=admin") {
				t.Errorf("the client prints more than its user name: %s", s)
			}
		})
	}
}

func TestWrongPasswordIsReportedAsBadCredentials(t *testing.T) {
	for _, version := range []int{17, 18, 19} {
		for _, p := range []odoo.Protocol{odoo.ProtocolJSONRPC, odoo.ProtocolXMLRPC} {
			t.Run(fmt.Sprintf("odoo %d %s", version, p), func(t *testing.T) {
				srv := replayServer(t, version, "web version", "common.version", "common.authenticate bad password")
				c := newClient(t, srv.URL, version, p, "wrong")
				err := c.Connect(context.Background())
				if !errors.Is(err, odoo.ErrBadCredentials) || !odoo.IsAccessDenied(err) {
					t.Fatalf("Connect with a wrong password = %v, want bad credentials", err)
				}
				if odoo.IsOutcomeUnknown(err) || odoo.IsTransport(err) {
					t.Errorf("a refused login is an answer, not a transport failure: %v", err)
				}
				if strings.Contains(err.Error(), "wrong") {
					t.Errorf("the error shows the password: %v", err)
				}
				if c.UID() != 0 {
					t.Errorf("uid = %d after a refused login", c.UID())
				}
			})
		}
	}
}

func TestRevokedKeyOnJSON2IsBadCredentials(t *testing.T) {
	srv := replayServer(t, 19, "web version", "json2 context_get", "json2 bad key")
	c := newClient(t, srv.URL, 19, odoo.ProtocolJSON2, "sandbox-api-key")
	_, err := c.Search(context.Background(), "pos.order", nil, odoo.Query{})
	if !errors.Is(err, odoo.ErrBadCredentials) || !odoo.IsAccessDenied(err) {
		t.Fatalf("search with a revoked key = %v, want bad credentials", err)
	}
	if strings.Contains(err.Error(), "sandbox-api-key") {
		t.Errorf("the error shows the key: %v", err)
	}
}

func TestConfigAndClientNeverPrintTheSecret(t *testing.T) {
	cfg := odoo.Config{URL: "http://127.0.0.1:1", Database: "db", Username: "cashier", Password: "s3cret-key-123"}
	c, err := odoo.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "s3cret") {
			t.Errorf("printed the secret: %s", s)
		}
	}
	// A transport failure names the address, never the password.
	err = c.Connect(context.Background())
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Connect to a closed port = %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cases := map[string]odoo.Config{
		"no url":               {Database: "d", Username: "u", Password: "p"},
		"relative url":         {URL: "odoo.example.com", Database: "d", Username: "u", Password: "p"},
		"credentials in url":   {URL: "https://u:hunter2@odoo.example.com", Database: "d", Username: "u", Password: "p"},
		"no password":          {URL: "https://odoo.example.com", Database: "d", Username: "u"},
		"no database for rpc":  {URL: "https://odoo.example.com", Username: "u", Password: "p", Protocol: odoo.ProtocolJSONRPC},
		"unknown protocol":     {URL: "https://odoo.example.com", Database: "d", Username: "u", Password: "p", Protocol: "soap"},
		"no username for auto": {URL: "https://odoo.example.com", Database: "d", Password: "p"},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := odoo.New(cfg)
			if err == nil {
				t.Fatal("New accepted it")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	if _, err := odoo.New(odoo.Config{URL: "https://odoo.example.com", Password: "key", Protocol: odoo.ProtocolJSON2}); err != nil {
		t.Errorf("JSON-2 needs only the url and the key: %v", err)
	}
}

func TestEveryRequestSaysWhoIsCalling(t *testing.T) {
	for _, p := range []odoo.Protocol{odoo.ProtocolJSONRPC, odoo.ProtocolXMLRPC, odoo.ProtocolJSON2} {
		t.Run(string(p), func(t *testing.T) {
			replay := replayServer(t, 19, connectNames(p)...)
			agents := make(chan string, 16)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				agents <- r.Header.Get("User-Agent")
				replay.Config.Handler.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, 19, p, "admin")
			if err := c.Connect(context.Background()); err != nil {
				t.Fatal(err)
			}
			close(agents)
			for ua := range agents {
				if ua != "compago-connector/dev" {
					t.Errorf("User-Agent = %q, want compago-connector/dev (what Odoo 19 logs per client)", ua)
				}
			}
		})
	}
}

func TestCallAfterTheCallerGaveUpSendsNothing(t *testing.T) {
	srv := replayServer(t, 17, connectNames(odoo.ProtocolJSONRPC)...)
	c := newClient(t, srv.URL, 17, odoo.ProtocolJSONRPC, "admin")
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Search(ctx, "pos.order", nil, odoo.Query{})
	if !errors.Is(err, context.Canceled) || odoo.IsOutcomeUnknown(err) {
		t.Errorf("call with a cancelled context = %v, want cancelled with nothing sent", err)
	}
}
