package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// defaultConfigFile is where the Debian package and the install guide put
// the configuration; doctor reads it when --config is not given.
const defaultConfigFile = "/etc/compago-connector/config.yaml"

// doctor prints one line per check: OK, FAIL with the fix, or SKIP when a
// check cannot run safely from here.
type doctor struct {
	out    io.Writer
	failed bool
}

// Details quote Odoo, Compago and the service: printed escaped, so that
// their text cannot run on the admin's terminal.
func (d *doctor) ok(name, detail string) {
	fmt.Fprintf(d.out, "OK   %s: %s\n", printable(name), printable(detail))
}

func (d *doctor) skip(name, detail string) {
	fmt.Fprintf(d.out, "SKIP %s: %s\n", printable(name), printable(detail))
}

func (d *doctor) fail(name, detail, fix string) {
	d.failed = true
	fmt.Fprintf(d.out, "FAIL %s: %s; fix: %s\n", printable(name), printable(detail), printable(fix))
}

// runDoctor checks everything the daemon needs, from the config file's
// mode to each configured terminal, and exits 1 when any check fails.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "YAML configuration file (default "+defaultConfigFile+" when it exists)")
	config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			*file = defaultConfigFile
		}
	}
	d := &doctor{out: stdout}
	cfg, warnings, err := config.Load(config.Source{File: *file, Environ: doctorEnviron(*file), Flags: fs})
	if err != nil {
		d.fail("config", err.Error(), "correct the key named above in "+orDefault(*file, "the environment or flags"))
		return exitCode(1)
	}
	d.ok("config", "valid: "+orDefault(*file, "no file, environment and flags only"))
	d.checkPermissions(*file, warnings)
	j := d.checkJournal(ctx, cfg.Store.Path)
	if j != nil {
		defer j.Close()
	}
	if oc := d.checkOdooLogin(ctx, cfg); oc != nil {
		d.checkOdooSetup(ctx, cfg, oc, j)
	}
	d.checkCompagoKey(ctx, cfg)
	d.checkDaemon(ctx, cfg.HTTP.Addr, cfg.Compago.APIKey.Value())
	if d.failed {
		return exitCode(1)
	}
	return nil
}

// doctorEnviron is the process environment, plus CREDENTIALS_DIRECTORY set
// to the config file's directory when systemd did not set it: the unit
// loads the credentials from there, so an admin running doctor by hand
// checks the same secrets the service gets.
func doctorEnviron(file string) []string {
	env := os.Environ()
	if os.Getenv("CREDENTIALS_DIRECTORY") == "" && file != "" {
		env = append(env, "CREDENTIALS_DIRECTORY="+filepath.Dir(file))
	}
	return env
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (d *doctor) checkPermissions(file string, warnings []string) {
	var bad []string
	for _, w := range warnings {
		if strings.Contains(w, "mode ") {
			bad = append(bad, w)
		}
	}
	switch {
	case len(bad) > 0:
		d.fail("file permissions", strings.Join(bad, "; "),
			"chown root:compago-connector the file and chmod 640 it (600 for a file holding a secret)")
	case file == "":
		d.ok("file permissions", "no config file")
	default:
		d.ok("file permissions", "config and secret files readable by their owner and group only")
	}
}

// checkJournal opens the journal to check it is writable and integral. It
// does not open one that does not exist yet or that belongs to another
// user when run as root: the files SQLite would create beside it would be
// root's, and the service could not open them.
func (d *doctor) checkJournal(ctx context.Context, path string) *journal.SQLite {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.ok("journal", path+" not created yet; the service creates it at its first start")
		return nil
	case err != nil:
		d.fail("journal", err.Error(), "make store.path's directory reachable by the service user (StateDirectory= does it under systemd)")
		return nil
	}
	if owner, ok := fileOwner(info); ok && os.Geteuid() == 0 && owner != 0 {
		d.skip("journal", fmt.Sprintf("%s belongs to uid %d; run doctor as that user to check it (sudo -u compago-connector compago-connector doctor)", path, owner))
		return nil
	}
	j, err := journal.OpenSQLite(ctx, path, journal.Options{})
	switch {
	case errors.Is(err, journal.ErrLocked):
		d.ok("journal", path+" is in use by the running service (its /readyz checks it)")
		return nil
	case err != nil:
		d.fail("journal", err.Error(), "check the owner and mode of "+filepath.Dir(path)+" (the service user must write there); restore a backup if the file is damaged")
		return nil
	}
	if err := j.Check(ctx); err != nil {
		j.Close()
		d.fail("journal", err.Error(), "stop the service, move "+path+" aside and restore the last backup; keep the damaged file for support")
		return nil
	}
	d.ok("journal", path+" writable, integrity check passed")
	return j
}

