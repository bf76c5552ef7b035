package odoosim

import (
	"html"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Odoo picks a dispatcher by the route's type and refuses a request whose
// Content-Type that dispatcher does not take, before any work
// (odoo/http.py, Request._set_request_dispatcher). This is what makes
// Odoo's JSON routes unreachable from a cross-site form or a "simple"
// cross-site fetch (text/plain): a browser sends application/json only
// after a CORS preflight, which Odoo does not grant.
//
// jsonMimetypes is JSON_MIMETYPES of odoo/http.py.
var jsonMimetypes = []string{"application/json", "application/json-rpc"}

// acceptsMediaType checks the request against a route of type json (16-18;
// "jsonrpc" on 19) or json2 (19: application/json, or no body at all). It
// writes Odoo's refusal and returns false when the type does not fit:
// werkzeug's 400 page on 16-18; on 19 a 415 page with an Accept header and
// a hint. route is the route's first pattern, as Odoo quotes it.
func (s *Server) acceptsMediaType(w http.ResponseWriter, r *http.Request, route string, json2 bool) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mt = strings.ToLower(mt)
	accepted := jsonMimetypes
	if json2 {
		accepted = []string{"application/json"}
	}
	for _, a := range accepted {
		if mt == a {
			return true
		}
	}
	empty := r.ContentLength == 0
	if json2 && empty {
		return true
	}
	compatible := "['http']"
	if s.version >= 19 && empty {
		compatible = "['http', 'json2']"
	}
	typ := "json"
	switch {
	case json2:
		typ = "json2"
	case s.version >= 19:
		typ = "jsonrpc"
	}
	desc := "Request inferred type is compatible with " + compatible + " but '" + route + "' is type='" + typ + "'."
	if s.version < 19 {
		werkzeugPage(w, http.StatusBadRequest, "Bad Request", desc)
		return false
	}
	w.Header().Set("Accept", strings.Join(accepted, ", "))
	werkzeugPage(w, http.StatusUnsupportedMediaType, "Unsupported Media Type",
		desc+"\n\nPlease verify the Content-Type request header and try again.")
	return false
}

// werkzeugPage writes an HTTPException as werkzeug (2.2 and later) renders
// it: a small HTML page, the description escaped, newlines as <br>.
func werkzeugPage(w http.ResponseWriter, status int, name, desc string) {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&#34;").Replace
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<!doctype html>\n<html lang=en>\n<title>" + strconv.Itoa(status) + " " + html.EscapeString(name) + "</title>\n<h1>" +
		html.EscapeString(name) + "</h1>\n<p>" + strings.ReplaceAll(esc(desc), "\n", "<br>") + "</p>\n"))
}
