package odoosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func jsonrpcCall(t *testing.T, url string, args ...any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": "object", "method": "execute_kw", "args": append([]any{"sandbox", 2, "admin"}, args...)}})
	resp, err := http.Post(url+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("jsonrpc: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOutageDropsConnectionsUntilOver(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/sim/outage", "application/json", bytes.NewBufferString(`{"down":true}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /sim/outage: %v %v", err, resp)
	}
	if _, err := http.Post(srv.URL+"/jsonrpc", "application/json", bytes.NewBufferString(`{}`)); err == nil {
		t.Fatal("during an outage a client got an answer; want a transport failure")
	}
	s.SetDown(false)
	if out := jsonrpcCall(t, srv.URL, "pos.order", "search_count", []any{[]any{}}); out["result"] != 0.0 {
		t.Fatalf("after the outage: %v", out)
	}
}

func TestStatsCountCallsAndFailNextChangesNothing(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	seed := s.Seed()
	s.FailNext(1)
	out := jsonrpcCall(t, srv.URL, "pos.order", "create", []any{map[string]any{"session_id": seed.SessionID, "amount_total": 10.0}})
	data := out["error"].(map[string]any)["data"].(map[string]any)
	if data["name"] != "psycopg2.errors.SerializationFailure" {
		t.Fatalf("want a serialization conflict, got %v", out)
	}
	if n, _ := s.Exec("pos.order", "search_count", []any{[]any{}}, nil); n != int64(0) {
		t.Fatalf("the failed call created %v orders", n)
	}
	jsonrpcCall(t, srv.URL, "pos.order", "create", []any{map[string]any{"session_id": seed.SessionID, "amount_total": 10.0}})
	resp, err := http.Get(srv.URL + "/sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats map[string]int
	_ = json.NewDecoder(resp.Body).Decode(&stats)
	if diff := cmp.Diff(map[string]int{"pos.order.create": 2}, stats); diff != "" {
		t.Fatalf("stats (-want +got):\n%s", diff)
	}
}

func TestManualFieldsBehaveLikeFields(t *testing.T) {
	s := New(Options{Version: 19})
	modelIDs, err := s.Exec("ir.model", "search", []any{[]any{[]any{"model", "=", "pos.order"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mid := modelIDs.([]any)[0]
	for _, f := range []map[string]any{
		{"name": "x_compago_state", "ttype": "selection", "selection_ids": []any{[]any{0, 0, map[string]any{"value": "requested", "name": "Requested"}}}},
		{"name": "x_compago_amount", "ttype": "float"}, {"name": "x_compago_count", "ttype": "integer"},
		{"name": "x_compago_flag", "ttype": "boolean"}, {"name": "x_compago_note", "ttype": "text"},
		{"name": "x_compago_at", "ttype": "datetime"}, {"name": "x_compago_intent_id", "ttype": "char"},
	} {
		f["model_id"], f["field_description"], f["state"] = mid, f["name"], "manual"
		if _, err := s.Exec("ir.model.fields", "create", []any{f}, nil); err != nil {
			t.Fatalf("create %s: %v", f["name"], err)
		}
	}
	id, err := s.Exec("pos.order", "create", []any{map[string]any{"session_id": s.Seed().SessionID,
		"x_compago_state": "requested", "x_compago_amount": 12.5, "x_compago_count": 2, "x_compago_flag": true,
		"x_compago_at": "2026-01-02 03:04:05", "x_compago_intent_id": "pi_1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.Exec("pos.order", "search_read", []any{[]any{[]any{"x_compago_state", "=", "requested"}, []any{"x_compago_note", "=", false}}},
		map[string]any{"fields": []any{"x_compago_amount", "x_compago_count", "x_compago_flag", "x_compago_at", "x_compago_note"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{map[string]any{"id": id, "x_compago_amount": 12.5, "x_compago_count": int64(2), "x_compago_flag": true,
		"x_compago_at": "2026-01-02 03:04:05", "x_compago_note": false}}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Fatalf("manual fields read back (-want +got):\n%s", diff)
	}
	_, err = s.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"x_compago_state": "bogus"}}, nil)
	if f, ok := err.(*Fault); !ok || f.Name != "builtins.ValueError" {
		t.Fatalf("writing a value outside the selection: %v", err)
	}
}

func TestWizardCompletesOnlyFullyPaidOrders(t *testing.T) {
	s := New(Options{})
	seed := s.Seed()
	for _, tc := range []struct {
		paid      float64
		wantState string
		wantType  string
	}{{350.5, "paid", "ir.actions.act_window_close"}, {100, "draft", "ir.actions.act_window"}} {
		id, err := s.Exec("pos.order", "create", []any{map[string]any{"session_id": seed.SessionID, "amount_total": 350.5}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{"pos_order_id": id, "amount": tc.paid,
			"payment_method_id": seed.PaymentMethodID, "transaction_id": fmt.Sprint("pi-", id)}}, nil); err != nil {
			t.Fatal(err)
		}
		ctx := map[string]any{"context": map[string]any{"active_id": id}}
		wiz, err := s.Exec("pos.make.payment", "create", []any{map[string]any{"amount": 0.0, "payment_method_id": seed.PaymentMethodID, "config_id": seed.ConfigID}}, ctx)
		if err != nil {
			t.Fatal(err)
		}
		action, err := s.Exec("pos.make.payment", "check", []any{[]any{wiz}}, ctx)
		if err != nil {
			t.Fatal(err)
		}
		orders, _ := s.Exec("pos.order", "read", []any{[]any{id}, []any{"state", "name"}}, nil)
		order := orders.([]any)[0].(map[string]any)
		if action.(map[string]any)["type"] != tc.wantType || order["state"] != tc.wantState {
			t.Errorf("paid %.2f of 350.50: wizard answered %v and the order is %v; want %s and %s", tc.paid, action, order, tc.wantType, tc.wantState)
		}
	}
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	s := New(Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				jsonrpcCall(t, srv.URL, "pos.order", "create", []any{map[string]any{"session_id": s.Seed().SessionID, "amount_total": 1.0}})
				jsonrpcCall(t, srv.URL, "pos.order", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"name"}, "limit": 5})
			}
		}()
	}
	wg.Wait()
	if n, _ := s.Exec("pos.order", "search_count", []any{[]any{}}, nil); n != int64(80) {
		t.Fatalf("80 concurrent creates left %v orders", n)
	}
}