func (d *doctor) checkOdooLogin(ctx context.Context, cfg *config.Config) *odoo.Client {
	oc, err := newOdooClient(cfg)
	if err != nil {
		d.fail("odoo login", err.Error(), "correct odoo.url and odoo.protocol")
		return nil
	}
	err = oc.Connect(ctx)
	switch {
	case err == nil:
	case errors.Is(err, odoo.ErrBadCredentials) || odoo.IsAccessDenied(err):
		d.fail("odoo login", err.Error(), "check odoo.database, odoo.username and the odoo-password credential (an API key of that user works)")
		return nil
	default:
		d.fail("odoo login", err.Error(), "check odoo.url and that Odoo answers from this host: curl "+config.RedactURL(cfg.Odoo.URL)+"/web/webclient/version_info")
		return nil
	}
	d.ok("odoo login", fmt.Sprintf("%s as %s (uid %d) over %s", config.RedactURL(cfg.Odoo.URL), cfg.Odoo.Username, oc.UID(), oc.Protocol()))
	if v := oc.Version(); v.Major >= 16 {
		d.ok("odoo version", v.Serie+" is supported")
	} else {
		d.fail("odoo version", v.Serie+" is older than 16", "upgrade Odoo to 16 or later")
	}
	return oc
}

func (d *doctor) checkOdooSetup(ctx context.Context, cfg *config.Config, oc *odoo.Client, j *journal.SQLite) {
	fields := connector.DefaultFields().WithOverrides(cfg.Connector.Fields)
	var names []string
	for _, def := range fields.Definitions() {
		names = append(names, def.Name)
	}
	var present []struct {
		Name string `json:"name"`
	}
	err := oc.SearchRead(ctx, "ir.model.fields", odoo.And(odoo.Cond("model", "=", "pos.order"), odoo.Cond("name", "in", names)),
		odoo.Query{Fields: []string{"name"}}, &present)
	switch {
	case err != nil:
		d.fail("fields", err.Error(), "give the Odoo user read access to ir.model.fields")
	case len(present) < len(names):
		d.fail("fields", fmt.Sprintf("%d of %d Compago fields on pos.order", len(present), len(names)), "run `compago-connector setup`")
	default:
		d.ok("fields", fmt.Sprintf("all %d Compago fields present on pos.order", len(names)))
	}
	switch installed, err := connector.DetectAddon(ctx, oc); {
	case err != nil:
		d.skip("odoo addon", "cannot read Odoo's modules ("+err.Error()+"): charges are recorded with add_payment")
	case installed:
		d.ok("odoo addon", connector.AddonModule+" installed: the POS has Compago's Send, and charges are recorded through the addon, once")
	default:
		d.ok("odoo addon", connector.AddonModule+" not installed: orders are flagged through the API or the back office, charges recorded with add_payment (README, \"The Odoo addon\", adds the POS's Send button)")
	}
	methodID, allowed, err := connector.FindPaymentMethod(ctx, oc, cfg.Connector.PaymentMethod)
	if err != nil {
		d.fail("payment method", err.Error(), "create a Bank payment method named "+cfg.Connector.PaymentMethod+" in Point of Sale > Configuration > Payment Methods, or set connector.payment_method")
		return
	}
	d.ok("payment method", fmt.Sprintf("%q is id %d", cfg.Connector.PaymentMethod, methodID))
	var configs []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if err := oc.SearchRead(ctx, "pos.config", nil, odoo.Query{Fields: []string{"id", "name"}, Order: "id asc"}, &configs); err != nil {
		d.fail("point of sale", err.Error(), "give the Odoo user read access to pos.config")
		return
	}
	known := map[string]bool{}
	for _, pc := range configs {
		known[pc.Name] = true
		_, routed := cfg.Connector.Terminals[pc.Name]
		switch {
		case slices.Contains(allowed, pc.ID):
			d.ok("point of sale "+pc.Name, "offers "+cfg.Connector.PaymentMethod)
		case routed || len(allowed) == 0:
			d.fail("point of sale "+pc.Name, cfg.Connector.PaymentMethod+" is not among its payment methods",
				"add it in Point of Sale > Configuration > Settings > Payment Methods for "+pc.Name)
		default:
			d.ok("point of sale "+pc.Name, cfg.Connector.PaymentMethod+" not offered there (no Compago payments from it)")
		}
	}
	d.checkTerminals(ctx, cfg, known, j)
}

