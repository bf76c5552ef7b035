package odoosim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

const maxBody = 16 << 20

const jsonContentType = "application/json; charset=utf-8"

// jsonRequest is a JSON-RPC 2.0 request as Odoo's JsonRPCDispatcher reads it.
type jsonRequest struct {
	id     json.RawMessage
	params any
}

// readJSONRequest parses a JSON-RPC body; ok is false when the answer (a
// 400 text/html, as Odoo gives) has already been written.
func readJSONRequest(w http.ResponseWriter, r *http.Request, allowEmpty bool) (jsonRequest, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		badRequest(w, "Invalid JSON data")
		return jsonRequest{}, false
	}
	if allowEmpty && len(bytes.TrimSpace(body)) == 0 {
		return jsonRequest{id: json.RawMessage("null"), params: map[string]any{}}, true
	}
	var top any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		badRequest(w, "Invalid JSON data")
		return jsonRequest{}, false
	}
	env, ok := top.(map[string]any)
	if !ok {
		badRequest(w, "Invalid JSON-RPC data")
		return jsonRequest{}, false
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(body, &raw)
	id := raw["id"]
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	params := normalize(env["params"])
	if params == nil {
		params = map[string]any{}
	}
	return jsonRequest{id: id, params: params}, true
}

func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, msg)
}

// writeJSONRPC answers with the result, or without "result" at all when the
// method returned None (every version recorded, 19.0 included), or with the
// error; always HTTP 200.
func (s *Server) writeJSONRPC(w http.ResponseWriter, id json.RawMessage, res any, f *Fault, extra ...func(http.Header)) {
	o := newObj().set("jsonrpc", "2.0").set("id", id)
	if f != nil {
		o.set("error", s.jsonrpcError(f))
	} else if res != nil {
		o.set("result", res)
	}
	var b bytes.Buffer
	writeJSON(&b, o)
	w.Header().Set("Content-Type", jsonContentType)
	for _, e := range extra {
		e(w.Header())
	}
	status := http.StatusOK
	if f != nil && s.version == 16 && f.Name == "werkzeug.exceptions.NotFound" {
		status = http.StatusNotFound // only 16 turned NotFound into a real 404
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) serveJSONRPC(w http.ResponseWriter, r *http.Request) {
	if !s.acceptsMediaType(w, r, "/jsonrpc", false) {
		return
	}
	req, ok := readJSONRequest(w, r, false)
	if !ok {
		return
	}
	params, isObj := req.params.(map[string]any)
	if !isObj {
		s.writeJSONRPC(w, req.id, nil, typeError("RPC.jsonrpc() argument after ** must be a mapping, not %s", pyType(req.params)))
		return
	}
	service, _ := params["service"].(string)
	method, _ := params["method"].(string)
	argList, _ := params["args"].([]any)
	res, f := s.rpc(service, method, argList)
	s.writeJSONRPC(w, req.id, res, f)
}
