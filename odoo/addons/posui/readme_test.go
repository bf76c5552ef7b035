package posui_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// TestReadmeInstall follows README.md's "Install on a server", steps 2
// and 2b, as an Odoo administrator installing the connector for the first
// time on an Odoo whose point of sale has never been opened: the
// configuration file, setup --admin, the addon on the addons path,
// installed from Apps, the payment method made a Compago terminal in the
// back office (through the ORM, as its form writes it), the daemon
// started; then a cashier opens the POS, presses Send on a Compago line,
// the customer's card is charged on the terminal and the line turns paid.
// Nothing is set behind Odoo's back.
//
// It takes about two minutes per version, so it runs only with
// COMPAGO_POSUI_README=1 (not in CI, whose 30 minutes the cashier's
// scenarios fill); TestReadmeNamesTheOdooSteps, in every run, keeps the
// guides saying what it found an admin must do.
func TestReadmeInstall(t *testing.T) {
	if os.Getenv("COMPAGO_POSUI_README") == "" {
		t.Skip("the README's Odoo step on a fresh Odoo runs with COMPAGO_POSUI_README=1 (about 4 minutes)")
	}
	for _, version := range []string{"18.0", "19.0"} {
		t.Run(version, func(t *testing.T) { readmeInstall(t, version) })
	}
}

