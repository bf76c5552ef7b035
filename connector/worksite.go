package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/odoo"
)

// One Odoo database is worked by one journal. Two daemons with two
// journals on one database would each watch the same flagged orders and
// adopt the other's payments (an ATTENTION line, a non-zero reconcile, a
// wrong "fix that in Odoo"). So the daemon records in Odoo itself, the only
// place both can see, which journal works the database: the system
// parameter WorksiteKey (ir.config_parameter), a JSON value
//
//	{"journal": <journal identity>, "host": ..., "owner": ..., "since": RFC 3339, "beat": RFC 3339}
//
// written at start, beaten every Config.WorksiteBeat, and deleted at a
// clean stop. A daemon whose journal is another one's refuses to start
// while that record is alive (beaten within Config.WorksiteStale), naming
// it; a record older than that is a daemon that died without a word, and
// is taken over. Daemons sharing one PostgreSQL journal share its
// identity, so a group keeps working as one; the record then names the
// member that beat it last, and is left in place when one member stops.
//
// Why a system parameter: it is per database (the unit of the conflict:
// the watcher takes every flagged order of the database, whatever the
// payment method), needs no field of ours, and any Odoo 16-19 has it. Odoo
// lets administrators (base.group_system) read and write it; the group
// "Compago connector" of the daemon's own user (made by setup --admin, or
// by the addon) holds a right on ir.config_parameter with a record rule
// limiting it to this one key.
//
// The record is best effort against a true race: two daemons starting in
// the same second may both find it stale and both write it; the beat that
// follows reads it back, and the one whose journal is no longer named
// stops (worksiteLost). Clocks of daemons on several hosts must agree
// within WorksiteStale (NTP), as leases already require.
const WorksiteKey = grant.WorkerParameter

// worksite is the value of the record.
type worksite struct {
	Journal string    `json:"journal"`
	Host    string    `json:"host"`
	Owner   string    `json:"owner"`
	Since   time.Time `json:"since"`
	Beat    time.Time `json:"beat"`
}

// ErrWorksiteTaken is what Run returns when another live daemon, with
// another journal, works this Odoo database.
var ErrWorksiteTaken = errors.New("this Odoo database is worked by another compago-connector with another journal")

// errWorksiteLost stops the engine when, at a beat, the record names
// another journal (a takeover): two journals must not work one database.
var errWorksiteLost = errors.New("another compago-connector with another journal took over this Odoo database; stopping")

type worksiteRow struct {
	ID    int64       `json:"id"`
	Value odoo.String `json:"value"`
}

// readWorksite returns the record and its id; ok is false when there is
// none, or when what is there is not ours to read (then it is treated as
// absent only if it cannot be parsed, which a human must have written).
func (e *Engine) readWorksite(ctx context.Context) (w worksite, id int64, ok bool, err error) {
	var rows []worksiteRow
	if err := e.odoo.SearchRead(ctx, "ir.config_parameter", odoo.Cond("key", "=", WorksiteKey),
		odoo.Query{Fields: []string{"id", "value"}, Limit: 1}, &rows); err != nil {
		return w, 0, false, fmt.Errorf("read system parameter %s: %w", WorksiteKey, err)
	}
	if len(rows) == 0 {
		return w, 0, false, nil
	}
	if err := json.Unmarshal([]byte(rows[0].Value), &w); err != nil || w.Journal == "" {
		// Not a record of ours (edited by hand): overwritten.
		return worksite{}, rows[0].ID, false, nil
	}
	return w, rows[0].ID, true, nil
}

// writeWorksite writes the record (id 0: creates it).
func (e *Engine) writeWorksite(ctx context.Context, id int64, w worksite) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if id == 0 {
		_, err = e.odoo.Create(ctx, "ir.config_parameter", map[string]any{"key": WorksiteKey, "value": string(b)}, nil)
	} else {
		err = e.odoo.Write(ctx, "ir.config_parameter", []int64{id}, map[string]any{"value": string(b)})
	}
	if err != nil {
		return fmt.Errorf("write system parameter %s: %w", WorksiteKey, err)
	}
	return nil
}

// claimWorksite records that this daemon's journal works the database, or
// fails with ErrWorksiteTaken naming the live daemon that does.
func (e *Engine) claimWorksite(ctx context.Context) error { return e.claimWorksiteOnce(ctx, false) }

