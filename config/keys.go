package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// kind is how a key's value is written and decoded.
type kind int

const (
	kindString   kind = iota
	kindSecret        // a Secret: never printed, never a flag
	kindPath          // a *_file key: the path of a file holding a secret
	kindDuration      // Go syntax: "3s", "1m30s"
	kindInt
	kindMap // YAML mapping; "a=b,c=d" in the environment and in flags
)

// key is one configuration key. The table below is the one list of keys: the
// file checker, the environment, flags, decoding, Redacted and the test of
// the example file all read it, so a key cannot exist in one and not another.
type key struct {
	name  string
	kind  kind
	usage string
	// field points into c; nil for *_file keys, which only feed a Secret.
	field func(c *Config) any
}

var keys = []key{
	{"odoo.url", kindString, "base URL of the Odoo server", func(c *Config) any { return &c.Odoo.URL }},
	{"odoo.database", kindString, "Odoo database name", func(c *Config) any { return &c.Odoo.Database }},
	{"odoo.username", kindString, "login of the Odoo user the daemon acts as", func(c *Config) any { return &c.Odoo.Username }},
	{"odoo.password", kindSecret, "Odoo password or API key", func(c *Config) any { return &c.Odoo.Password }},
	{"odoo.password_file", kindPath, "file holding the Odoo password or API key", nil},
	{"odoo.protocol", kindString, "auto | jsonrpc | xmlrpc | json2", func(c *Config) any { return &c.Odoo.Protocol }},
	{"odoo.timeout", kindDuration, "bound on one call to Odoo", func(c *Config) any { return &c.Odoo.Timeout }},
	{"odoo.limit_time_real", kindDuration, "Odoo's limit_time_real: how long a lost add_payment may still commit (17, 18)", func(c *Config) any { return &c.Odoo.LimitTimeReal }},
	{"compago.base_url", kindString, "base URL of the Compago API", func(c *Config) any { return &c.Compago.BaseURL }},
	{"compago.api_key", kindSecret, "Compago API key", func(c *Config) any { return &c.Compago.APIKey }},
	{"compago.api_key_file", kindPath, "file holding the Compago API key", nil},
	{"compago.poll_interval", kindDuration, "time between polls of one pending intent", func(c *Config) any { return &c.Compago.PollInterval }},
	{"compago.timeout", kindDuration, "bound on one call to Compago", func(c *Config) any { return &c.Compago.Timeout }},
	{"compago.late_charge_grace", kindDuration, "how long an ended intent is still read and a new request of its order held", func(c *Config) any { return &c.Compago.LateChargeGrace }},
	{"compago.max_concurrent_polls", kindInt, "bound on concurrent polls", func(c *Config) any { return &c.Compago.MaxPolls }},
	{"connector.payment_method", kindString, "name or id of the pos.payment.method for Compago payments", func(c *Config) any { return &c.Connector.PaymentMethod }},
	{"connector.watch_interval", kindDuration, "time between searches for flagged orders", func(c *Config) any { return &c.Connector.WatchInterval }},
	{"connector.terminals", kindMap, "default terminal per POS: name=SERIAL,...", func(c *Config) any { return &c.Connector.Terminals }},
	{"connector.external_id_prefix", kindString, "externalId prefix (default: derived from odoo.database)", func(c *Config) any { return &c.Connector.ExternalIDPrefix }},
	{"connector.language", kindString, "language of the cashier's sentences in x_compago_message: es_MX or en", func(c *Config) any { return &c.Connector.Language }},
	{"connector.fields", kindMap, "renamed pos.order fields: x_compago_state=x_my_state,...", func(c *Config) any { return &c.Connector.Fields }},
	{"connector.poll_lease", kindDuration, "lease on polling one intent (PostgreSQL groups): at least compago.timeout + compago.poll_interval", func(c *Config) any { return &c.Connector.PollLease }},
	{"connector.create_lease", kindDuration, "lease on one Compago create (PostgreSQL groups): at least 4 tries x compago.timeout + 45s", func(c *Config) any { return &c.Connector.CreateLease }},
	{"connector.sync_lease", kindDuration, "lease on one write-back to Odoo (PostgreSQL groups): at least 5 x odoo.timeout + 30s", func(c *Config) any { return &c.Connector.SyncLease }},
	{"connector.watch_lease", kindDuration, "lease on the watcher (PostgreSQL groups): at least odoo.timeout + connector.watch_interval + 5s", func(c *Config) any { return &c.Connector.WatchLease }},
	{"sweep.schedule", kindString, "cron schedule of the sweep", func(c *Config) any { return &c.Sweep.Schedule }},
	{"sweep.retention", kindDuration, "age at which settled journal rows are pruned (0 keeps them)", func(c *Config) any { return &c.Sweep.Retention }},
	{"sweep.stuck_after", kindDuration, "age at which unfinished work is swept", func(c *Config) any { return &c.Sweep.StuckAfter }},
	{"sweep.report_dir", kindString, `directory of the daily reconciliation report ("" writes none)`, func(c *Config) any { return &c.Sweep.ReportDir }},
	{"sweep.report_schedule", kindString, "cron schedule of the daily reconciliation report", func(c *Config) any { return &c.Sweep.ReportSchedule }},
	{"store.driver", kindString, "sqlite | postgres", func(c *Config) any { return &c.Store.Driver }},
	{"store.path", kindString, "path of the journal database (sqlite)", func(c *Config) any { return &c.Store.Path }},
	{"store.dsn", kindSecret, "PostgreSQL connection string (postgres)", func(c *Config) any { return &c.Store.DSN }},
	{"store.dsn_file", kindPath, "file holding the PostgreSQL connection string", nil},
	{"http.addr", kindString, `health and metrics listen address ("" disables)`, func(c *Config) any { return &c.HTTP.Addr }},
	{"log.level", kindString, "debug | info | warn | error", func(c *Config) any { return &c.Log.Level }},
	{"log.format", kindString, "json | console", func(c *Config) any { return &c.Log.Format }},
}

