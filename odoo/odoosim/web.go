package odoosim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// serveWeb answers the web-client routes the connector and its tools use.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/web/version":
		if s.version < 19 {
			notFoundPage(w) // recorded on 17.0 and 18.0: no such route
			return
		}
		var b strings.Builder
		b.WriteString(`{"version_info": [`)
		b.WriteString(strconv.Itoa(s.version) + `, 0, 0, "final", 0, ""], "version": "` + strconv.Itoa(s.version) + `.0"}`)
		w.Header().Set("Content-Type", jsonContentType)
		_, _ = w.Write([]byte(b.String()))
	case path == "/web/webclient/version_info":
		s.webJSON(w, r, func(jsonRequest) (any, *Fault) { return s.versionInfo(), nil })
	case path == "/web/database/list":
		s.webJSON(w, r, func(jsonRequest) (any, *Fault) { return []any{s.db.name}, nil })
	case path == "/web/session/authenticate":
		s.webAuthenticate(w, r)
	case path == "/web/session/get_session_info":
		s.webJSON(w, r, func(jsonRequest) (any, *Fault) {
			uid, f := s.webSession(r)
			if f != nil {
				return nil, f
			}
			return s.sessionInfo(uid), nil
		})
	case path == "/web/session/destroy":
		s.webJSON(w, r, func(jsonRequest) (any, *Fault) {
			if c, err := r.Cookie("session_id"); err == nil {
				s.mu.Lock()
				delete(s.sessions, c.Value)
				s.mu.Unlock()
			}
			return nil, nil
		})
	case path == "/web/dataset/call_kw" || strings.HasPrefix(path, "/web/dataset/call_kw/"):
		s.webJSON(w, r, func(req jsonRequest) (any, *Fault) { return s.webCallKw(r, req) })
	default:
		notFoundPage(w)
	}
}

func (s *Server) webJSON(w http.ResponseWriter, r *http.Request, fn func(jsonRequest) (any, *Fault), extra ...func(http.Header)) {
	if !s.acceptsMediaType(w, r, r.URL.Path, false) {
		return
	}
	req, ok := readJSONRequest(w, r, true)
	if !ok {
		return
	}
	res, f := fn(req)
	s.writeJSONRPC(w, req.id, res, f, extra...)
}

func (s *Server) webSession(r *http.Request) (int64, *Fault) {
	c, err := r.Cookie("session_id")
	if err != nil {
		return 0, sessionExpired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	uid, ok := s.sessions[c.Value]
	if !ok {
		return 0, sessionExpired()
	}
	return uid, nil
}

// webAuthenticate opens a web session: the answer carries the session info
// and a session_id cookie that /web/dataset/call_kw then requires.
func (s *Server) webAuthenticate(w http.ResponseWriter, r *http.Request) {
	var sid string
	s.webJSON(w, r, func(req jsonRequest) (any, *Fault) {
		p, _ := req.params.(map[string]any)
		db, _ := p["db"].(string)
		login, _ := p["login"].(string)
		password, _ := p["password"].(string)
		if db != "" && db != s.db.name {
			return nil, accessError("Database not found.")
		}
		s.mu.Lock()
		uid := s.authenticate(login, password)
		if uid != 0 {
			var b [20]byte
			_, _ = rand.Read(b[:])
			sid = hex.EncodeToString(b[:])
			s.sessions[sid] = uid
		}
		s.mu.Unlock()
		if uid == 0 {
			return nil, accessDenied()
		}
		return s.sessionInfo(uid), nil
	}, func(h http.Header) {
		if sid != "" {
			h.Add("Set-Cookie", (&http.Cookie{Name: "session_id", Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}).String())
		}
	})
}

func (s *Server) webCallKw(r *http.Request, req jsonRequest) (any, *Fault) {
	uid, f := s.webSession(r)
	if f != nil {
		return nil, f
	}
	p, _ := req.params.(map[string]any)
	model, _ := p["model"].(string)
	method, _ := p["method"].(string)
	argList, _ := p["args"].([]any)
	kwargs, _ := p["kwargs"].(map[string]any)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count(model + "." + method)
	return s.callLocked(call{uid: uid, model: model, method: method, args: argList, kwargs: kwargs})
}

// sessionInfo is the part of Odoo's session_info the connector and generic
// clients read; the web client's UI payload is left out.
func (s *Server) sessionInfo(uid int64) *obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.begin(uid, nil)
	users := s.db.models["res.users"]
	u := users.recs[uid]
	name, login := t.getString(users, u, "name"), t.getString(users, u, "login")
	partnerID := t.getID(users, u, "partner_id")
	companyID := t.getID(users, u, "company_id")
	companies := s.db.models["res.company"]
	companyName := ""
	if c := companies.recs[companyID]; c != nil {
		companyName = t.getString(companies, c, "name")
	}
	ctx, _ := usersContextGet(t, users, nil, nil)
	vi := s.versionInfo()
	currencies := newObj()
	cur := s.db.models["res.currency"]
	for _, id := range cur.sortedIDs() {
		c := cur.recs[id]
		if !truthy(t.get(cur, c, "active")) {
			continue
		}
		entry := newObj()
		if s.version >= 19 {
			entry.set("name", t.get(cur, c, "name"))
		}
		entry.set("symbol", t.get(cur, c, "symbol")).set("position", t.get(cur, c, "position")).
			set("digits", []any{int64(69), t.get(cur, c, "decimal_places")})
		currencies.set(fmtInt(id), entry)
	}
	allowed := newObj().set("id", companyID).set("name", companyName).set("sequence", int64(0)).
		set("child_ids", []any{}).set("parent_id", false)
	if s.version >= 19 {
		allowed.set("currency_id", companyCurrency(t, companyID))
	}
	return newObj().set("uid", uid).set("is_system", uid == s.seed.UserID).set("is_admin", uid == s.seed.UserID).
		set("is_public", false).set("is_internal_user", true).set("user_context", ctx).set("db", s.db.name).
		set("server_version", vi.vals["server_version"]).set("server_version_info", vi.vals["server_version_info"]).
		set("support_url", "https://www.odoo.com/buy").set("name", name).set("username", login).
		set("partner_display_name", name).set("partner_id", partnerID).
		set("web.base.url", "http://localhost:8069").set("active_ids_limit", int64(20000)).
		set("max_file_upload_size", int64(134217728)).set("home_action_id", false).
		set("currencies", currencies).set("bundle_params", newObj().set("lang", "en_US")).
		set("user_companies", newObj().set("current_company", companyID).
			set("allowed_companies", newObj().set(fmtInt(companyID), allowed)).
			set("disallowed_ancestor_companies", newObj())).
		set("show_effect", true)
}
