package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Validate reports every problem of c at once, one *KeyError per line
// naming the key (errors.Join), or nil. Secrets are checked for presence
// only: their values never appear in the error.
func (c *Config) Validate() error {
	v := &validator{}
	c.validateOdoo(v)
	c.validateCompago(v)
	c.validateConnector(v)
	c.validateSweep(v)
	c.validateStore(v)
	if c.HTTP.Addr != "" {
		if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil || !validPort(port) {
			v.failf("http.addr", `must be host:port like "127.0.0.1:9477" (or "" to disable), got %q`, c.HTTP.Addr)
		}
	}
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "json", "console")
	return joinKeyErrors(v.errs)
}

func (c *Config) validateOdoo(v *validator) {
	if v.nonEmpty("odoo.url", c.Odoo.URL) {
		if u := v.httpURL("odoo.url", c.Odoo.URL); u != nil && u.User != nil {
			v.failf("odoo.url", "must not carry a user name or password (user:password@): it would be logged and shown; give the user in odoo.username and the password in odoo.password or odoo.password_file")
		}
	}
	v.nonEmpty("odoo.database", c.Odoo.Database)
	v.nonEmpty("odoo.username", c.Odoo.Username)
	if c.Odoo.Password == "" {
		v.failf("odoo.password", "required: set odoo.password or odoo.password_file, or give systemd the credential odoo-password")
	}
	v.oneOf("odoo.protocol", c.Odoo.Protocol, "auto", "jsonrpc", "xmlrpc", "json2")
	v.between("odoo.timeout", c.Odoo.Timeout, time.Second, 10*time.Minute)
	v.between("odoo.limit_time_real", c.Odoo.LimitTimeReal, time.Second, 24*time.Hour)
	v.between("compago.late_charge_grace", c.Compago.LateChargeGrace, time.Second, time.Hour)
}

func (c *Config) validateCompago(v *validator) {
	if v.nonEmpty("compago.base_url", c.Compago.BaseURL) {
		u := v.httpURL("compago.base_url", c.Compago.BaseURL)
		switch {
		case u == nil:
		case u.User != nil:
			v.failf("compago.base_url", "must not carry a user name or password (user:password@): it would be logged and shown; give the API key in compago.api_key or compago.api_key_file")
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			v.failf("compago.base_url", "must not carry a query string or fragment (?...#...): it would be logged and shown; give the API key in compago.api_key or compago.api_key_file")
		}
	}
	if c.Compago.APIKey == "" {
		v.failf("compago.api_key", "required: set compago.api_key or compago.api_key_file, or give systemd the credential compago-api-key")
	}
	// Faster than once a second only adds load on Compago; slower than a
	// minute leaves a cashier waiting long after the card was charged.
	v.between("compago.poll_interval", c.Compago.PollInterval, time.Second, time.Minute)
	v.between("compago.timeout", c.Compago.Timeout, time.Second, 5*time.Minute)
	if c.Compago.MaxPolls < 1 || c.Compago.MaxPolls > 1024 {
		v.failf("compago.max_concurrent_polls", "must be between 1 and 1024, got %d", c.Compago.MaxPolls)
	}
}

// prefixPattern keeps externalIds readable and free of separators that
// could be confused with the "-<order>-<attempt>" that follows.
var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// odooFieldName is what Odoo accepts for a manual field.
var odooFieldName = regexp.MustCompile(`^x_[a-z0-9_]+$`)

func (c *Config) validateConnector(v *validator) {
	if strings.TrimSpace(c.Connector.PaymentMethod) == "" {
		v.failf("connector.payment_method", "must name the pos.payment.method (its name or id)")
	}
	v.between("connector.watch_interval", c.Connector.WatchInterval, 250*time.Millisecond, time.Minute)
	c.validateLeases(v)
	for _, name := range sortedKeys(c.Connector.Terminals) {
		if strings.TrimSpace(name) == "" {
			v.failf("connector.terminals", "a POS name is empty")
			continue
		}
		if strings.TrimSpace(c.Connector.Terminals[name]) == "" {
			v.failf("connector.terminals."+name, "terminal serial must not be empty")
		}
	}
	switch p := c.Connector.ExternalIDPrefix; {
	case p == "":
		if c.Odoo.Database != "" { // else odoo.database is the problem to report
			v.failf("connector.external_id_prefix", "must not be empty (Load derives it from odoo.database)")
		}
	case len(p) > maxPrefix || !prefixPattern.MatchString(p):
		v.failf("connector.external_id_prefix", "must be 1 to %d letters, digits, '-' or '_', starting with a letter or digit, got %q", maxPrefix, p)
	}
	if l := c.Connector.Language; l != "es_MX" && l != "en" {
		v.failf("connector.language", "must be es_MX or en, got %q", l)
	}
	c.validateFields(v)
}

