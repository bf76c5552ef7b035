package compago

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the Compago payment-intent API. It is safe for concurrent use.
type Client struct {
	base string // scheme://host/path without a trailing slash
	key  secret
	http *http.Client
	opts clientOptions
}

type clientOptions struct {
	timeout     time.Duration
	attempts    int
	backoffBase time.Duration
	backoffMax  time.Duration
	userAgent   string
}

// Option configures a Client.
type Option func(*clientOptions)

// WithTimeout bounds each attempt (default 10s).
func WithTimeout(d time.Duration) Option {
	return func(o *clientOptions) { o.timeout = d }
}

// WithRetries sets the attempts per call, the first included (default 4).
func WithRetries(attempts int) Option {
	return func(o *clientOptions) { o.attempts = attempts }
}

// WithBackoff sets the first pause between attempts and its ceiling
// (default 250ms and 5s); each pause doubles, with jitter.
func WithBackoff(base, maxWait time.Duration) Option {
	return func(o *clientOptions) { o.backoffBase, o.backoffMax = base, maxWait }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(o *clientOptions) { o.userAgent = ua }
}

// NewClient returns a Client for the API at baseURL (for example
// https://api.harmony.compago.com; a base ending in /api is accepted too).
func NewClient(baseURL, apiKey string, opts ...Option) (*Client, error) {
	o := clientOptions{
		timeout: 10 * time.Second, attempts: 4,
		backoffBase: 250 * time.Millisecond, backoffMax: 5 * time.Second,
		userAgent: "compago-connector",
	}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("compago: base URL must be an absolute http or https URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("compago: base URL must not carry credentials, a query or a fragment")
	}
	switch {
	case strings.TrimSpace(apiKey) == "":
		return nil, errors.New("compago: API key is empty")
	case o.timeout <= 0:
		return nil, errors.New("compago: timeout must be positive")
	case o.attempts < 1:
		return nil, errors.New("compago: retries must allow at least one attempt")
	case o.backoffBase <= 0 || o.backoffMax < o.backoffBase:
		return nil, errors.New("compago: backoff needs 0 < base <= max")
	}
	// Redirects are never followed, so the API key is never sent to
	// another address.
	hc := http.Client{Transport: newTransport()}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
	base = strings.TrimSuffix(base, "/api")
	return &Client{base: base, key: secret(apiKey), http: &hc, opts: o}, nil
}

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("compago.Client{base: %s, apiKey: %s}", c.base, c.key)
}

// GoString keeps %#v from printing the key too.
func (c *Client) GoString() string { return c.String() }

// redact removes the API key from text that came from outside, should a
// server or proxy ever echo it back.
func (c *Client) redact(s string) string {
	if len(c.key) < 4 {
		return s
	}
	return strings.ReplaceAll(s, string(c.key), redacted)
}

const redacted = "[redacted]"

// secret is a string that does not print, whatever the verb.
type secret string

func (secret) String() string             { return redacted }
func (secret) GoString() string           { return redacted }
func (secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// newTransport keeps enough idle connections for every poll in flight:
// the default transport keeps two per host, so hundreds of pending intents
// polled every few seconds would open a new TLS connection for most reads.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
	}
}
