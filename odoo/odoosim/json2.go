package odoosim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// serveJSON2 answers POST /json/2/<model>/<method> (Odoo 19+): bearer API
// key, arguments by name, bare JSON answers, real HTTP statuses on errors.
func (s *Server) serveJSON2(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/json/2/"), "/")
	if r.Method != http.MethodPost || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		if s.acceptsMediaType(w, r, "/json/2", true) {
			s.writeJSON2(w, nil, notFound("Did you mean POST /json/2/<model>/<method>?"))
		}
		return
	}
	if !s.acceptsMediaType(w, r, "/json/2/<__model__>/<__method__>", true) {
		return
	}
	model, method := parts[0], parts[1]
	uid, f := s.bearer(r)
	if f != nil {
		s.writeJSON2(w, nil, f)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		s.writeJSON2(w, nil, httpFault("BadRequest", 400, "Invalid JSON data"))
		return
	}
	kwargs := map[string]any{}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var top any
		if err := dec.Decode(&top); err != nil {
			s.writeJSON2(w, nil, httpFault("BadRequest", 400, "Invalid JSON data"))
			return
		}
		obj, ok := normalize(top).(map[string]any)
		if !ok {
			s.writeJSON2(w, nil, httpFault("BadRequest", 400, "Invalid JSON data: the body must be an object"))
			return
		}
		kwargs = obj
	}
	c := call{uid: uid, model: model, method: method, json2: true}
	if v, ok := kwargs["ids"]; ok {
		delete(kwargs, "ids")
		ids, err := toIDs(v)
		if err != nil {
			s.writeJSON2(w, nil, unprocessable(err.(*Fault).Message))
			return
		}
		c.ids, c.hasIDs = ids, len(ids) > 0
	}
	if ctx, ok := kwargs["context"].(map[string]any); ok {
		c.ctx = ctx
	}
	delete(kwargs, "context")
	c.kwargs = kwargs
	s.mu.Lock()
	s.count(model + "." + method)
	res, f := s.callLocked(c)
	s.mu.Unlock()
	s.writeJSON2(w, res, f)
}

// bearer authenticates the API key of the Authorization header (and checks
// X-Odoo-Database when given).
func (s *Server) bearer(r *http.Request) (int64, *Fault) {
	if db := r.Header.Get("X-Odoo-Database"); db != "" && db != s.opts.Database {
		return 0, notFound("database " + pyRepr(db) + " not found")
	}
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	uid := s.db.apiKeys[strings.TrimSpace(key)]
	users := s.db.models["res.users"]
	if !strings.EqualFold(scheme, "bearer") || uid == 0 || users.recs[uid] == nil || users.recs[uid].vals["active"] != true {
		return 0, unauthorized("Invalid apikey")
	}
	return uid, nil
}

func (s *Server) writeJSON2(w http.ResponseWriter, res any, f *Fault) {
	var b bytes.Buffer
	status := http.StatusOK
	if f != nil {
		status = json2Status(f)
		writeJSON(&b, s.errorData(f))
	} else {
		writeJSON(&b, res)
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
