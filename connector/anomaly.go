package connector

import (
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/connector/journal"
)

// AnomalyObserver is an Observer that also counts anomalies: answers of
// Compago the document does not show, or that contradict another answer
// (kinds: cancel_said_confirmed, cancel_not_final, create_mismatch,
// late_charge, late_charge_blocked, confirmed_without_summary,
// payment_summary, success_not_confirmed, unknown_status, wrong_intent,
// intent_not_found, compago_unavailable, retry_after_capped, unsettled).
// It is optional so that Observers written before it keep working.
type AnomalyObserver interface {
	Anomaly(kind string)
}

// anomaly alerts the back office: one warn or error log line with the
// attempt's order and intent, and the anomaly metric. intent is the intent
// the answer was about when it is not the attempt's own.
func (e *Engine) anomaly(level zerolog.Level, kind string, a journal.Attempt, intent, what string) {
	if obs, ok := e.cfg.Observer.(AnomalyObserver); ok {
		obs.Anomaly(kind)
	}
	if intent == "" {
		intent = a.IntentID
	}
	e.log.WithLevel(level).Str("anomaly", kind).Int64("order", a.OrderID).Int("attempt", a.Seq).
		Str("external_id", a.ExternalID).Str("intent", intent).Str("terminal", a.Terminal).
		Int64("amount_centavos", a.Amount).Str("state", string(a.State)).Msg("ATTENTION: " + what)
}
