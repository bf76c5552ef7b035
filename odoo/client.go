package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Protocol names a transport to Odoo's external API.
type Protocol string

const (
	ProtocolAuto    Protocol = "auto"
	ProtocolJSONRPC Protocol = "jsonrpc"
	ProtocolXMLRPC  Protocol = "xmlrpc"
	ProtocolJSON2   Protocol = "json2"
)

const (
	defaultTimeout   = 30 * time.Second
	defaultUserAgent = "compago-connector/dev"
)

// Config says where Odoo is and how to log in. The zero Protocol means auto.
type Config struct {
	URL, Database, Username string
	Password                string        // a password or an API key; JSON-2 sends it as the bearer key
	Protocol                Protocol      // "" means auto
	Timeout                 time.Duration // per request, default 30s
	UserAgent               string        // default "compago-connector/dev"
	HTTPClient              *http.Client  // optional; else one with a real http.Transport and timeouts
}

// String keeps the password out of %v and %+v output.
func (c Config) String() string {
	return fmt.Sprintf("odoo.Config{URL:%s Database:%s Username:%s Password:%s Protocol:%s Timeout:%s}",
		c.URL, c.Database, c.Username, mask(c.Password), c.Protocol, c.Timeout)
}

// GoString keeps the password out of %#v output.
func (c Config) GoString() string { return c.String() }

func mask(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// Version is the server's version as Odoo reports it.
type Version struct {
	Major, Minor int
	Serie        string // "17.0", "saas~18.3"
}

func (v Version) String() string {
	if v.Serie != "" {
		return v.Serie
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Client talks to one Odoo database as one user. It is safe for concurrent
// use; connect once (or let the first call connect) and share it.
type Client struct {
	conn  *conn
	proto Protocol // as configured
	retry retryPolicy

	connectMu sync.Mutex // serializes Connect

	mu       sync.RWMutex
	tr       transport
	version  Version
	resolved Protocol
	uid      int64
}

// transport is one wire protocol. Results are the JSON form of what Odoo
// returned ("null" for None), so callers decode the same way on every one.
type transport interface {
	protocol() Protocol
	authenticate(ctx context.Context) (int64, error)
	execute(ctx context.Context, uid int64, call Call) (json.RawMessage, error)
}

// New checks the configuration and builds a client. It does not touch the
// network: Connect (or the first call) does.
func New(cfg Config) (*Client, error) {
	base, err := checkConfig(&cfg)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient(cfg.Timeout)
	}
	return &Client{
		conn:  &conn{cfg: cfg, base: base, http: hc},
		proto: cfg.Protocol,
		retry: defaultRetry,
	}, nil
}

func checkConfig(cfg *Config) (*url.URL, error) {
	if cfg.Protocol == "" {
		cfg.Protocol = ProtocolAuto
	}
	switch cfg.Protocol {
	case ProtocolAuto, ProtocolJSONRPC, ProtocolXMLRPC, ProtocolJSON2:
	default:
		return nil, fmt.Errorf("odoo: protocol %q is not one of auto, jsonrpc, xmlrpc, json2", cfg.Protocol)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("odoo: url must be an absolute http:// or https:// address")
	}
	if u.User != nil {
		return nil, errors.New("odoo: url must not carry credentials; use the username and password settings")
	}
	if cfg.Password == "" {
		return nil, errors.New("odoo: password (or API key) is required")
	}
	if cfg.Protocol != ProtocolJSON2 && (cfg.Database == "" || cfg.Username == "") {
		return nil, fmt.Errorf("odoo: database and username are required with protocol %s", cfg.Protocol)
	}
	return u, nil
}

func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   32, // the outbox's workers, the watcher and the sweep
		},
		// A redirect turns Odoo's POST into a GET elsewhere; report it instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Connect detects the server version and the transport, authenticates and
// caches the uid. Calling it again starts over (after a server upgrade, or a
// new API key).
func (c *Client) Connect(ctx context.Context) error {
	c.connectMu.Lock()
	defer c.connectMu.Unlock()
	return c.connectLocked(ctx)
}

func (c *Client) connectLocked(ctx context.Context) error {
	v, err := c.detectVersion(ctx)
	if err != nil {
		return err
	}
	tr, uid, err := c.pickTransport(ctx, v)
	if err != nil {
		return err
	}
	if uid == 0 {
		if uid, err = tr.authenticate(ctx); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.tr, c.version, c.resolved, c.uid = tr, v, tr.protocol(), uid
	c.mu.Unlock()
	return nil
}

// session returns the connected transport, connecting first if needed.
func (c *Client) session(ctx context.Context) (transport, int64, error) {
	c.mu.RLock()
	tr, uid := c.tr, c.uid
	c.mu.RUnlock()
	if tr != nil {
		return tr, uid, nil
	}
	c.connectMu.Lock()
	defer c.connectMu.Unlock()
	c.mu.RLock()
	tr, uid = c.tr, c.uid
	c.mu.RUnlock()
	if tr != nil {
		return tr, uid, nil
	}
	if err := c.connectLocked(ctx); err != nil {
		return nil, 0, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tr, c.uid, nil
}

// Version is the server version found by Connect.
func (c *Client) Version() Version {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// Protocol is the transport in use after Connect (never auto).
func (c *Client) Protocol() Protocol {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.resolved
}

// UID is the id of the logged-in user after Connect.
func (c *Client) UID() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.uid
}

// String describes the client without its secret.
func (c *Client) String() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p := c.resolved
	if p == "" {
		p = c.proto
	}
	cfg := c.conn.cfg
	return fmt.Sprintf("odoo.Client{url=%s db=%s user=%s protocol=%s version=%s uid=%d}",
		c.conn.base.Redacted(), cfg.Database, cfg.Username, p, c.version, c.uid)
}

// GoString keeps %#v as secret-free as %v.
func (c *Client) GoString() string { return c.String() }

// Arg is a positional argument with the parameter name JSON-2 needs.
type Arg struct {
	Name  string
	Value any
}

// Call is one method call on one model. On JSON-RPC and XML-RPC it becomes
// execute_kw(model, method, [IDs (if non-nil)] + Args values, Kwargs +
// context); on JSON-2 the body {"ids": IDs, <Arg.Name>: Arg.Value...,
// <Kwargs>..., "context": Context}.
type Call struct {
	Model, Method string
	IDs           []int64
	Args          []Arg
	Kwargs        map[string]any
	Context       map[string]any
}

func (call Call) op() string { return call.Model + "." + call.Method }

// Execute runs call and decodes the JSON form of its result into out (a
// pointer, or nil to drop it). A method returning None gives a JSON null on
// every transport. Serialization conflicts are retried.
func (c *Client) Execute(ctx context.Context, call Call, out any) error {
	if call.Model == "" || call.Method == "" {
		return &Error{Op: call.op(), Message: "model and method are required"}
	}
	tr, uid, err := c.session(ctx)
	if err != nil {
		return err
	}
	raw, err := c.retry.do(ctx, func() (json.RawMessage, error) { return tr.execute(ctx, uid, call) })
	if err != nil {
		return err
	}
	return decodeResult(tr.protocol(), call.op(), raw, out)
}

func decodeResult(p Protocol, op string, raw json.RawMessage, out any) error {
	if out == nil {
		return nil
	}
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Transport: p, Op: op, Message: "cannot decode the result", Err: err}
	}
	return nil
}
