// Package odoosim is an in-memory Odoo external-API server for tests and the
// sandbox: an http.Handler that answers the JSON-RPC (/jsonrpc), XML-RPC
// (/xmlrpc/2/* and the legacy /xmlrpc/*), JSON-2 (/json/2/<model>/<method>,
// version 19) and web-client (/web/session/authenticate,
// /web/dataset/call_kw, /web/webclient/version_info, /web/version) endpoints
// the way the real Odoo 16-19 servers recorded in reference/odoo-wire/ do.
//
// It keeps an ORM in memory with the models the Point of Sale payment path
// touches (res.users, res.company, res.currency, res.partner,
// account.journal, pos.config, pos.session, pos.payment.method, pos.order,
// pos.payment, pos.make.payment, ir.model, ir.model.fields,
// ir.model.fields.selection). The POS models' fields are generated from the
// recorded fields_get answers (fields/*.json, `go generate`).
//
// Decisions taken where the references are silent or unsure:
//
//   - Version 18 has no recording. It takes the 19.0 field table (18 already
//     has pos.order.uuid and payment_method_type; amount_total is then
//     "monetary", a guess), 19's messages for unknown and private methods
//     (18 introduced get_public_method), /web/version (an 18 route), and
//     17's behaviour elsewhere: JSON-RPC error code 200 with "debug" second,
//     XML header in single quotes, session names "POS/00001", config labels
//     "Shop (Administrator)", paid order names "Shop/0004" from a per-config
//     sequence (18's pos.config sequence_id), set_opening_control as 19.
//     Version 16 behaves as 17, except unknown methods ("type object ... has
//     no attribute ...") and name_get, which 16 still has.
//
//   - Every recorded version omits "result" for None on JSON-RPC, so the
//     simulator does so on 16-19.
//
//   - Outage (SetDown, POST /sim/outage): the connection is closed without an
//     answer (hijacked), so clients see a transport failure; 503 only where
//     the connection cannot be hijacked (HTTP/2).
//
//   - FailNext injects psycopg2.errors.SerializationFailure before the call
//     runs (nothing changes): JSON-RPC error, XML-RPC fault 1, JSON-2 500.
//
//   - Many2one values must point at a record the simulator keeps; relations
//     to models it does not keep (stock.picking, account.move, ...) can only
//     be false and their one2many read as []. Writing a dangling id is the
//     foreign-key ValidationError Odoo gives, with the version's wording
//     (16-18 as recorded on 17).
//
//   - Required fields are enforced (NOT NULL ValidationError) for stored
//     char, text, selection, date, datetime and many2one fields, except
//     many2one to models the simulator does not keep.
//
//   - Manual fields (ir.model.fields, state manual, x_ prefix enforced) may be
//     char, text, html, integer, float, monetary, boolean, selection (with
//     selection_ids or the legacy selection string), date, datetime,
//     many2one and binary; other types are refused with a UserError.
//
//   - Cash rounding is not simulated: action_pos_order_paid and the wizard
//     compare total and paid at the currency rounding (0.01), which is
//     Odoo's path when the config has no cash rounding (the sandbox's case).
//
//   - The pos.make.payment wizard's check completes a fully paid draft order
//     like Odoo (state paid, name from the sequence); pickings and invoices
//     are not simulated, so picking_ids stays [].
//
//   - JSON-2: a missing or unknown bearer key is 401 "Invalid apikey"; an
//     X-Odoo-Database naming another database is 404; a malformed body is
//     400; an exception other than UserError and its subclasses is 500.
//
//   - /web/session/authenticate returns the session_info keys a generic
//     client reads (uid, user_context, db, server_version, companies,
//     currencies, ...), not the web client's UI payload. Web-session calls
//     are not counted in Stats under a service; call_kw counts as model.method.
//
//   - Record ids come from per-model counters that, like PostgreSQL
//     sequences, are not rolled back with a failed call.
//
//   - 19's pos.payment.uuid is unique (models.Constraint): a second payment
//     with one uuid is the ValidationError "The operation cannot be
//     completed: A payment with this uuid already exists" that
//     odoo/service/model.py makes of the IntegrityError; 17 has no uuid and
//     18 one without a constraint.
//
//   - Call faults (CallFault, /sim/call-faults) play what a proxy or a slow
//     Odoo does to one model method: "before" answers 502 and applies
//     nothing, "after" applies then answers 504, "late" holds the call and
//     applies it after a delay or on release, answering only a client that
//     still waits. "match" narrows a fault to requests whose body contains
//     a text (a domain term such as "session_id.state"): the multi-daemon
//     tests hold one daemon's particular read, stop that daemon with
//     SIGSTOP while Holding() says the call is held, then release it so
//     the answer waits in the stopped daemon's socket.
//
// The control API (unauthenticated, sandbox only): POST /sim/call-faults
// {"model":"pos.order","method":"add_payment","when":"after","status":504,
// "times":1,"delay":"5s"}, DELETE /sim/call-faults, POST
// /sim/call-faults/release, POST /sim/outage
// {"down":bool}, GET /sim/outage, GET /sim/stats, DELETE /sim/stats,
// POST /sim/latency {"latency":"300ms"}, POST /sim/fail-next {"n":3}.
// Every control request must name a loopback Host (or the IP address it
// arrived on; 403 otherwise, against DNS rebinding), and every one but a
// GET must say Content-Type: application/json (415 otherwise, against
// cross-site forms).
//
// The JSON routes (/jsonrpc, the /web/ JSON routes, /json/2 on 19) refuse
// a Content-Type their dispatcher does not take, before any work, as Odoo
// does (odoo/http.py, Request._set_request_dispatcher): 16-18 answer
// werkzeug's 400 page "Request inferred type is compatible with ['http']
// but '/jsonrpc' is type='json'."; 19 answers 415 with an Accept header
// and a hint (json2 routes also take a request without a body). The pages
// are rendered as werkzeug 2.2 and later render them.
package odoosim
