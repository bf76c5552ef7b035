package config

import (
	"net/url"
	"strings"
)

// RedactURL is a URL as it may be logged or shown: without a user name or
// password, a query string or a fragment (where a key could hide), and
// with control characters escaped. Validation refuses URLs that carry
// credentials; this is the second line, for every place that prints one.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "redacted", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// uncheckedRemoteDSN reports the host of a PostgreSQL DSN that connects
// to another machine without authenticating the server: any sslmode but
// verify-full and verify-ca (pgx's default, prefer, falls back to
// plaintext and checks no certificate). Loopback hosts and Unix sockets
// are local. Both DSN forms are read: a postgres:// URL and key=value
// pairs. Variables of the environment (PGHOST, PGSSLMODE) are not.
func uncheckedRemoteDSN(dsn string) (host string, unchecked bool) {
	var hosts []string
	var mode string
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", false // validation reports it
		}
		for _, h := range strings.Split(u.Host, ",") {
			if name, _, ok := strings.Cut(h, ":"); ok && !strings.HasPrefix(h, "[") {
				h = name
			}
			hosts = append(hosts, strings.Trim(h, "[]"))
		}
		if hs := u.Query().Get("host"); hs != "" {
			hosts = append(hosts, strings.Split(hs, ",")...)
		}
		mode = u.Query().Get("sslmode")
	} else {
		kv := dsnPairs(dsn)
		hosts = append(strings.Split(kv["host"], ","), strings.Split(kv["hostaddr"], ",")...)
		mode = kv["sslmode"]
	}
	if mode == "verify-full" || mode == "verify-ca" {
		return "", false
	}
	for _, h := range hosts {
		if h != "" && !strings.HasPrefix(h, "/") && !isLoopback(h) {
			return h, true
		}
	}
	return "", false
}

// dsnPairs reads key=value pairs, values optionally in single quotes.
func dsnPairs(dsn string) map[string]string {
	out := map[string]string{}
	s := dsn
	for {
		s = strings.TrimLeft(s, " \t\n")
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return out
		}
		key = strings.TrimSpace(key)
		rest = strings.TrimLeft(rest, " \t")
		var val string
		if strings.HasPrefix(rest, "'") {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '\''; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			val, s = b.String(), rest[min(i+1, len(rest)):]
		} else {
			end := strings.IndexAny(rest, " \t\n")
			if end < 0 {
				end = len(rest)
			}
			val, s = rest[:end], rest[end:]
		}
		out[key] = val
	}
}