// compagoTries is how many times the Compago client sends one call (its
// default, which the daemon keeps), and compagoBackoff the most it waits
// between them in all (3 pauses of at most 5 s).
const (
	compagoTries   = 4
	compagoBackoff = 15 * time.Second
)

// validateLeases checks that each lease outlives the calls made under it,
// so that a daemon whose call is still within its timeout still owns the
// work: otherwise another daemon takes it over while the first one's call
// is on the wire, and both act (a second payment line, a second intent).
func (c *Config) validateLeases(v *validator) {
	for _, l := range []struct {
		key      string
		d, least time.Duration
		why      string
	}{
		{"connector.poll_lease", c.Connector.PollLease, c.Compago.Timeout + c.Compago.PollInterval,
			"compago.timeout + compago.poll_interval: one poll in flight and the next tick's renewal"},
		{"connector.create_lease", c.Connector.CreateLease, compagoTries*c.Compago.Timeout + compagoBackoff + 30*time.Second,
			fmt.Sprintf("%d tries x compago.timeout + %s back-off + 30s for the journal writes around it", compagoTries, formatDuration(compagoBackoff))},
		{"connector.sync_lease", c.Connector.SyncLease, 5*c.Odoo.Timeout + 30*time.Second,
			"5 x odoo.timeout (read the order, add_payment, check, complete, message) + 30s"},
		{"connector.watch_lease", c.Connector.WatchLease, c.Odoo.Timeout + c.Connector.WatchInterval + 5*time.Second,
			"odoo.timeout + connector.watch_interval + 5s: one search and the next tick's renewal"},
	} {
		switch {
		case l.d <= 0 || l.d > 24*time.Hour:
			v.failf(l.key, "must be between 1s and 24h, got %s", formatDuration(l.d))
		case l.d < l.least:
			v.failf(l.key, "must be at least %s (%s), got %s", formatDuration(l.least), l.why, formatDuration(l.d))
		}
	}
}

func (c *Config) validateFields(v *validator) {
	used := map[string]string{} // name in Odoo -> default name
	for _, name := range sortedKeys(c.Connector.Fields) {
		key := "connector.fields." + name
		if !slices.Contains(odooFields, name) {
			v.failf(key, "unknown field: want one of %s", strings.Join(odooFields, ", "))
			continue
		}
		if renamed := c.Connector.Fields[name]; !odooFieldName.MatchString(renamed) || len(renamed) > 63 {
			v.failf(key, "must be an Odoo field name like x_my_field (x_ then lowercase letters, digits, _), got %q", renamed)
		}
	}
	for _, name := range odooFields {
		final := c.FieldName(name)
		if other, ok := used[final]; ok {
			// Name the entry the user wrote, not the field left as is.
			renamed, kept := name, other
			if _, ok := c.Connector.Fields[name]; !ok {
				renamed, kept = other, name
			}
			v.failf("connector.fields."+renamed, "%s is taken by the field %s: each field needs its own name", final, kept)
		}
		used[final] = name
	}
}

func (c *Config) validateStore(v *validator) {
	switch c.Store.Driver {
	case "sqlite":
		v.nonEmpty("store.path", c.Store.Path)
	case "postgres":
		switch dsn := c.Store.DSN.Value(); {
		case strings.TrimSpace(dsn) == "":
			v.failf("store.dsn", "required when store.driver is postgres: set store.dsn or store.dsn_file, or give systemd the credential store-dsn")
		case !looksLikeDSN(dsn):
			// The value is never echoed: it usually holds a password.
			v.failf("store.dsn", `must be a PostgreSQL URL ("postgres://user:password@host/db") or key=value pairs ("host=db user=compago dbname=compago")`)
		}
	default:
		v.failf("store.driver", "must be one of sqlite, postgres, got %q", c.Store.Driver)
	}
}

