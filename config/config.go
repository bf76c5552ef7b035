package config

import (
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration of the daemon. Load fills it from
// defaults, a YAML file, the environment and flags; code that needs no file
// (tests, the sandbox) may start from Defaults and set fields directly, then
// call Validate.
type Config struct {
	Odoo struct {
		URL      string // odoo.url: base URL of the Odoo server, e.g. https://erp.example.com
		Database string // odoo.database
		Username string // odoo.username: login of the user the daemon acts as
		// Password is odoo.password | odoo.password_file |
		// $CREDENTIALS_DIRECTORY/odoo-password; it may be an API key.
		Password Secret
		Protocol string        // odoo.protocol: auto (default) | jsonrpc | xmlrpc | json2
		Timeout  time.Duration // odoo.timeout: bound on one call to Odoo
		// LimitTimeReal is odoo.limit_time_real: Odoo's own limit_time_real,
		// the longest a multi-worker Odoo lets one request run. On Odoo 17
		// and 18 a payment whose add_payment answer was lost is added again
		// only once that call cannot commit any more: its deadline plus this.
		LimitTimeReal time.Duration
	}
	Compago struct {
		BaseURL string // compago.base_url
		// APIKey is compago.api_key | compago.api_key_file |
		// $CREDENTIALS_DIRECTORY/compago-api-key.
		APIKey       Secret
		PollInterval time.Duration // compago.poll_interval: time between GETs of one pending intent
		Timeout      time.Duration // compago.timeout: bound on one call to Compago
		// LateChargeGrace is compago.late_charge_grace: how long an intent
		// that ended without a charge is still read (a charge may land late)
		// and a new request of its order is held back.
		LateChargeGrace time.Duration
		MaxPolls        int // compago.max_concurrent_polls: bound on concurrent GETs
	}
	Connector struct {
		PaymentMethod    string            // connector.payment_method: name or numeric id of the pos.payment.method
		WatchInterval    time.Duration     // connector.watch_interval: time between searches for flagged orders
		Terminals        map[string]string // connector.terminals: pos.config name -> default terminal serial
		ExternalIDPrefix string            // connector.external_id_prefix: first part of every externalId
		Fields           map[string]string // connector.fields: default x_compago_* name -> name used in Odoo
		// The leases of work among daemons sharing a PostgreSQL journal
		// (alone on SQLite nothing is leased): how long a daemon owns a
		// piece of work without renewing it, so how long the others wait
		// for a dead or stalled one. Each must outlive the calls made
		// under it (Validate checks the relations, see doc.go).
		PollLease   time.Duration // connector.poll_lease: polling (and cancelling) one intent
		CreateLease time.Duration // connector.create_lease: one Compago create with its retries
		SyncLease   time.Duration // connector.sync_lease: one write-back of an attempt to Odoo
		WatchLease  time.Duration // connector.watch_lease: the watcher, one daemon of the group
	}
	Sweep struct {
		Schedule   string        // sweep.schedule: robfig/cron/v3 spec (five fields or a descriptor)
		Retention  time.Duration // sweep.retention: journal rows of settled attempts older than this are pruned; 0 keeps them
		StuckAfter time.Duration // sweep.stuck_after: write-ahead and outbox items older than this are swept
		// ReportDir is sweep.report_dir: where the daily reconciliation
		// report is written ("" = not written); ReportSchedule is
		// sweep.report_schedule, when (cron), late in the day it covers.
		ReportDir      string
		ReportSchedule string
	}
	Store struct {
		Driver string // store.driver: sqlite (default, one daemon) | postgres (several daemons share the journal)
		Path   string // store.path: the journal file when the driver is sqlite
		// DSN is store.dsn | store.dsn_file | $CREDENTIALS_DIRECTORY/store-dsn:
		// the PostgreSQL connection string (URL or key=value), a secret since
		// it usually holds a password. Required when the driver is postgres.
		DSN Secret
	}
	HTTP struct {
		Addr string // http.addr: health and metrics listener; "" disables it
	}
	Log struct {
		Level  string // log.level: debug | info | warn | error
		Format string // log.format: json | console
	}
}

// DefaultStorePath is store.path when $STATE_DIRECTORY is not set.
const DefaultStorePath = "/var/lib/compago-connector/journal.db"

// Defaults returns the configuration every layer starts from. It reads
// nothing from the process: store.path is the fixed default (Load uses
// $STATE_DIRECTORY when set) and the externalId prefix is left empty (Load
// derives it from odoo.database).
func Defaults() *Config {
	c := &Config{}
	c.Odoo.Protocol = "auto"
	c.Odoo.Timeout = 30 * time.Second
	c.Odoo.LimitTimeReal = 120 * time.Second
	c.Compago.BaseURL = "https://api.harmony.compago.com"
	c.Compago.PollInterval = 3 * time.Second
	c.Compago.Timeout = 10 * time.Second
	c.Compago.LateChargeGrace = 2 * time.Minute
	c.Compago.MaxPolls = 16
	c.Connector.PaymentMethod = "Compago"
	c.Connector.WatchInterval = time.Second
	c.Connector.Terminals = map[string]string{}
	c.Connector.Fields = map[string]string{}
	c.Connector.PollLease = 30 * time.Second
	c.Connector.CreateLease = 2 * time.Minute
	c.Connector.SyncLease = 3 * time.Minute
	c.Connector.WatchLease = 45 * time.Second
	c.Sweep.Schedule = "@every 1m"
	c.Sweep.Retention = 90 * 24 * time.Hour
	c.Sweep.StuckAfter = 2 * time.Minute
	c.Sweep.ReportSchedule = "55 23 * * *"
	c.Store.Driver = "sqlite"
	c.Store.Path = DefaultStorePath
	c.HTTP.Addr = "127.0.0.1:9477"
	c.Log.Level = "info"
	c.Log.Format = "json"
	return c
}

// odooFields are the fields of the Odoo contract on pos.order (DESIGN.md),
// by their default names: the keys connector.fields may rename.
var odooFields = []string{
	"x_compago_state",
	"x_compago_terminal",
	"x_compago_amount",
	"x_compago_intent_id",
	"x_compago_external_id",
	"x_compago_deeplink",
	"x_compago_message",
	"x_compago_payment_uuid",
}

// OdooFields returns the default names of the pos.order fields the connector
// uses, in a fixed order.
func OdooFields() []string { return slices.Clone(odooFields) }

// FieldName returns the name the field called name by default has in this
// Odoo: its connector.fields rename, or name itself.
func (c *Config) FieldName(name string) string {
	if renamed := c.Connector.Fields[name]; renamed != "" {
		return renamed
	}
	return name
}

// maxPrefix is the longest externalId prefix: it leaves room for
// "-<order id>-<attempt>" in an Odoo char field and in the cashier's view.
const maxPrefix = 24

// DeriveExternalIDPrefix returns the default connector.external_id_prefix
// for a database: lowercased, every run of characters outside [a-z0-9]
// turned into one "-", trimmed to 24 characters, never empty ("odoo" when
// nothing is left). Load uses it when the key is not set.
func DeriveExternalIDPrefix(database string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(database) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	p := b.String()
	if len(p) > maxPrefix {
		p = strings.TrimRight(p[:maxPrefix], "-")
	}
	if p == "" {
		return "odoo"
	}
	return p
}