func (e *Engine) claimWorksiteOnce(ctx context.Context, retried bool) error {
	now := e.cfg.Now().UTC()
	cur, id, ok, err := e.readWorksite(ctx)
	if err != nil {
		return err
	}
	mine := worksite{Journal: e.cfg.JournalID, Host: e.cfg.Host, Owner: e.cfg.Owner, Since: now, Beat: now}
	switch {
	case ok && cur.Journal == e.cfg.JournalID && (e.cfg.Shared || cur.Host == e.cfg.Host || now.Sub(cur.Beat) >= e.cfg.WorksiteStale):
		// A member of a PostgreSQL group, or this daemon restarted (on
		// its host, where the journal's file lock lets one process in).
		mine.Since = cur.Since
	case ok && now.Sub(cur.Beat) < e.cfg.WorksiteStale:
		// Another live daemon: another journal, or a copy of this one
		// (a SQLite file restored or copied onto another host keeps its
		// identity, and would work the same orders a second time).
		return fmt.Errorf("%w: host %s, journal %s, since %s (last sign of life %s ago). "+
			"Two journals on one database adopt each other's payments, so this daemon (journal %s) does not start. "+
			"To take over: stop the daemon on %s (it releases the database when it stops; a daemon that died "+
			"without a word is taken over %s after its last sign of life); or, to run several daemons, "+
			"make them share one PostgreSQL journal (store.driver: postgres); if %s is gone for good, delete "+
			"the system parameter %s in Odoo (Settings, Technical, System Parameters)",
			ErrWorksiteTaken, cur.Host, shortID(cur.Journal), cur.Since.Local().Format(time.RFC3339),
			now.Sub(cur.Beat).Round(time.Second), shortID(e.cfg.JournalID), cur.Host, e.cfg.WorksiteStale, cur.Host, WorksiteKey)
	case ok:
		e.log.Warn().Str("host", cur.Host).Str("journal", shortID(cur.Journal)).Time("last_beat", cur.Beat).
			Msg("taking over this Odoo database from a daemon with another journal that has given no sign of life; its unfinished attempts are in its own journal")
	}
	if err := e.writeWorksite(ctx, id, mine); err != nil {
		if id == 0 && !retried {
			// Another daemon created the record between our read and
			// our create (Odoo's unique key refused ours): read it.
			return e.claimWorksiteOnce(ctx, true)
		}
		return err
	}
	e.log.Info().Str("journal", shortID(e.cfg.JournalID)).Msg("working this Odoo database")
	return nil
}

// beatWorksite renews the record; it returns errWorksiteLost when the
// record names another journal.
func (e *Engine) beatWorksite(ctx context.Context) error {
	cur, id, ok, err := e.readWorksite(ctx)
	if err != nil {
		return err
	}
	now := e.cfg.Now().UTC()
	if ok && (cur.Journal != e.cfg.JournalID || !e.cfg.Shared && cur.Host != e.cfg.Host) {
		return fmt.Errorf("%w: host %s, journal %s", errWorksiteLost, cur.Host, shortID(cur.Journal))
	}
	w := worksite{Journal: e.cfg.JournalID, Host: e.cfg.Host, Owner: e.cfg.Owner, Since: now, Beat: now}
	if ok {
		w.Since = cur.Since
	}
	return e.writeWorksite(ctx, id, w)
}

// releaseWorksite deletes the record at a clean stop, when it is this
// daemon's own (a group member leaves it to the others).
func (e *Engine) releaseWorksite(ctx context.Context) {
	cur, id, ok, err := e.readWorksite(ctx)
	if err != nil || !ok || cur.Journal != e.cfg.JournalID || cur.Owner != e.cfg.Owner {
		return
	}
	if e.cfg.Shared {
		return // the group's other members keep beating it
	}
	if err := e.odoo.Execute(ctx, odoo.Call{Model: "ir.config_parameter", Method: "unlink", IDs: []int64{id}}, nil); err != nil {
		e.log.Warn().Err(err).Msg("could not release this Odoo database; another daemon may take it over once the record is stale")
	}
}

// worksiteLoop beats the record until stop; lost is called when another
// journal took the database over.
func (e *Engine) worksiteLoop(stop context.Context, lost func(error)) {
	t := time.NewTicker(e.cfg.WorksiteBeat)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(stop, e.cfg.OdooTimeout)
		err := e.beatWorksite(ctx)
		cancel()
		switch {
		case errors.Is(err, errWorksiteLost):
			e.log.Error().Err(err).Msg("ATTENTION: stopping")
			lost(err)
			return
		case err != nil && stop.Err() == nil:
			e.log.Warn().Err(err).Msg("could not renew the record of who works this Odoo database; trying again")
		}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Worker is who works an Odoo database, as its record says (doctor).
type Worker struct {
	Journal, Host, Owner string
	Since, Beat          time.Time
}

// WorkerOf reads the record of who works the Odoo database; ok is false
// when there is none.
func WorkerOf(ctx context.Context, o Odoo) (w Worker, ok bool, err error) {
	e := &Engine{odoo: o}
	cur, _, ok, err := e.readWorksite(ctx)
	return Worker{Journal: cur.Journal, Host: cur.Host, Owner: cur.Owner, Since: cur.Since, Beat: cur.Beat}, ok, err
}
