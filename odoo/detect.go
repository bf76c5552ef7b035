package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// detectVersion asks GET /web/version (Odoo 19+; 17 answers an HTML 404),
// else common.version over the configured RPC transport.
func (c *Client) detectVersion(ctx context.Context) (Version, error) {
	const op = "web.version"
	a, err := c.conn.do(ctx, c.proto, op, http.MethodGet, "/web/version", nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		if e, ok := asError(err); ok && e.noAnswer {
			return Version{}, err
		}
	} else if a.status == http.StatusOK {
		var wv struct {
			VersionInfo []any  `json:"version_info"`
			Version     string `json:"version"`
		}
		if checkJSONDepth(a.body) == nil && json.Unmarshal(a.body, &wv) == nil && len(wv.VersionInfo) > 0 {
			if v, ok := parseVersion(wv.VersionInfo, wv.Version); ok {
				return v, nil
			}
		}
	}

	var raw json.RawMessage
	if c.proto == ProtocolXMLRPC {
		raw, err = (&xmlRPC{c: c.conn}).version(ctx)
	} else {
		raw, err = (&jsonRPC{c: c.conn}).version(ctx)
	}
	if err != nil {
		return Version{}, err
	}
	var cv struct {
		Info  []any  `json:"server_version_info"`
		Serie string `json:"server_serie"`
	}
	if json.Unmarshal(raw, &cv) == nil {
		if v, ok := parseVersion(cv.Info, cv.Serie); ok {
			return v, nil
		}
	}
	return Version{}, &Error{Transport: c.proto, Op: "common.version", Message: "cannot read the server version from " + snippet(raw)}
}

// parseVersion reads [19, 0, 0, "final", 0, ""]; SaaS builds say
// ["saas~18", 3, ...] or serie "saas~18.3".
func parseVersion(info []any, serie string) (Version, bool) {
	v := Version{Serie: serie}
	num := func(x any) (int, bool) {
		switch x := x.(type) {
		case float64:
			return int(x), x >= 0
		case string:
			n, err := strconv.Atoi(strings.TrimPrefix(x, "saas~"))
			return n, err == nil
		}
		return 0, false
	}
	var ok bool
	if len(info) > 0 {
		v.Major, ok = num(info[0])
	}
	if len(info) > 1 {
		v.Minor, _ = num(info[1])
	}
	if !ok && serie != "" {
		maj, min, _ := strings.Cut(strings.TrimPrefix(serie, "saas~"), ".")
		v.Major, _ = strconv.Atoi(maj)
		v.Minor, _ = strconv.Atoi(min)
		ok = v.Major > 0
	}
	if v.Serie == "" {
		v.Serie = strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
	}
	return v, ok && v.Major > 0
}

// pickTransport resolves auto: JSON-2 on 19+ when the secret is an API key,
// which only trying tells (200: a key; 401: a password), JSON-RPC otherwise.
// It returns the uid when finding the transport already found the user.
func (c *Client) pickTransport(ctx context.Context, v Version) (transport, int64, error) {
	switch c.proto {
	case ProtocolJSONRPC:
		return &jsonRPC{c: c.conn}, 0, nil
	case ProtocolXMLRPC:
		return &xmlRPC{c: c.conn}, 0, nil
	case ProtocolJSON2:
		return &json2{c: c.conn}, 0, nil
	}
	if v.Major < 19 {
		return &jsonRPC{c: c.conn}, 0, nil
	}
	j := &json2{c: c.conn}
	uid, err := j.authenticate(ctx)
	if err == nil {
		return j, uid, nil
	}
	var e *Error
	if errors.As(err, &e) && (e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusNotFound) {
		return &jsonRPC{c: c.conn}, 0, nil
	}
	return nil, 0, err
}
