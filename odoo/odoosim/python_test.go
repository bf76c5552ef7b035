package odoosim

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A third-party Python client (Odoo's documented xmlrpc.client example, and
// raw JSON-RPC over urllib) works against the simulator unchanged.
func TestPythonClientsWorkUnchanged(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: cannot run the Python client flow")
	}
	for _, version := range []int{16, 17, 18, 19} {
		s := New(Options{Version: version})
		srv := httptest.NewServer(s)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, py, "testdata/xmlrpc_flow.py", srv.URL, "sandbox").CombinedOutput()
		cancel()
		srv.Close()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Errorf("Odoo %d: the Python client flow failed: %v\n%s", version, err, out)
		}
	}
}
