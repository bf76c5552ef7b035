package odoosim

import (
	"strconv"
	"strings"
)

// call is one model method call, whatever transport carried it.
type call struct {
	uid           int64
	model, method string
	args          []any          // execute_kw positional args (ids first for record methods)
	kwargs        map[string]any // execute_kw kwargs, context included
	json2         bool           // JSON-2: arguments by name, ids apart
	ids           []int64
	hasIDs        bool
	ctx           map[string]any
}

func (s *Server) count(key string) { s.stats[key]++ }

// callLocked runs a call in its own transaction; s.mu is held.
func (s *Server) callLocked(c call) (any, *Fault) {
	d := s.db
	// 18's get_public_method looks the method up before it checks the
	// name: a private method the model lacks is "does not exist" (recorded
	// on 18.0), one it has is the AccessError. The simulator keeps no
	// private methods, so on 18 a private name takes the lookup below.
	if strings.HasPrefix(c.method, "_") && d.version != 18 {
		if d.version >= 19 {
			return nil, accessError("Private methods (such as '%s.%s') cannot be called remotely.", c.model, c.method)
		}
		return nil, accessError("Private methods (such as %s) cannot be called remotely.", c.method)
	}
	m := d.models[c.model]
	if m == nil {
		if c.json2 {
			return nil, notFound("the model '" + c.model + "' does not exist")
		}
		return nil, userError("Object %s doesn't exist", c.model)
	}
	if apiPrivate[c.method] != 0 && d.version >= apiPrivate[c.method] {
		return nil, accessError("Private methods (such as '%s.%s') cannot be called remotely.", c.model, c.method)
	}
	meth := d.lookupMethod(m, c.method)
	if meth == nil {
		switch {
		case c.json2:
			return nil, notFound("The method '" + c.model + "." + c.method + "' does not exist")
		case d.version >= 18:
			return nil, attributeError("The method '%s.%s' does not exist", c.model, c.method)
		case d.version == 17:
			return nil, attributeError("The method '%s' does not exist on the model '%s'", c.method, c.model)
		}
		return nil, attributeError("type object '%s' has no attribute '%s'", c.model, c.method)
	}
	ids, a, ctx, f := s.bind(c, m, meth)
	if f != nil {
		return nil, f
	}
	if s.failNext > 0 {
		s.failNext--
		return nil, serializationFailure()
	}
	t := d.begin(c.uid, ctx)
	res, err := meth.fn(t, m, ids, a)
	if err != nil {
		t.rollback()
		if flt, ok := err.(*Fault); ok {
			return nil, flt
		}
		return nil, pyException("%s", err.Error())
	}
	if c.json2 && c.method == "create" {
		if id, ok := res.(int64); ok {
			res = []any{id}
		}
	}
	return res, nil
}

// bind splits a call into ids, bound arguments and context.
func (s *Server) bind(c call, m *model, meth *method) ([]int64, args, map[string]any, *Fault) {
	if c.json2 {
		if c.hasIDs && !meth.multi {
			return nil, nil, nil, unprocessable("cannot call " + m.name + "." + meth.name + " with ids")
		}
		a, err := meth.bindNamed(c.kwargs)
		if err != nil {
			return nil, nil, nil, unprocessable(err.(*Fault).Message)
		}
		return c.ids, a, c.ctx, nil
	}
	pos := c.args
	kw := map[string]any{}
	for k, v := range c.kwargs {
		kw[k] = v
	}
	ctx, _ := kw["context"].(map[string]any)
	delete(kw, "context")
	var ids []int64
	if meth.multi {
		if len(pos) == 0 {
			return nil, nil, nil, fault("builtins.IndexError", "list index out of range")
		}
		var err error
		if ids, err = toIDs(pos[0]); err != nil {
			return nil, nil, nil, err.(*Fault)
		}
		pos = pos[1:]
	}
	a, err := meth.bindPositional(pos, kw)
	if err != nil {
		return nil, nil, nil, err.(*Fault)
	}
	return ids, a, ctx, nil
}

// rpc is the /jsonrpc and /xmlrpc dispatcher: services common, db, object.
func (s *Server) rpc(service, method string, params []any) (any, *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch service {
	case "common":
		s.count("common." + method)
		return s.common(method, params)
	case "db":
		s.count("db." + method)
		return s.dbService(method)
	case "object":
		return s.object(method, params)
	}
	return nil, keyError(service)
}

