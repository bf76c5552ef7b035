package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
)

const setupAbout = `Creates the x_compago_* fields on pos.order in Odoo (idempotent: present
fields are left as they are) and checks the Compago payment method. Run it
once after installing, and after an Odoo upgrade. With --admin LOGIN (an
Odoo administrator, whose password is asked on the terminal or read from
--admin-password-file), it also makes the group "Compago connector", the
daemon's own Odoo user in it and its API key, written where the service
reads its Odoo secret; run again, it makes no second user or key unless
--new-key.`

const checkAbout = `Checks what the daemon needs, one line per check (OK or FAIL): the
configuration, the Odoo login, the Compago fields, the payment method and
the Compago key. doctor checks more (file modes, journal, POS, terminals,
the running service) and gives the fix for each failure.`

func runSetup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("setup", "[--config FILE] [--admin LOGIN [--admin-password-file F] [--key-file F] [--new-key]] [--KEY VALUE ...]",
		setupAbout, stdout, stderr)
	opt := registerSetupFlags(c.fs)
	c.withConfig()
	if err := parseConfigCommand(c, args); err != nil {
		return err
	}
	if opt.admin != "" {
		if err := opt.readAdmin(c, os.Stdin, stderr); err != nil {
			return c.failed(err)
		}
	}
	cfg, warnings, err := c.loadConfig()
	if err != nil {
		return c.failed(err)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if opt.admin != "" {
		if err := setupDedicated(ctx, cfg, *opt, stdout); err != nil {
			return c.failed(err)
		}
		return nil
	}
	oc, err := newOdooClient(cfg)
	if err != nil {
		return c.failed(err)
	}
	if err := oc.Connect(ctx); err != nil {
		return c.failed(fmt.Errorf("connect to Odoo at %s: %w", config.RedactURL(cfg.Odoo.URL), err))
	}
	if err := setupOdoo(ctx, oc, cfg, stdout); err != nil {
		return c.failed(err)
	}
	return nil
}

// setupOdoo creates the missing Compago fields and checks the payment
// method; the sandbox runs it too.
func setupOdoo(ctx context.Context, oc *odoo.Client, cfg *config.Config, out io.Writer) error {
	res, err := connector.EnsureFields(ctx, oc, connector.DefaultFields().WithOverrides(cfg.Connector.Fields))
	if err != nil {
		return err
	}
	for _, f := range res.Created {
		fmt.Fprintf(out, "created field pos.order.%s\n", f)
	}
	if len(res.StatesAdded) > 0 {
		fmt.Fprintf(out, "states added to x_compago_state: %s\n", strings.Join(res.StatesAdded, ", "))
	}
	if len(res.Present) > 0 {
		fmt.Fprintf(out, "already present: %s\n", strings.Join(res.Present, ", "))
	}
	id, configs, err := connector.FindPaymentMethod(ctx, oc, cfg.Connector.PaymentMethod)
	if err != nil {
		return fmt.Errorf("connector.payment_method: %w", err)
	}
	fmt.Fprintf(out, "payment method %q found (id %d, allowed in %d POS configs)\n", cfg.Connector.PaymentMethod, id, len(configs))
	return nil
}

// runCheck checks what the daemon needs, one line per check, and exits 1
// when any check fails.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("check", "[--config FILE] [--KEY VALUE ...]", checkAbout, stdout, stderr).withConfig()
	if err := parseConfigCommand(c, args); err != nil {
		return err
	}
	cfg, warnings, err := c.loadConfig()
	if err != nil {
		fmt.Fprintf(stdout, "FAIL config: %v\n", err)
		return exitCode(1)
	}
	failed := false
	line := func(ok bool, what, detail string) {
		status := "OK  "
		if !ok {
			status, failed = "FAIL", true
		}
		fmt.Fprintf(stdout, "%s %s: %s\n", status, what, detail)
	}
	line(true, "config", "valid")
	for _, w := range warnings {
		fmt.Fprintf(stdout, "WARN config: %s\n", w)
	}
	checkOdoo(ctx, cfg, line)
	checkCompago(ctx, cfg, line)
	if failed {
		return exitCode(1)
	}
	return nil
}

func checkOdoo(ctx context.Context, cfg *config.Config, line func(bool, string, string)) {
	oc, err := newOdooClient(cfg)
	if err != nil {
		line(false, "odoo", err.Error())
		return
	}
	if err := oc.Connect(ctx); err != nil {
		line(false, "odoo login", fmt.Sprintf("%v (check odoo.url, odoo.database, odoo.username, odoo.password)", err))
		return
	}
	line(true, "odoo login", fmt.Sprintf("%s, Odoo %s over %s, uid %d", config.RedactURL(cfg.Odoo.URL), oc.Version().Serie, oc.Protocol(), oc.UID()))
	fields := connector.DefaultFields().WithOverrides(cfg.Connector.Fields)
	var names []string
	for _, d := range fields.Definitions() {
		names = append(names, d.Name)
	}
	present, err := presentFields(ctx, oc, names)
	switch {
	case err != nil:
		line(false, "fields", err.Error())
	case len(present) < len(names):
		line(false, "fields", fmt.Sprintf("%d of %d Compago fields on pos.order; run `compago-connector setup`", len(present), len(names)))
	default:
		line(true, "fields", "all Compago fields present on pos.order")
		if missing, err := connector.MissingStates(ctx, oc, fields); err != nil {
			line(false, "states", err.Error())
		} else if len(missing) > 0 {
			line(false, "states", fmt.Sprintf("%s lacks %s; run `compago-connector setup` again after an upgrade", fields.State, strings.Join(missing, ", ")))
		}
	}
	id, configs, err := connector.FindPaymentMethod(ctx, oc, cfg.Connector.PaymentMethod)
	if err != nil {
		line(false, "payment method", fmt.Sprintf("%v (connector.payment_method)", err))
	} else {
		line(true, "payment method", fmt.Sprintf("%q is id %d, allowed in %d POS configs", cfg.Connector.PaymentMethod, id, len(configs)))
		findings, err := connector.CheckCurrencies(ctx, oc, id, configs)
		if err != nil {
			line(false, "currency", err.Error())
		}
		for _, f := range findings {
			line(f.OK, "currency of "+f.What, f.Detail)
		}
	}
}

func checkCompago(ctx context.Context, cfg *config.Config, line func(bool, string, string)) {
	cc, err := newCompagoClient(cfg)
	if err != nil {
		line(false, "compago", err.Error())
		return
	}
	// Reading an intent that cannot exist tells a good key (404) from a bad
	// one (401) without creating anything.
	_, err = cc.Get(ctx, "00000000-0000-0000-0000-000000000000")
	switch {
	case err == nil, errors.Is(err, compago.ErrIntentNotFound):
		line(true, "compago key", "accepted by "+config.RedactURL(cfg.Compago.BaseURL))
	case errors.Is(err, compago.ErrUnauthorized):
		line(false, "compago key", "rejected: check compago.api_key")
	default:
		line(false, "compago", fmt.Sprintf("%v (check compago.base_url)", err))
	}
}