// checkTerminals checks each connector.terminals entry. The Compago API
// has no terminal lookup (creating an intent to test one would cancel a
// customer's payment on it), so a serial is known when the journal shows
// Compago accepted an intent for it.
func (d *doctor) checkTerminals(ctx context.Context, cfg *config.Config, posNames map[string]bool, j *journal.SQLite) {
	names := make([]string, 0, len(cfg.Connector.Terminals))
	for name := range cfg.Connector.Terminals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		serial := cfg.Connector.Terminals[name]
		check := "terminal " + serial
		if !posNames[name] {
			d.fail(check, fmt.Sprintf("connector.terminals names POS %q, which Odoo does not have", name),
				"use the point of sale's name exactly as Odoo shows it")
			continue
		}
		if j == nil {
			d.ok(check, fmt.Sprintf("default of POS %q; not verified (journal not open here)", name))
			continue
		}
		used, err := j.List(ctx, journal.Filter{Terminal: serial, States: []journal.State{journal.Pending, journal.Confirmed, journal.Recorded, journal.Expired, journal.Cancelled}, Limit: 1})
		switch {
		case err != nil:
			d.fail(check, err.Error(), "see the journal check")
		case len(used) > 0:
			d.ok(check, fmt.Sprintf("default of POS %q; Compago accepted intents for it", name))
		default:
			d.ok(check, fmt.Sprintf("default of POS %q; no payment on it yet (a wrong serial shows as \"terminal not found\" on the first one)", name))
		}
	}
}

func (d *doctor) checkCompagoKey(ctx context.Context, cfg *config.Config) {
	cc, err := newCompagoClient(cfg)
	if err != nil {
		d.fail("compago key", err.Error(), "correct compago.base_url")
		return
	}
	// Reading an intent that cannot exist tells a good key (404) from a bad
	// one (401) without creating anything.
	_, err = cc.Get(ctx, "00000000-0000-0000-0000-000000000000")
	switch {
	case err == nil, errors.Is(err, compago.ErrIntentNotFound):
		d.ok("compago key", "accepted by "+config.RedactURL(cfg.Compago.BaseURL))
	case errors.Is(err, compago.ErrUnauthorized):
		d.fail("compago key", "rejected by "+config.RedactURL(cfg.Compago.BaseURL), "put the organization's API key in the compago-api-key credential (or compago.api_key_file)")
	default:
		d.fail("compago", err.Error(), "check compago.base_url and that this host reaches it (proxy, firewall)")
	}
}

// checkDaemon asks the running service's /readyz, when there is one. What
// answers must prove it is this daemon (healthproof.go): any local user
// can listen on http.addr while the service is down. Redirects are not
// followed, and the answer's text is shown escaped.
func (d *doctor) checkDaemon(ctx context.Context, addr, apiKey string) {
	if addr == "" {
		d.skip("service", "http.addr is empty: no /readyz to ask")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		d.fail("service", err.Error(), "correct http.addr")
		return
	}
	nonce := newNonce()
	req.Header.Set(nonceHeader, nonce)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		d.skip("service", "not running, or not listening on "+addr+": start it with systemctl start compago-connector")
		return
	}
	defer resp.Body.Close()
	const impostor = "find what listens there (ss -ltnp) and stop it; then start the service with systemctl start compago-connector"
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		d.fail("service", fmt.Sprintf("something other than compago-connector answers on %s: it redirects (HTTP %d)", addr, resp.StatusCode), impostor)
		return
	}
	if !validProof(proofKey(apiKey), nonce, resp.Header.Get(proofHeader)) {
		d.fail("service", "something answers on "+addr+" but cannot prove it is compago-connector running with this configuration's Compago key", impostor)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	report := strings.Join(strings.Fields(strings.ReplaceAll(string(body), "\n", "; ")), " ")
	if resp.StatusCode != http.StatusOK {
		d.fail("service", "not ready: "+report, "see journalctl -u compago-connector")
		return
	}
	d.ok("service", "running and ready: "+report)
}