func readmeInstall(t *testing.T, version string) {
	browser := findBrowser(t)
	odootest.Require(t)
	bin := buildBinary(t)

	// 2b.1: the addon's directory on Odoo's addons path (Odoo restarted
	// with it); nothing installed yet.
	o := odootest.Start(t, version, odootest.Options{AddonsPath: []string{addonsDir(t, version)}})
	s := &shop{t: t, version: version, major: o.Major, o: o, browser: browser}
	o.Exec("product.product", "write", []any{[]any{o.ProductID}, map[string]any{"list_price": itemPrice}}, nil)

	// The Compago organization's terminals.
	sim := compagosim.New(compagosim.Options{})
	cs := httptest.NewServer(sim)
	t.Cleanup(cs.Close)

	// 2: the configuration and the Compago key, then setup --admin and
	// doctor.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, filepath.Join(dir, "compago-api-key"), compagosim.DefaultAPIKey+"\n", 0o600)
	writeFile(t, cfg, fmt.Sprintf(`odoo:
  url: %s
  database: %s
  username: compago-connector
compago:
  base_url: %s
  api_key_file: %s
connector:
  payment_method: Compago
store:
  path: %s
http:
  addr: ""
`, o.URL, o.Database, cs.URL, filepath.Join(dir, "compago-api-key"), filepath.Join(dir, "journal.db")), 0o640)
	writeFile(t, filepath.Join(dir, "admin-password"), o.Password+"\n", 0o600)
	out, err := runBinary(t, bin, "setup", "--config", cfg, "--admin", o.Login, "--admin-password-file", filepath.Join(dir, "admin-password"))
	t.Logf("setup --admin %s:\n%s", o.Login, out)
	if err != nil {
		t.Fatalf("setup --admin: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "odoo-password")); err != nil {
		t.Fatalf("setup wrote no odoo-password beside the config: %v", err)
	}

	// 2b.2: Apps > Update Apps List, search "POS Compago", Activate.
	o.Exec("ir.module.module", "update_list", []any{}, nil)
	mods := o.Exec("ir.module.module", "search_read", []any{[]any{[]any{"shortdesc", "ilike", "POS Compago"}}},
		map[string]any{"fields": []any{"name", "state"}}).([]any)
	if len(mods) != 1 || mods[0].(map[string]any)["name"] != "pos_compago_connector" {
		t.Fatalf("Apps' search for \"POS Compago\" finds %v, want the module pos_compago_connector", mods)
	}
	modID := mods[0].(map[string]any)["id"]
	o.Exec("ir.module.module", "button_immediate_install", []any{[]any{modID}}, nil)

	// Who is in the group "Compago connector": the daemon's user (setup),
	// and on 17 and 18 the administrator too (the addon's data); an
	// administrator may do what the group does either way.
	gid := o.Exec("ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "pos_compago_connector"}, []any{"name", "=", "group_compago_connector"}}},
		map[string]any{"fields": []any{"res_id"}}).([]any)[0].(map[string]any)["res_id"]
	groups := "groups_id"
	if o.Major >= 19 {
		groups = "group_ids"
	}
	members := o.Exec("res.users", "search_read", []any{[]any{[]any{groups, "in", []any{gid}}}},
		map[string]any{"fields": []any{"login"}, "context": map[string]any{"active_test": false}}).([]any)
	var logins []string
	for _, m := range members {
		logins = append(logins, m.(map[string]any)["login"].(string))
	}
	want := "compago-connector"
	if o.Major < 19 {
		want = "admin compago-connector"
	}
	if got := strings.Join(sortedStrings(logins), " "); got != want {
		t.Errorf("the group \"Compago connector\" holds %q, the READMEs say %q", got, want)
	}

	// Odoo refuses to change a method that an opened session offers: the
	// README has the administrator close the session first.
	_, err = o.Call(context.Background(), "pos.payment.method", "write", []any{[]any{o.PaymentMethodID},
		map[string]any{"payment_method_type": "terminal", "use_payment_terminal": "compago"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "close and validate the following open PoS Sessions") {
		t.Errorf("saving the method while its session is open: %v, want Odoo's refusal", err)
	}
	// The template holds an opened session with no order: close it, as
	// the shop's manager would at the end of a day; from here the point of
	// sale is as one never opened.
	closeSession(t, o)

	// 2b.3: Point of Sale > Configuration > Payment Methods, the method
	// "Compago" (connector.payment_method): "Integrate with" Compago, the
	// terminal code, "Terminal on this device". On 18 and 19 the form shows
	// "Integrate with" only once "Integration" is "Terminal".
	vals := map[string]any{"use_payment_terminal": "compago", "compago_terminal": terminal, "compago_same_device": true}
	if o.Major >= 18 {
		vals["payment_method_type"] = "terminal"
	}
	if _, err := o.Call(context.Background(), "pos.payment.method", "write", []any{[]any{o.PaymentMethodID}, vals}, nil); err != nil {
		t.Fatalf("the administrator saves the Compago payment method: %v", err)
	}
	offered := o.Exec("pos.config", "read", []any{[]any{o.ConfigID}, []any{"payment_method_ids"}}, nil).([]any)[0].(map[string]any)["payment_method_ids"]
	if !strings.Contains(fmt.Sprint(offered), fmt.Sprint(float64(o.PaymentMethodID))) {
		t.Fatalf("the point of sale does not offer the method %d: %v", o.PaymentMethodID, offered)
	}

	// 2b.4: doctor says the addon is installed.
	out, _ = runBinary(t, bin, "doctor", "--config", cfg)
	t.Logf("doctor:\n%s", out)
	if !strings.Contains(out, "odoo addon: pos_compago_connector installed") {
		t.Errorf("doctor does not say \"odoo addon: pos_compago_connector installed\"")
	}

	// 3: start the daemon (the service's run).
	startRun(t, bin, cfg)

	// The cashier: open the POS (its first session), ring up the item,
	// Compago, Send; the card is charged on the terminal.
	s.buildAssets()
	p := s.openPOS(t, "")
	p.openingControl()
	p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	// connector.language is es_MX by default: the daemon's sentence is Spanish.
	p.waitMessage("Esperando la tarjeta en la terminal " + terminal)
	if _, err := sim.ApproveTerminal(terminal); err != nil {
		t.Fatalf("approve the card on %s: %v", terminal, err)
	}
	p.waitLine("Payment Successful")
	p.validate()
}

// openingControl answers the POS's first question of a new session: the
// cashier counts the opening cash and presses Open Register (the popup
// may come after the products are shown).
func (p *pos) openingControl() {
	p.t.Helper()
	button := `[...document.querySelectorAll(".modal-footer button")].find((b) => b.textContent.includes("Open Register"))`
	if p.shows(`!!`+button, waitLimit) {
		p.shot("opening-control")
		eval[bool](p, button+`.click(), true`)
	}
	p.waitJS("the session is opened", `posmodel.session.state === "opened"`)
}

// closeSession closes the template's opened session (it holds no order).
func closeSession(t *testing.T, o *odootest.Odoo) {
	t.Helper()
	o.Exec("pos.session", "action_pos_session_closing_control", []any{[]any{o.SessionID}}, nil)
	row := o.Exec("pos.session", "read", []any{[]any{o.SessionID}, []any{"state"}}, nil).([]any)[0].(map[string]any)
	if row["state"] != "closed" {
		t.Fatalf("the template's session is %v after closing, want closed", row["state"])
	}
}

func sortedStrings(xs []string) []string {
	sort.Strings(xs)
	return xs
}

// buildBinary builds cmd/compago-connector, as the package would install it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "compago-connector")
	cmd := exec.Command("go", "build", "-o", bin, "../../../cmd/compago-connector")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the binary: %v\n%s", err, out)
	}
	return bin
}

func runBinary(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// startRun runs the daemon until t ends, then stops it with SIGTERM.
func startRun(t *testing.T, bin, cfg string) {
	t.Helper()
	var log bytes.Buffer
	cmd := exec.Command(bin, "run", "--config", cfg, "--log.format", "console")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("the daemon's log:\n%s", log.String())
		}
	})
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// The guides (README.md, and deploy/README.md installed with the .deb)
// say what TestReadmeInstall found an administrator must do on a real
// Odoo: a change to one is a change to the other.
func TestReadmeNamesTheOdooSteps(t *testing.T) {
	for _, guide := range []string{"../../../README.md", "../../../deploy/README.md"} {
		b, err := os.ReadFile(guide)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		for _, want := range []string{
			`remove the search's "Apps" filter`,                  // the module is no app: Apps' default filter hides it
			`close and validate the following open PoS Sessions`, // Odoo refuses to change the method of an opened session
			`set "Integration" to **Terminal**`,                  // 18 and 19 show "Integrate with" only then
			"`odoo addon: pos_compago_connector installed`",      // doctor's line
			"`/usr/share/compago-connector/odoo-addons/",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not say %s", guide, want)
			}
		}
	}
}
