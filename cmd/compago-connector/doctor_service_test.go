package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Any local user can listen on http.addr while the daemon is down. doctor
// must not call that "running and ready", must not follow its redirects,
// and must not pass its text to the admin's terminal.
func TestDoctorDoesNotTrustAnImpostorOnTheHealthAddress(t *testing.T) {
	sims := startSimulators(t)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok  journal: fine\n"))
	}))
	t.Cleanup(elsewhere.Close)
	impostors := map[string]http.HandlerFunc{
		"imitates /readyz": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("ok   journal: ok\x1b[2J\x1b]0;pwned\a\nok  odoo: ok\n"))
		},
		"redirects": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/readyz", http.StatusFound)
		},
	}
	for name, h := range impostors {
		imp := httptest.NewServer(h)
		file := sims.writeConfig(t, strings.TrimPrefix(imp.URL, "http://"), "{Shop: TERMINAL-001}")
		out, _ := runDoctorWith(t, file)
		imp.Close()
		if strings.Contains(out, "OK   service") || !strings.Contains(out, "FAIL service") {
			t.Errorf("%s: doctor trusts what answers on http.addr:\n%s", name, out)
		}
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("%s: doctor passes the answer's escape sequences to the terminal:\n%q", name, out)
		}
	}

	// The real daemon proves it is itself.
	file := sims.writeConfig(t, "127.0.0.1:0", "{Shop: TERMINAL-001}")
	d := startDaemon(t, file)
	file = sims.writeConfig(t, strings.TrimPrefix(d.healthURL, "http://"), "{Shop: TERMINAL-001}")
	waitFor(t, "the daemon to be ready", 20*time.Second, func() bool {
		out, _ := runDoctorWith(t, file)
		return strings.Contains(out, "OK   service: running and ready")
	})
}
