package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// Fields only the daemon may write (intent id, externalId, deep link,
// message, and every state but requested and cancel_requested) are
// refused by Odoo when the POS addon is installed. Without it anyone who
// can write a pos.order can write them, and a hand-written "paid" on a
// live payment would stay, with the stale "Waiting for the card". So the
// sweep compares what Odoo shows with what the journal says it must show,
// puts it right, and logs who wrote last.
//
// Who: Odoo's write_uid and write_date of the order, the last writer of
// the record (the manual x_compago_* fields are not mail-tracked, and
// write_uid needs no right beyond reading the order). A later write of
// another field of the order by someone else hides the first writer; the
// log says "last written by".

// correctHandWrites returns how many orders it put right.
func (e *Engine) correctHandWrites(ctx context.Context) (int, error) {
	latest, err := e.attemptsToCompare(ctx)
	if err != nil || len(latest) == 0 {
		return 0, err
	}
	ids := make([]int64, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	f := e.cfg.Fields
	var rows []map[string]json.RawMessage
	if err := e.odoo.Read(ctx, "pos.order", ids, []string{"id", f.State, f.IntentID, f.ExternalID, f.DeepLink, f.Message,
		"write_uid", "write_date"}, &rows); err != nil {
		return 0, fmt.Errorf("sweep: read the Compago fields of %d orders: %w", len(ids), err)
	}
	corrected := 0
	var errs []error
	for _, r := range rows {
		var id int64
		if json.Unmarshal(r["id"], &id) != nil {
			continue
		}
		a, ok := latest[id]
		if !ok {
			continue
		}
		wrong := e.handWritten(a, r)
		if len(wrong) == 0 {
			continue
		}
		// The daemon may have moved on since the journal was listed (a
		// charge recorded, a newer message): then Odoo shows a newer
		// projection, not a hand's work.
		now, err := e.journal.Get(ctx, a.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if now.Version != a.Version || now.Unsynced() {
			continue
		}
		who, when := writer(r)
		e.log.Warn().Int64("order", id).Str("intent", a.IntentID).Strs("fields", wrong).
			Str("journal_state", string(a.State)).Str("last_written_by", who).Str("last_written_at", when).
			Msg("a Compago field only the daemon writes was changed in Odoo; put right from the journal")
		if err := e.touch(ctx, a.ID, ""); err != nil { // the syncer writes the journal's projection again
			errs = append(errs, fmt.Errorf("sweep: order %d: %w", id, err))
			continue
		}
		corrected++
	}
	return corrected, errors.Join(errs...)
}

// attemptsToCompare is the latest attempt of each order with a live
// intent (pending), when Odoo should show it as it is: written, not
// behind. Final attempts are left out: the watcher and the canceller
// write refusals beside the journal (an order asked again after its last
// attempt ended), which only the journal's latest words would undo.
func (e *Engine) attemptsToCompare(ctx context.Context) (map[int64]journal.Attempt, error) {
	live, err := e.journal.List(ctx, journal.Filter{States: []journal.State{journal.Pending}})
	if err != nil {
		return nil, fmt.Errorf("sweep: list live attempts: %w", err)
	}
	latest := map[int64]journal.Attempt{}
	for _, a := range live {
		if !a.Unsynced() && !a.Attention && !IsForeign(a) {
			latest[a.OrderID] = a
		}
	}
	return latest, nil
}

// handWritten names the daemon-only fields whose Odoo value is not the
// journal's. The cashier's own states (requested, cancel_requested) are
// requests the watcher and the canceller answer, not hand-writes.
func (e *Engine) handWritten(a journal.Attempt, row map[string]json.RawMessage) []string {
	f := e.cfg.Fields
	var wrong []string
	for name, want := range e.projection(a) {
		var got odoo.String
		_ = json.Unmarshal(row[name], &got)
		if string(got) == fmt.Sprint(want) {
			continue
		}
		if name == f.State && (string(got) == StateRequested || string(got) == StateCancelRequested) {
			continue
		}
		wrong = append(wrong, name)
	}
	sort.Strings(wrong)
	return wrong
}

// writer reads write_uid ([id, name]) and write_date of an order row.
func writer(row map[string]json.RawMessage) (who, when string) {
	var uid []any
	if json.Unmarshal(row["write_uid"], &uid) == nil && len(uid) == 2 {
		who = fmt.Sprintf("%v (uid %v)", uid[1], uid[0])
	}
	var at odoo.String
	_ = json.Unmarshal(row["write_date"], &at)
	return who, string(at) + " UTC"
}
