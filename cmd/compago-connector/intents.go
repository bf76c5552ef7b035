package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/safetext"
	"github.com/compago-odoo/connector/connector/timefmt"
)

const intentsAbout = `The journal's payment attempts, for the admin:

  list   [--state S] [--order N] [--since D] [--format table|json]
  show   <attempt id | externalId | intent id> [--format text|json]   the attempt and its history
  export --since D [--until D] --format jsonl|csv                     every transition of every attempt (audit)
  retry  <attempt id | externalId | intent id> [--force]             ask the daemon for a new attempt
  cancel <attempt id | externalId | intent id>                       ask the daemon to cancel
  settle <attempt id | externalId> --charged|--not-charged --note "what you checked"
                                                                     record your word on an unknown outcome

These commands never write the journal but one way: the daemon owns it
(one writer, locked) and they read it read-only beside it. settle is the
exception: an attempt whose outcome is unknown (the request may have
reached Compago, the customer may have been charged, the daemon never got
the answer) stays for attention, in every reconcile report and is never
pruned, until a human checked the terminal and Compago and says what
happened; settle records that (who, the outcome, the note) in the journal
as an event, beside the running daemon. It changes nothing in Odoo or at
Compago: a charge found (--charged) is recorded in Odoo by hand, or
refunded in Compago, before settling. retry and cancel act the way
a cashier does, through Odoo: retry sets the order's x_compago_state to
"requested", cancel sets it to "cancel_requested", and the running daemon
does the rest on its next watch (a new attempt with a new externalId; or
the intent cancelled, or recorded if the customer already paid).

A write-ahead still waiting for Compago, or a charged payment parked for a
human, is already being retried by the daemon by itself (the create with
the same externalId; the parked payment every 5 minutes once its cause is
fixed in Odoo); retry says so and what it waits for. Restarting the daemon
retries all of them at once and is always safe: the journal resumes them.

list, show, export and settle read only the journal: they need no Odoo or Compago
secret. retry and cancel also write the order in Odoo.`

// intentsCommands are the subcommands, with their synopsis and the
// configuration sections each needs complete (list and show read only the
// journal; retry and cancel write the order in Odoo).
var intentsCommands = map[string]struct {
	synopsis string
	sections []string
}{
	"list":   {"[--state S] [--order N] [--since D] [--format table|json] [--config FILE]", []string{"store"}},
	"show":   {"<attempt id | externalId | intent id> [--format text|json] [--config FILE]", []string{"store"}},
	"retry":  {"<attempt id | externalId | intent id> [--force] [--config FILE]", []string{"store", "odoo", "connector"}},
	"cancel": {"<attempt id | externalId | intent id> [--config FILE]", []string{"store", "odoo", "connector"}},
	"settle": {"<attempt id | externalId> --charged|--not-charged --note TEXT [--config FILE]", []string{"store"}},
	"export": {"--since D [--until D] --format jsonl|csv [--config FILE]", []string{"store"}},
}

func runIntents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f intentsFlags
	c := newCommand("intents", "list|show|export|retry|cancel|settle [flags]", intentsAbout, stdout, stderr)
	f.register(c.fs)
	c.withConfig()
	// The subcommand is the first positional argument, wherever the flags
	// are: `intents --config F list` and `intents list --config F` alike.
	pos, help, err := c.parseArgs(args)
	if err != nil {
		return err
	}
	var sub string
	if len(pos) > 0 {
		sub, pos = pos[0], pos[1:]
		spec, ok := intentsCommands[sub]
		if !ok {
			return c.usageError(fmt.Errorf("unknown command %q: want list, show, export, retry, cancel or settle", sub))
		}
		c.name, c.synopsis = "intents "+sub, spec.synopsis
	}
	switch {
	case help:
		c.usage(stdout)
		return helpShown
	case sub == "":
		c.usage(stderr)
		return exitCode(2)
	}
	cfg, warnings, err := c.loadConfig(intentsCommands[sub].sections...)
	if err != nil {
		return c.failed(err)
	}
	printWarnings(stderr, warnings)
	open := openAdminJournal
	if sub == "settle" {
		open = openSettleJournal
	}
	j, err := open(ctx, cfg)
	if err != nil {
		return c.failed(err)
	}
	defer j.Close()
	ic := &intentsCmd{cfg: cfg, j: j, flags: f, stdout: stdout, stderr: stderr}
	switch sub {
	case "list":
		err = ic.list(ctx, pos)
	case "show":
		err = ic.show(ctx, pos)
	case "retry":
		err = ic.retry(ctx, pos)
	case "cancel":
		err = ic.cancel(ctx, pos)
	case "settle":
		err = ic.settle(ctx, pos)
	case "export":
		err = ic.export(ctx, pos)
	}
	var code exitCode
	if err != nil && !errors.As(err, &code) {
		return c.failed(err)
	}
	return err
}

