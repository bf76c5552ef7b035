package grant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// webSession is a browser-like session of the web client
// (/web/session/authenticate, then /web/dataset/call_kw with its cookie):
// Odoo makes an API key only there, after an identity check, for the
// session's own user. It is used once, by setup, for the dedicated user.
type webSession struct {
	base string
	http *http.Client
}

// maxAnswer bounds an answer read from Odoo.
const maxAnswer = 1 << 20

func newWebSession(base string, timeout time.Duration) (*webSession, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &webSession{base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar, Timeout: timeout}}, nil
}

// WebError is Odoo's error answer on a web-client route: its exception
// class and message (never the password: it is not in Odoo's answers).
type WebError struct{ Name, Message string }

func (e *WebError) Error() string { return e.Name + ": " + e.Message }

func (s *webSession) post(ctx context.Context, path string, params map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
	}
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("%s: not a JSON-RPC answer: %w", path, err)
	}
	if ans.Error != nil {
		msg := ans.Error.Data.Message
		if msg == "" {
			msg = ans.Error.Message
		}
		return &WebError{Name: ans.Error.Data.Name, Message: msg}
	}
	if out == nil || len(ans.Result) == 0 {
		return nil
	}
	return json.Unmarshal(ans.Result, out)
}

func (s *webSession) login(ctx context.Context, db, login, password string) error {
	var res struct {
		UID any `json:"uid"`
	}
	if err := s.post(ctx, "/web/session/authenticate", map[string]any{"db": db, "login": login, "password": password}, &res); err != nil {
		return fmt.Errorf("log in as %s: %w", login, err)
	}
	if n, ok := res.UID.(float64); !ok || n <= 0 {
		return fmt.Errorf("log in as %s: refused", login)
	}
	return nil
}

func (s *webSession) call(ctx context.Context, model, method string, args []any, kwargs map[string]any, out any) error {
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	if args == nil {
		args = []any{}
	}
	err := s.post(ctx, "/web/dataset/call_kw/"+model+"/"+method,
		map[string]any{"model": model, "method": method, "args": args, "kwargs": kwargs}, out)
	if err != nil {
		return fmt.Errorf("%s.%s: %w", model, method, err)
	}
	return nil
}
