package odoosim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// recordingsDir is where the real servers' exchanges live: the project's
// own testdata: copies of the shared reference's 17.0 and 19.0, and 18.0
// recorded by TestSimulatorAnswersLikeRealOdoo (the client's replay tests
// read the same files), so that the test runs, never skips, on any checkout.
const recordingsDir = "../testdata/wire"

type exchange struct {
	Odoo      int    `json:"odoo"`
	Name      string `json:"name"`
	Transport string `json:"transport"`
	Request   struct {
		Path    string            `json:"path"`
		Method  string            `json:"method"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Status      int             `json:"status"`
	ContentType string          `json:"content_type"`
	Response    json.RawMessage `json:"response"`
}

// recordingSetup seeds a simulator like the server that was recorded: same
// ids for what the requests name, same counters for what they create.
type recordingSetup struct {
	file, db       string
	version        int
	journals       []seedStep
	methods        []seedStep
	methodIDs      []any
	sessionName    string
	irModelOrder   int64
	nextIDs        map[string]int64
	seqs           map[string]int64
	paidBeforeName string
}

var recordings = []recordingSetup{
	{
		file: "odoo-17.0.jsonl", db: "sandbox", version: 17,
		journals: []seedStep{
			{"account.journal", 6, map[string]any{"name": "Bank", "code": "BNK1", "type": "bank"}},
			{"account.journal", 7, map[string]any{"name": "Cash", "code": "CSH1", "type": "cash"}},
			{"account.journal", 10, map[string]any{"name": "Compago", "code": "CMPG", "type": "bank"}},
		},
		methods: []seedStep{
			{"pos.payment.method", 1, map[string]any{"name": "Cash", "journal_id": 7}},
			{"pos.payment.method", 2, map[string]any{"name": "Bank", "journal_id": 6}},
			{"pos.payment.method", 3, map[string]any{"name": "Customer Account"}},
			{"pos.payment.method", 4, map[string]any{"name": "Compago", "journal_id": 10}},
		},
		methodIDs:    []any{1, 2, 3, 4},
		irModelOrder: 538,
		nextIDs:      map[string]int64{"pos.order": 21, "pos.payment": 17, "pos.make.payment": 3, "ir.model.fields": 7270},
		seqs:         map[string]int64{"pos.config.1": 6},
	},
	{
		// The odootest template's shop: the config's default methods
		// (Cash, Card, Customer Account) made before Compago.
		file: "odoo-18.0.jsonl", db: "sandbox18", version: 18,
		journals: []seedStep{
			{"account.journal", 6, map[string]any{"name": "Bank", "code": "BNK1", "type": "bank"}},
			{"account.journal", 9, map[string]any{"name": "Compago", "code": "CMPG", "type": "bank"}},
			{"account.journal", 11, map[string]any{"name": "Cash", "code": "CSH1", "type": "cash"}},
		},
		methods: []seedStep{
			// Cash and Compago have no sequence (NULL, sorted last).
			{"pos.payment.method", 1, map[string]any{"name": "Cash", "journal_id": 11}},
			{"pos.payment.method", 2, map[string]any{"name": "Card", "journal_id": 6, "sequence": 1}},
			{"pos.payment.method", 3, map[string]any{"name": "Customer Account", "sequence": 2}},
			{"pos.payment.method", 4, map[string]any{"name": "Compago", "journal_id": 9}},
		},
		methodIDs:    []any{1, 2, 3, 4},
		irModelOrder: 505,
		nextIDs:      map[string]int64{"pos.order": 1, "pos.payment": 1, "pos.make.payment": 1, "ir.model.fields": 6926},
	},
	{
		file: "odoo-19.0.jsonl", db: "sandbox19", version: 19,
		journals: []seedStep{
			{"account.journal", 8, map[string]any{"name": "Compago", "code": "CMPG", "type": "bank"}},
		},
		methods: []seedStep{
			{"pos.payment.method", 1, map[string]any{"name": "Compago", "journal_id": 8}},
		},
		methodIDs:    []any{1},
		irModelOrder: 582,
		nextIDs:      map[string]int64{"pos.order": 27, "pos.payment": 22, "pos.make.payment": 3, "ir.model.fields": 8224},
		seqs:         map[string]int64{"pos.order.1": 26},
	},
}

func loadExchanges(t *testing.T, file string) []exchange {
	t.Helper()
	f, err := os.Open(filepath.Join(recordingsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []exchange
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ex exchange
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, ex)
	}
	return out
}

// seedLike builds a simulator seeded like the recorded server, including the
// manual fields earlier recording runs had left on pos.order.
func seedLike(t *testing.T, rs recordingSetup, exchanges []exchange) *Server {
	t.Helper()
	s, err := newServer(Options{Version: rs.version, Database: rs.db}, func(s *Server) error {
		if err := seedCore(s); err != nil {
			return err
		}
		steps := append(append([]seedStep{}, rs.journals...), rs.methods...)
		steps = append(steps,
			seedStep{"pos.config", 1, map[string]any{"name": "Shop", "payment_method_ids": []any{[]any{6, 0, rs.methodIDs}}}},
			seedStep{"pos.session", 1, map[string]any{"config_id": 1, "state": "opened"}})
		return runSeed(s, 2, steps)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.db.renumberIRModel("pos.order", rs.irModelOrder)
	for _, ex := range exchanges {
		if ex.Name != "fields_get pos.order" {
			continue
		}
		for _, mf := range leftoverManualFields(t, ex.Response) {
			mf["model_id"] = rs.irModelOrder
			if _, err := s.Exec("ir.model.fields", "create", []any{mf}, nil); err != nil {
				t.Fatalf("seeding manual field %v: %v", mf["name"], err)
			}
		}
	}
	for model, next := range rs.nextIDs {
		s.db.models[model].nextID = next
	}
	for k, v := range rs.seqs {
		s.db.nextSeq(k)
		s.db.seqs[k] = v
	}
	return s
}

func leftoverManualFields(t *testing.T, resp json.RawMessage) []map[string]any {
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Result))
	_, _ = dec.Token()
	var out []map[string]any
	for dec.More() {
		tok, _ := dec.Token()
		var f struct {
			Type      string     `json:"type"`
			String    string     `json:"string"`
			Selection [][]string `json:"selection"`
		}
		if err := dec.Decode(&f); err != nil {
			t.Fatal(err)
		}
		name := tok.(string)
		if !strings.HasPrefix(name, "x_") {
			continue
		}
		vals := map[string]any{"name": name, "field_description": f.String, "ttype": f.Type, "state": "manual"}
		var sel []any
		for i, opt := range f.Selection {
			sel = append(sel, []any{0, 0, map[string]any{"value": opt[0], "name": opt[1], "sequence": i + 1}})
		}
		if sel != nil {
			vals["selection_ids"] = sel
		}
		out = append(out, vals)
	}
	return out
}

// knownDifferences are the differences that stay, with the reason.
var knownDifferences = map[string]string{
	"web session authenticate": "session_info: the simulator answers the keys a generic client reads, not the web client's UI payload (tours, discuss store, view info, hashes)",
}

func TestReplayRecordedOdooExchanges(t *testing.T) {
	for _, rs := range recordings {
		t.Run(rs.file, func(t *testing.T) {
			exchanges := loadExchanges(t, rs.file)
			s := seedLike(t, rs, exchanges)
			srv := httptest.NewServer(s)
			defer srv.Close()
			for i, ex := range exchanges {
				label := fmt.Sprintf("#%d %s %s", i, ex.Transport, ex.Name)
				status, ctype, body := replay(t, srv.URL, ex)
				var diffs []string
				if status != ex.Status {
					diffs = append(diffs, fmt.Sprintf("status: Odoo %d, simulator %d", ex.Status, status))
				}
				if ctype != ex.ContentType {
					diffs = append(diffs, fmt.Sprintf("content type: Odoo %q, simulator %q", ex.ContentType, ctype))
				}
				diffs = append(diffs, compareBodies(t, ex, body)...)
				if len(diffs) == 0 {
					continue
				}
				if reason, ok := knownDifferences[ex.Name]; ok {
					t.Logf("%s: %d known differences (%s):\n  %s", label, len(diffs), reason, strings.Join(diffs, "\n  "))
					continue
				}
				t.Errorf("%s: the simulator answers differently from Odoo %d:\n  %s", label, ex.Odoo, strings.Join(diffs, "\n  "))
			}
		})
	}
}

func replay(t *testing.T, base string, ex exchange) (int, string, []byte) {
	t.Helper()
	var body []byte
	method := http.MethodPost
	switch {
	case ex.Transport == "http":
		method = http.MethodGet
	case ex.Transport == "xmlrpc":
		var raw string
		if err := json.Unmarshal(ex.Request.Body, &raw); err != nil {
			t.Fatal(err)
		}
		body = []byte(strings.ReplaceAll(raw, "&lt;password&gt;", "admin"))
	case len(ex.Request.Body) > 0 && ex.Request.Body[0] == '"':
		var raw string
		_ = json.Unmarshal(ex.Request.Body, &raw)
		body = []byte(raw)
	case strings.HasPrefix(ex.Request.Path, "/web/"):
		params := ex.Request.Body
		if len(params) == 0 {
			params = json.RawMessage("{}")
		}
		body = []byte(`{"jsonrpc": "2.0", "method": "call", "params": ` + string(params) + `}`)
	default:
		body = ex.Request.Body
	}
	body = bytes.ReplaceAll(body, []byte("<password>"), []byte("admin"))
	req, err := http.NewRequest(method, base+ex.Request.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ex.Request.Headers {
		key := SandboxAPIKey
		if strings.Contains(ex.Name, "bad key") {
			key = "not-a-key"
		}
		req.Header.Set(k, strings.ReplaceAll(v, "<api key>", key))
	}
	if method == http.MethodPost && ex.Transport != "xmlrpc" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", ex.Name, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

func compareBodies(t *testing.T, ex exchange, got []byte) []string {
	switch {
	case strings.HasPrefix(ex.ContentType, "text/html"):
		var want string
		_ = json.Unmarshal(ex.Response, &want)
		if len(want) < 200 && want != string(got) {
			return []string{fmt.Sprintf("body: Odoo %q, simulator %q", want, got)}
		}
		return nil
	case strings.HasPrefix(ex.ContentType, "text/xml"):
		var want string
		_ = json.Unmarshal(ex.Response, &want)
		var diffs []string
		wantHead, _, _ := strings.Cut(want, "\n")
		gotHead, _, _ := strings.Cut(string(got), "\n")
		if wantHead != gotHead {
			diffs = append(diffs, fmt.Sprintf("XML declaration: Odoo %s, simulator %s", wantHead, gotHead))
		}
		w, err := xmlTree(want)
		if err != nil {
			t.Fatalf("%s: recorded XML: %v", ex.Name, err)
		}
		g, err := xmlTree(string(got))
		if err != nil {
			return append(diffs, fmt.Sprintf("simulator XML does not parse: %v: %s", err, got))
		}
		return append(diffs, diffValues("", w, g)...)
	}
	w, err := decodeJSON(ex.Response)
	if err != nil {
		t.Fatalf("%s: recorded JSON: %v", ex.Name, err)
	}
	g, err := decodeJSON(got)
	if err != nil {
		return []string{fmt.Sprintf("simulator JSON does not parse: %v: %s", err, got)}
	}
	return diffValues("", w, g)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// xmlTree reads an XML-RPC answer into values: the result, or a
// {"fault": {...}} for a fault.
func xmlTree(s string) (any, error) {
	dec := xml.NewDecoder(strings.NewReader(s))
	fault := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch st.Name.Local {
		case "fault":
			fault = true
		case "value":
			v, err := decodeValue(dec, 0)
			if err != nil {
				return nil, err
			}
			if fault {
				return map[string]any{"fault": v}, nil
			}
			return v, nil
		}
	}
}

var datetimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

// diffValues compares a recorded value with the simulator's, up to dates
// and traceback text.
func diffValues(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: Odoo an object, simulator %s", path, brief(got))}
		}
		var diffs []string
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing (Odoo %s)", path, k, brief(w[k])))
				continue
			}
			if k == "debug" || (k == "faultString" && strings.HasPrefix(fmt.Sprint(w[k]), "Traceback")) {
				diffs = append(diffs, diffTraceback(path+"."+k, w[k], gv)...)
				continue
			}
			diffs = append(diffs, diffValues(path+"."+k, w[k], gv)...)
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: extra (simulator %s)", path, k, brief(g[k])))
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: Odoo %s, simulator %s", path, brief(want), brief(got))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, diffValues(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	case string:
		if gs, ok := got.(string); ok && datetimeRE.MatchString(w) && datetimeRE.MatchString(gs) {
			return nil
		}
	}
	if fmt.Sprintf("%T %v", want, want) != fmt.Sprintf("%T %v", got, got) {
		return []string{fmt.Sprintf("%s: Odoo %s, simulator %s", path, brief(want), brief(got))}
	}
	return nil
}

// diffTraceback compares what the recording kept of a traceback (its last
// line, after "... ") with the end of the simulator's.
func diffTraceback(path string, want, got any) []string {
	ws, _ := want.(string)
	gs, _ := got.(string)
	if i := strings.LastIndex(ws, " ... "); i >= 0 {
		ws = ws[i+5:]
	}
	if !strings.HasSuffix(strings.TrimRight(gs, "\n"), strings.TrimRight(ws, "\n")) {
		return []string{fmt.Sprintf("%s: Odoo ends %q, simulator %q", path, ws, gs)}
	}
	return nil
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 160 {
		b = append(b[:160], "..."...)
	}
	return fmt.Sprintf("%T %s", v, b)
}