type intentsFlags struct {
	state, since, until, format string
	order                       int64
	force                       bool
	charged, notCharged         bool
	note                        string
}

func (f *intentsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.state, "state", "", "list: only attempts in this state (creating, pending, cancelling, confirmed, recorded, cancelled, expired, failed, unknown)")
	fs.Int64Var(&f.order, "order", 0, "list: only this order's attempts; show, retry, cancel: the order's latest attempt")
	fs.StringVar(&f.since, "since", "", "list: only attempts begun in this window; export: transitions from then (24h, 7d, 2026-11-25)")
	fs.StringVar(&f.until, "until", "", "export: transitions before then (a date, a duration ago, or an RFC 3339 time; default now)")
	fs.StringVar(&f.format, "format", "", "list: table or json; show: text or json; export: jsonl or csv")
	fs.BoolVar(&f.force, "force", false, "retry: retry an attempt whose outcome is unknown (check Compago and the terminal first)")
	fs.BoolVar(&f.charged, "charged", false, "settle: the card was charged (recorded in Odoo by hand, or refunded)")
	fs.BoolVar(&f.notCharged, "not-charged", false, "settle: the card was not charged")
	fs.StringVar(&f.note, "note", "", "settle: what you checked (required)")
}

type intentsCmd struct {
	cfg            *config.Config
	j              journal.Journal
	flags          intentsFlags
	stdout, stderr io.Writer
}

func (c *intentsCmd) list(ctx context.Context, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("list: unexpected argument %q", pos[0])
	}
	var f journal.Filter
	if c.flags.state != "" {
		st := journal.State(c.flags.state)
		if !st.Valid() {
			return fmt.Errorf("--state %q is not a state of the journal", c.flags.state)
		}
		f.States = []journal.State{st}
	}
	if c.flags.order != 0 {
		f.OrderIDs = []int64{c.flags.order}
	}
	if c.flags.since != "" {
		t, err := parseSince(c.flags.since, time.Now())
		if err != nil {
			return err
		}
		f.CreatedAfter = t.Add(-time.Nanosecond)
	}
	list, err := c.j.List(ctx, f)
	if err != nil {
		return err
	}
	switch c.flags.format {
	case "json":
		views := make([]attemptView, len(list))
		for i, a := range list {
			views[i] = viewOf(a)
		}
		return writeJSON(c.stdout, views)
	case "", "table":
	default:
		return fmt.Errorf("--format %q: want table or json", c.flags.format)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORDER\tEXTERNAL ID\tINTENT\tTERMINAL\tAMOUNT\tSTATE\tODOO\tUPDATED\tMESSAGE")
	// Terminal, message and ids come from Odoo (a cashier writes them) or
	// Compago: escaped, so that they neither run on the admin's terminal
	// nor forge a row.
	esc := safetext.Terminal
	for _, a := range list {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.OrderID, esc(a.ExternalID), esc(dashed(a.IntentID)),
			esc(dashed(a.Terminal)), reconcile.Money(a.Amount), esc(stateLabel(a)), esc(syncLabel(a)),
			timefmt.Human(a.UpdatedAt), esc(a.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "no attempts")
	}
	return nil
}

// resolve finds the attempt an argument names: an attempt id, an
// externalId or an intent id; or, with --order, the order's latest.
func (c *intentsCmd) resolve(ctx context.Context, pos []string) (journal.Attempt, error) {
	switch {
	case len(pos) == 0 && c.flags.order != 0:
		return c.j.Latest(ctx, c.flags.order)
	case len(pos) != 1 || c.flags.order != 0:
		return journal.Attempt{}, errors.New("name one attempt: its id, externalId or intent id (or --order N for the order's latest)")
	}
	ref := pos[0]
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return c.j.Get(ctx, id)
	}
	a, err := c.j.ByExternalID(ctx, ref)
	if errors.Is(err, journal.ErrNotFound) {
		a, err = c.j.ByIntent(ctx, ref)
	}
	if errors.Is(err, journal.ErrNotFound) {
		return a, fmt.Errorf("no attempt in the journal has id, externalId or intent id %q", ref)
	}
	return a, err
}

