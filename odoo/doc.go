// Package odoo is a client for Odoo's external API (Odoo 16 to 19, and 20+
// through JSON-2), one API over three transports:
//
//   - JSON-RPC: POST /jsonrpc, service "common"/"object", execute_kw;
//   - XML-RPC: POST /xmlrpc/2/common and /xmlrpc/2/object, encoded and decoded
//     with github.com/kolo/xmlrpc, sent by our own http.Client;
//   - JSON-2 (19+): POST /json/2/<model>/<method>, the API key as bearer token.
//
// Connect finds the server version (GET /web/version, else common.version),
// resolves ProtocolAuto (JSON-2 on 19+ when the secret is an API key, which
// only a JSON-2 call can tell: 200 means a key, 401 a password; JSON-RPC
// otherwise) and logs in (common.authenticate; on JSON-2, res.users/context_get).
// Every call after that is Execute or one of the typed helpers built on it.
//
// Decisions taken where the references are silent:
//
//   - Results are decoded from their JSON form on every transport: XML-RPC
//     values are converted to what JSON-RPC would have sent, so one struct
//     with Many2One/String/DateTime/Float fields reads all three. An empty
//     XML-RPC <string></string> (which kolo reads as nil) is "", since Odoo
//     never marshals None. Arguments for XML-RPC go through their JSON form
//     too (integers stay <int>, null becomes false), so Domain, Many2One and
//     DateTime arguments mean the same on every transport.
//   - None results: a JSON-RPC success without "result", JSON-2 null and the
//     XML-RPC fault 1 "cannot marshal None unless allow_none is enabled" are
//     all a null result, not an error: Odoo committed the work.
//   - Errors: one *Error with the Odoo exception class in Name. XML-RPC faults
//     carry only a code, mapped per the reference (3 AccessDenied, 4
//     AccessError, 2 UserError; 1 gives the class from the traceback's last
//     line, e.g. psycopg2.errors.SerializationFailure). A code-2 fault whose
//     text starts "Record does not exist or has been deleted" is named
//     MissingError: XML-RPC gives no other way to tell it from a UserError.
//   - Conflicts (serialization failure, deadlock, lock not available, LockError,
//     HTTP 409) are retried up to 3 more times with doubling, jittered waits
//     from 100 ms, honouring ctx: Odoo rolled the transaction back.
//     Nothing else is retried; in particular not a call whose outcome is
//     unknown.
//   - Outcome unknown: a failure after the request left (timeout, connection
//     reset, EOF, a malformed answer, HTTP 5xx without an Odoo error body).
//     A connection that could not be made (dial or DNS failure), or a call
//     whose context had already ended, is a transport failure (IsTransport,
//     an addition to the five questions) whose outcome is known: nothing
//     was sent. A stale kept-alive connection closed under a call gives EOF:
//     outcome unknown, since the client cannot prove Odoo did not read it.
//   - ErrBadCredentials matches common.authenticate answering false, an
//     AccessDenied on any call (Odoo's answer to a wrong or expired key) and a
//     JSON-2 401.
//   - Redirects are not followed (a POST would turn into a GET): the error
//     names the target so the url can be fixed. A 404 on /jsonrpc or /xmlrpc/2
//     says the endpoint is missing (RPC disabled on newer servers: use JSON-2).
//   - Create sends one vals dict over RPC (Odoo answers the id) and a list
//     of one on JSON-2 (it answers [id]), as the recordings do; either answer
//     is read. Read passes fields by name, like Odoo's own clients.
//   - The password never appears in errors, String(), %v or %#v output of
//     Config or Client; text coming back from the server is scrubbed of it too.
//     A URL with user:password@ is refused.
//   - Domains: And of nothing (or of empty domains) is the empty domain, which
//     matches everything; Or with an empty domain matches everything; Or() and
//     Not of the empty domain match nothing, written [["id", "=", 0]].
//   - Centavos rounds the shortest decimal form of the float (what Odoo
//     printed), half away from zero: 1.005 gives 101, 0.295 gives 30.
//
// The package logs nothing.
package odoo
