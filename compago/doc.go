// Package compago is a client for the Compago payment-intent API: create,
// get (poll) and cancel, as the Compago document describes them
// (compago-payment-intents.txt). It logs nothing and returns errors.
//
// Money is int64 centavos; on the wire it is a JSON number with two
// decimals (35050 → 350.50). MXN is the only currency.
//
// Every error is an *Error whose Kind is a sentinel for errors.Is:
// ErrUnauthorized, ErrNoOrganization, ErrCurrency, ErrTerminalNotFound,
// ErrIntentNotFound, ErrAlreadyConfirmed, ErrDuplicateExternalID,
// ErrValidation, ErrRateLimited, ErrUnavailable, ErrOutcomeUnknown.
// Callers branch on kinds, never on message text.
//
// # Retries and the create problem
//
// Each attempt has its own timeout (WithTimeout) inside the caller's
// context. Get and Cancel retry 5xx, 408, 429, timeouts, connection errors
// and unusable answers, with exponential backoff and jitter, honouring
// Retry-After (seconds or an HTTP date) when it is longer; then they fail
// with ErrUnavailable (or ErrRateLimited). Other 4xx are never retried.
//
// Create is not idempotent, so it retries only with the same externalId,
// which Compago keeps unique per organization: at most one intent can come
// of one call. Once an attempt may have reached Compago without a usable
// answer (a 5xx, a timeout after the connection was made, a reset, a 2xx
// that cannot be decoded), the call returns ErrOutcomeUnknown unless a later
// attempt succeeds: a duplicate externalId then most likely means the first
// attempt created the intent, whose id is unknown. A connection refused (no
// connection was ever made) is ErrUnavailable: nothing was created. A
// duplicate on the first attempt is ErrDuplicateExternalID.
//
// # Decisions where the document is silent
//
//   - A duplicate externalId is recognised by 409 on create, or by any 4xx
//     whose message says the external id already exists (or is duplicate,
//     unique, taken): the document does not give the code.
//   - The table's shared codes are told apart by message: 400 naming the
//     organization, the currency/MXN or "already confirmed"; 404 saying the
//     terminal or the intent was not found. Any other 404 (a wrong base URL:
//     "Cannot GET /...") is ErrValidation, never ErrIntentNotFound: "not
//     found" must not be guessed, as it may lead a caller to believe no
//     charge exists.
//     403 counts as unauthorized; 408 as unavailable.
//   - Once an attempt of Create was ambiguous, any later failure is
//     reported as ErrOutcomeUnknown (the last answer's status and message
//     are kept), not only a duplicate: no later answer can prove the first
//     attempt created nothing.
//   - Retry-After is honoured up to one minute and only within the caller's
//     deadline; beyond either the call returns at once with the error, its
//     RetryAfter field set, so the caller can plan.
//   - Answers are capped at 1 MiB; a larger, malformed or mistyped answer is
//     an error of kind ErrUnavailable (ErrOutcomeUnknown on create), never a
//     panic. Error messages are clipped to 300 printable characters.
//   - Decoding is tolerant: the short and the full shape are both read;
//     unknown fields are ignored; null is absent; "amount" may also be a
//     numeric string and is rounded half away from zero to centavos;
//     timestamps in another format than RFC 3339 are left zero (they are
//     informative); status is upper-cased, "CANCELED" read as CANCELLED,
//     and an "EXPIRED" status sets Expired. An answer without status, or a
//     create answer without id, or an answer about another intent id is
//     unusable. A known field of the wrong JSON type is unusable too.
//   - Expired is a flag next to Status (an expired intent still says
//     PENDING). Charged (paymentSummary SUCCESS) wins over every other
//     signal; Final is Charged, CANCELLED or Expired.
//   - Messages like {"message": ["a", "b"]} (as validation frameworks send)
//     are joined with "; ".
//   - Redirects are never followed, so the x-api-key header cannot be
//     carried to another host. The key never appears in errors, String or
//     %v/%#v output, and is removed from any message that echoes it.
//   - The base URL is the API host (https://api.harmony.compago.com); one
//     ending in /api is accepted as the same thing.
//   - Parameters that cannot be right (amount <= 0, empty externalId, empty
//     intent id) fail with ErrValidation before any request is sent.
package compago