func (c *intentsCmd) show(ctx context.Context, pos []string) error {
	a, err := c.resolve(ctx, pos)
	if err != nil {
		return err
	}
	events, err := c.j.Events(ctx, a.ID)
	if err != nil {
		return err
	}
	switch c.flags.format {
	case "json":
		v := struct {
			attemptView
			Events []eventView `json:"events"`
		}{viewOf(a), make([]eventView, len(events))}
		for i, e := range events {
			v.Events[i] = eventView{At: e.At, From: string(e.From), To: string(e.To), Reason: e.Reason, Message: e.Message}
		}
		return writeJSON(c.stdout, v)
	case "", "text":
	default:
		return fmt.Errorf("--format %q: want text or json", c.flags.format)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, l := range [][2]string{
		{"attempt", fmt.Sprintf("%d (attempt %d of order %d)", a.ID, a.Seq, a.OrderID)},
		{"externalId", a.ExternalID}, {"intent", dashed(a.IntentID)}, {"terminal", dashed(a.Terminal)},
		{"amount", reconcile.Money(a.Amount).String() + " MXN"}, {"state", stateLabel(a)}, {"reason", dashed(a.Reason)},
		{"message", dashed(a.Message)}, {"odoo", syncLabel(a)}, {"last error", dashed(a.LastError)},
		{"created", timefmt.Human(a.CreatedAt)}, {"updated", timefmt.Human(a.UpdatedAt)},
		{"settled", settledLabel(a)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", l[0], safetext.Terminal(l[1]))
	}
	tw.Flush()
	fmt.Fprintln(c.stdout, "\nhistory:")
	tw = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, e := range events {
		fmt.Fprintf(tw, "  %s\t%s → %s\t%s\t%s\n", timefmt.Human(e.At), safetext.Terminal(dashed(string(e.From))),
			safetext.Terminal(string(e.To)), safetext.Terminal(dashed(e.Reason)), safetext.Terminal(e.Message))
	}
	return tw.Flush()
}

// attemptView is an attempt as `intents list/show --format json` write it.
type attemptView struct {
	ID            int64           `json:"id"`
	OrderID       int64           `json:"order_id"`
	Seq           int             `json:"attempt"`
	ExternalID    string          `json:"external_id"`
	IntentID      string          `json:"intent_id,omitempty"`
	Terminal      string          `json:"terminal,omitempty"`
	Amount        reconcile.Money `json:"amount"`
	State         journal.State   `json:"state"`
	Reason        string          `json:"reason,omitempty"`
	Message       string          `json:"message,omitempty"`
	Attention     bool            `json:"attention"`
	OdooBehind    bool            `json:"odoo_behind"`
	SyncFailures  int             `json:"sync_failures"`
	LastError     string          `json:"last_error,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	SyncedAt      *time.Time      `json:"synced_at,omitempty"`
	Version       int64           `json:"version"`
	SyncedVersion int64           `json:"synced_version"`
	Settled       journal.Outcome `json:"settled,omitempty"`
	SettledAt     *time.Time      `json:"settled_at,omitempty"`
	SettledBy     string          `json:"settled_by,omitempty"`
	SettleNote    string          `json:"settle_note,omitempty"`
}

type eventView struct {
	At      time.Time `json:"at"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
}

func viewOf(a journal.Attempt) attemptView {
	v := attemptView{ID: a.ID, OrderID: a.OrderID, Seq: a.Seq, ExternalID: a.ExternalID, IntentID: a.IntentID,
		Terminal: a.Terminal, Amount: reconcile.Money(a.Amount), State: a.State, Reason: a.Reason, Message: a.Message,
		Attention: a.Attention, OdooBehind: a.Unsynced(), SyncFailures: a.SyncFailures, LastError: a.LastError,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version, SyncedVersion: a.SyncedVersion}
	if !a.SyncedAt.IsZero() {
		v.SyncedAt = &a.SyncedAt
	}
	if a.Settled != "" {
		v.Settled, v.SettledAt, v.SettledBy, v.SettleNote = a.Settled, &a.SettledAt, a.SettledBy, a.SettleNote
	}
	return v
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func stateLabel(a journal.Attempt) string {
	switch {
	case a.Attention:
		return string(a.State) + " (ATTENTION)"
	case a.Settled != "":
		return string(a.State) + " (settled: " + outcomeLabel(a.Settled) + ")"
	}
	return string(a.State)
}

func syncLabel(a journal.Attempt) string {
	switch {
	case !a.Unsynced():
		return "seen"
	case a.SyncFailures > 0:
		return fmt.Sprintf("behind (%d failed writes)", a.SyncFailures)
	}
	return "behind"
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