func (s *Server) versionInfo() *obj {
	serie := strconv.Itoa(s.version) + ".0"
	return newObj().set("server_version", serie).
		set("server_version_info", []any{int64(s.version), int64(0), int64(0), "final", int64(0), ""}).
		set("server_serie", serie).set("protocol_version", int64(1))
}

func (s *Server) common(method string, params []any) (any, *Fault) {
	switch method {
	case "version":
		return s.versionInfo(), nil
	case "login", "authenticate":
		if len(params) < 3 {
			return nil, typeError("exp_%s() missing required positional arguments", method)
		}
		dbName, _ := params[0].(string)
		if dbName != s.db.name {
			return nil, dbMissing(dbName)
		}
		login, _ := params[1].(string)
		password, _ := params[2].(string)
		if uid := s.authenticate(login, password); uid != 0 {
			return uid, nil
		}
		return false, nil
	case "about":
		return "See http://openerp.com", nil
	}
	return nil, pyException("Method not found: %s", method)
}

func (s *Server) dbService(method string) (any, *Fault) {
	switch method {
	case "list":
		return []any{s.db.name}, nil
	case "server_version":
		return strconv.Itoa(s.version) + ".0", nil
	case "exist", "db_exist":
		return true, nil
	}
	return nil, keyError("exp_" + method)
}

// authenticate checks a login and a password or API key; 0 means refused.
func (s *Server) authenticate(login, secret string) int64 {
	users := s.db.models["res.users"]
	for _, id := range users.sortedIDs() {
		r := users.recs[id]
		if r.vals["login"] != login || r.vals["active"] != true || secret == "" {
			continue
		}
		if s.secretOK(id, secret) {
			return id
		}
	}
	return 0
}

func (s *Server) secretOK(uid int64, secret string) bool {
	if pw, ok := s.db.passwords[uid]; ok && pw == secret {
		return true
	}
	return s.db.apiKeys[secret] == uid
}

// object is object.execute / object.execute_kw after security.check.
func (s *Server) object(method string, params []any) (any, *Fault) {
	if method != "execute" && method != "execute_kw" {
		return nil, fault("builtins.NameError", "Method not available %s", method)
	}
	if len(params) < 5 {
		return nil, fault("builtins.IndexError", "list index out of range")
	}
	dbName, _ := params[0].(string)
	if dbName != s.db.name {
		return nil, dbMissing(dbName)
	}
	uid, flt := pyInt(params[1])
	if flt != nil {
		return nil, flt
	}
	password, _ := params[2].(string)
	users := s.db.models["res.users"]
	if u := users.recs[uid]; u == nil || u.vals["active"] != true || !s.secretOK(uid, password) {
		return nil, accessDenied()
	}
	model, _ := params[3].(string)
	meth, _ := params[4].(string)
	s.count(model + "." + meth)
	c := call{uid: uid, model: model, method: meth}
	if method == "execute" {
		c.args = params[5:]
	} else {
		if len(params) > 5 {
			list, ok := params[5].([]any)
			if !ok {
				return nil, typeError("argument after * must be an iterable, not %s", pyType(params[5]))
			}
			c.args = list
		}
		if len(params) > 6 && params[6] != nil {
			kw, ok := params[6].(map[string]any)
			if !ok {
				return nil, typeError("argument after ** must be a mapping, not %s", pyType(params[6]))
			}
			c.kwargs = kw
		}
	}
	return s.callLocked(c)
}

// pyInt is Python's int() on the uid argument.
func pyInt(v any) (int64, *Fault) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case float64:
		return int64(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, valueError("invalid literal for int() with base 10: %s", pyRepr(v))
		}
		return i, nil
	}
	return 0, typeError("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyType(v))
}

// apiPrivate are BaseModel's public names decorated @api.private, with the
// version that made them so: get_public_method refuses them with the
// AccessError of private methods (18 and 19 source; exists recorded on 19.0).
var apiPrivate = map[string]int{
	"ensure_one": 18, "with_env": 18, "sudo": 18, "with_user": 18, "with_company": 18,
	"with_context": 18, "with_prefetch": 18, "mapped": 18, "filtered": 18, "grouped": 18,
	"filtered_domain": 18, "sorted": 18, "flush_model": 18, "flush_recordset": 18, "new": 18,
	"concat": 18, "union": 18, "invalidate_model": 18, "invalidate_recordset": 18,
	"fetch": 19, "check_access": 19, "exists": 19, "lock_for_update": 19, "try_lock_for_update": 19,
	"browse": 19, "update": 19, "modified": 19,
}
