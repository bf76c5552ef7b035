package connector

import (
	"regexp"
	"strings"
	"testing"
)

// Every cashier sentence, rendered once in each language with the values a
// cashier would see: both languages carry every value (amount, terminal,
// state), neither has a formatting error, and the Spanish one is not the
// English one left untranslated. The map's keys are checked against the
// table, so a sentence added to the table without a case here fails.
func TestEveryCashierSentenceInBothLanguages(t *testing.T) {
	cases := map[string]struct {
		render func(s say) string
		values []string // what the cashier must read in both languages
	}{
		"waiting":                  {func(s say) string { return s.Waiting(123450, "T-1") }, []string{"1,234.50 MXN", "T-1"}},
		"any_terminal":             {func(s say) string { return s.Waiting(100, "") }, []string{"1.00 MXN", "Compago"}},
		"terminal":                 {func(s say) string { return s.terminalPhrase("T-9") }, []string{"T-9"}},
		"the_terminal":             {func(s say) string { return s.Withdrawn("") }, nil},
		"unknown_currency":         {func(s say) string { return s.WrongCurrency("<b>x</b>") }, []string{"MXN"}},
		"create_retrying":          {func(s say) string { return s.CreateRetrying() }, nil},
		"paid":                     {func(s say) string { return s.Paid(5000, 0) }, []string{"50.00 MXN"}},
		"partially_paid":           {func(s say) string { return s.Paid(3334, 6666) }, []string{"33.34 MXN", "66.66 MXN"}},
		"charged":                  {func(s say) string { return s.Charged(700) }, []string{"7.00 MXN"}},
		"cancelled":                {func(s say) string { return s.Cancelled() }, nil},
		"cancelling":               {func(s say) string { return s.Cancelling() }, nil},
		"replaced":                 {func(s say) string { return s.Replaced("T-1") }, []string{"T-1"}},
		"withdrawn":                {func(s say) string { return s.Withdrawn("T-2") }, []string{"T-2"}},
		"expired":                  {func(s say) string { return s.Expired() }, []string{"10"}},
		"declined":                 {func(s say) string { return s.Declined() }, nil},
		"already_confirmed":        {func(s say) string { return s.AlreadyConfirmed(900) }, []string{"9.00 MXN"}},
		"nothing_to_cancel":        {func(s say) string { return s.NothingToCancel() }, nil},
		"cannot_cancel_paid":       {func(s say) string { return s.CannotCancelPaid() }, []string{"Compago"}},
		"not_draft":                {func(s say) string { return s.NotDraft("paid") }, []string{"paid"}},
		"nothing_due":              {func(s say) string { return s.NothingDue() }, nil},
		"too_much":                 {func(s say) string { return s.TooMuch(200, 100) }, []string{"2.00 MXN", "1.00 MXN"}},
		"negative_amount":          {func(s say) string { return s.NegativeAmount(-500) }, []string{"-5.00 MXN", "Compago"}},
		"wrong_currency":           {func(s say) string { return s.WrongCurrency("USD") }, []string{"USD", "MXN"}},
		"session_closed":           {func(s say) string { return s.SessionClosed() }, nil},
		"terminal_not_found":       {func(s say) string { return s.TerminalNotFound("T-7") }, []string{`"T-7"`}},
		"refused":                  {func(s say) string { return s.Refused("bad terminal") }, []string{"bad terminal"}},
		"unauthorized":             {func(s say) string { return s.Unauthorized() }, nil},
		"unknown":                  {func(s say) string { return s.Unknown() }, nil},
		"attention":                {func(s say) string { return s.Attention("session closed") }, []string{"session closed"}},
		"lost_track":               {func(s say) string { return s.LostTrack() }, nil},
		"duplicate_lines":          {func(s say) string { return s.DuplicateLines(100, 2) }, []string{"1.00 MXN", "2"}},
		"not_completed":            {func(s say) string { return s.NotCompleted(100, "why") }, []string{"1.00 MXN", "why"}},
		"method_not_allowed":       {func(s say) string { return s.MethodNotAllowed("Shop") }, []string{`"Shop"`}},
		"withdrawn_order_closed":   {func(s say) string { return s.WithdrawnOrderClosed("paid") }, []string{"paid"}},
		"create_mismatch":          {func(s say) string { return s.CreateMismatch("X") }, []string{"X"}},
		"create_foreign":           {func(s say) string { return s.CreateForeign() }, nil},
		"late_charge":              {func(s say) string { return s.LateCharge(100) }, []string{"1.00 MXN"}},
		"confirmed_without_charge": {func(s say) string { return s.ConfirmedWithoutCharge() }, nil},
		"payment_summary":          {func(s say) string { return s.PaymentSummary("PENDING") }, []string{"PENDING"}},
		"unknown_status":           {func(s say) string { return s.UnknownStatus("ODD") }, []string{"ODD"}},
		"wrong_answer":             {func(s say) string { return s.WrongAnswer() }, nil},
		"intent_not_found":         {func(s say) string { return s.IntentNotFound() }, nil},
		"compago_unavailable":      {func(s say) string { return s.CompagoUnavailable() }, nil},
		"unsettled":                {func(s say) string { return s.Unsettled() }, nil},
		"cancel_not_found":         {func(s say) string { return s.CancelNotFound() }, nil},
		"held":                     {func(s say) string { return s.Held("1m30s") }, []string{"1m30s"}},
		"previous_charged":         {func(s say) string { return s.PreviousCharged(100) }, []string{"1.00 MXN"}},
		"bad_terminal":             {func(s say) string { return s.BadTerminal() }, nil},
		"unknown_unsettled":        {func(s say) string { return s.UnknownUnsettled() }, nil},
		"foreign_pending":          {func(s say) string { return s.ForeignPending() }, nil},
		"foreign_charged":          {func(s say) string { return s.ForeignCharged("pi-1") }, []string{"pi-1"}},
		"foreign_not_found":        {func(s say) string { return s.ForeignNotFound() }, nil},
		"foreign_invalid":          {func(s say) string { return s.ForeignInvalid() }, nil},
		"foreign_other_order":      {func(s say) string { return s.ForeignOtherOrder() }, nil},
	}
	for key := range sentences {
		if _, ok := cases[key]; !ok {
			t.Errorf("sentence %q has no case in this test", key)
		}
	}
	broken := regexp.MustCompile(`%!|%\[|%[a-z]`)
	for key, c := range cases {
		if _, ok := sentences[key]; !ok {
			t.Errorf("case %q names no sentence of the table", key)
			continue
		}
		en, es := c.render(say{English}), c.render(say{Spanish})
		for lang, got := range map[Lang]string{English: en, Spanish: es} {
			if got == "" || broken.MatchString(got) {
				t.Errorf("%s in %s renders %q", key, lang, got)
			}
			for _, v := range c.values {
				if !strings.Contains(got, v) {
					t.Errorf("%s in %s reads %q, missing %q", key, lang, got, v)
				}
			}
		}
		if en == es {
			t.Errorf("%s is not translated: %q", key, es)
		}
	}
	if got := (say{English}).WrongCurrency("<b>x</b>"); strings.Contains(got, "<b>") {
		t.Errorf("a hostile currency name from Odoo reaches the cashier: %q", got)
	}
	if got := (say{Spanish}).Paid(3334, 6666); !strings.Contains(got, "aún se deben") {
		t.Errorf("the Spanish partial payment reads %q", got)
	}
}