// secretKey ties a secret to its *_file key and its systemd credential name.
type secretKey struct {
	name, file, credential string
	field                  func(c *Config) *Secret
}

var secretKeys = []secretKey{
	{"odoo.password", "odoo.password_file", "odoo-password", func(c *Config) *Secret { return &c.Odoo.Password }},
	{"compago.api_key", "compago.api_key_file", "compago-api-key", func(c *Config) *Secret { return &c.Compago.APIKey }},
	{"store.dsn", "store.dsn_file", "store-dsn", func(c *Config) *Secret { return &c.Store.DSN }},
}

// lookupKey returns the key called name.
func lookupKey(name string) (key, bool) {
	i := slices.IndexFunc(keys, func(k key) bool { return k.name == name })
	if i < 0 {
		return key{}, false
	}
	return keys[i], true
}

// sections returns the first part of every key.
func sections() map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		section, _, _ := strings.Cut(k.name, ".")
		out[section] = true
	}
	return out
}

// text returns the value of k in c the way a flag or an environment
// variable would spell it. Secrets and *_file keys have no text form.
func (k key) text(c *Config) string {
	if k.field == nil {
		return ""
	}
	switch p := k.field(c).(type) {
	case *string:
		return *p
	case *time.Duration:
		return formatDuration(*p)
	case *int:
		return strconv.Itoa(*p)
	case *map[string]string:
		return formatMap(*p)
	default: // *Secret
		return ""
	}
}

// formatDuration writes d as people write it: 2m, 2160h, 1m30s, not 2m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// formatMap writes m as "a=b,c=d", sorted by key.
func formatMap(m map[string]string) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, name+"="+m[name])
	}
	return strings.Join(parts, ",")
}

// parseMap reads "a=b,c=d"; spaces around names and values are dropped.
func parseMap(s string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("want name=value pairs separated by commas, got %q", part)
		}
		out[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return out, nil
}