// looksLikeDSN tells a PostgreSQL connection string from a mistake (a path,
// a bare host name) without parsing it fully: the driver does that at open.
func looksLikeDSN(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return true
	}
	return !strings.Contains(dsn, "://") && strings.Contains(dsn, "=")
}

func (c *Config) validateSweep(v *validator) {
	if err := parseSchedule(c.Sweep.Schedule); err != nil {
		v.failf("sweep.schedule", `must be a cron schedule like "*/5 * * * *" or "@every 1m", got %q: %v`, c.Sweep.Schedule, err)
	}
	if c.Sweep.ReportDir != "" {
		if !filepath.IsAbs(c.Sweep.ReportDir) {
			v.failf("sweep.report_dir", "must be an absolute directory, got %q", c.Sweep.ReportDir)
		}
		if err := parseSchedule(c.Sweep.ReportSchedule); err != nil {
			v.failf("sweep.report_schedule", `must be a cron schedule like "55 23 * * *", got %q: %v`, c.Sweep.ReportSchedule, err)
		}
	}
	if r := c.Sweep.Retention; r != 0 && r < 24*time.Hour {
		// The journal is the record of what was charged: a day at least.
		v.failf("sweep.retention", "must be 0 (keep forever) or at least 24h, got %s", formatDuration(r))
	}
	// Work younger than the longest call may still be in flight: sweeping it
	// could race a create or a write that is about to succeed.
	longest := max(c.Odoo.Timeout, c.Compago.Timeout)
	if c.Sweep.StuckAfter <= longest {
		v.failf("sweep.stuck_after", "must be longer than odoo.timeout and compago.timeout (%s), got %s", formatDuration(longest), formatDuration(c.Sweep.StuckAfter))
	}
}

// parseSchedule checks a sweep schedule. robfig/cron v3.0.1 panics on a
// time zone prefix with nothing after it ("CRON_TZ=America/Mexico_City"):
// that is a bad schedule to report, not a reason to crash.
func parseSchedule(spec string) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("a time zone prefix needs a schedule after it")
		}
	}()
	_, err = cron.ParseStandard(spec)
	return err
}

// warnings returns what is allowed but probably a mistake.
func (c *Config) warnings() []string {
	var out []string
	if u, err := url.Parse(c.Compago.BaseURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		out = append(out, fmt.Sprintf("compago.base_url: %s is plain HTTP: the API key and payments would cross the network unencrypted", RedactURL(c.Compago.BaseURL)))
	}
	if u, err := url.Parse(c.Odoo.URL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		out = append(out, fmt.Sprintf("odoo.url: %s is plain HTTP to another machine: the Odoo password or API key is sent with every call unencrypted; use https", RedactURL(c.Odoo.URL)))
	}
	if c.Store.Driver == "postgres" {
		if host, ok := uncheckedRemoteDSN(c.Store.DSN.Value()); ok {
			out = append(out, fmt.Sprintf("store.dsn: PostgreSQL at %s without sslmode=verify-full (or verify-ca): the connection may be unencrypted and the server is not authenticated; add sslmode=verify-full", host))
		}
	}
	if c.Store.Driver != "postgres" && c.Store.DSN != "" {
		out = append(out, fmt.Sprintf("store.dsn: set, but store.driver is %s: the DSN is not used", c.Store.Driver))
	}
	return out
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validator collects problems.
type validator struct{ errs []*KeyError }

func (v *validator) failf(key, format string, args ...any) {
	v.errs = append(v.errs, &KeyError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (v *validator) nonEmpty(key, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.failf(key, "required")
		return false
	}
	return true
}

func (v *validator) oneOf(key, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		v.failf(key, "must be one of %s, got %q", strings.Join(allowed, ", "), value)
	}
}

func (v *validator) between(key string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.failf(key, "must be between %s and %s, got %s", formatDuration(lo), formatDuration(hi), formatDuration(d))
	}
}

// httpURL checks an http(s) URL with a host and returns it parsed, or nil
// after reporting the problem; a user:password in it is never echoed back.
func (v *validator) httpURL(key, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		v.failf(key, "must be an http(s) URL, got something that does not parse as a URL")
		return nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.failf(key, "must be an http(s) URL, got %q", RedactURL(raw))
		return nil
	}
	return u
}

func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
