package grant

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/compago-odoo/connector/odoo"
)

// User says what EnsureUser found and did.
type User struct {
	ID      int64
	Login   string
	Created bool
}

// groupsField is res.users' many2many of groups: renamed in 19.
func groupsField(major int) string {
	if major >= 19 {
		return "group_ids"
	}
	return "groups_id"
}

// EnsureUser makes the dedicated user, member of group only (and of what
// the group implies), or adds group to the existing user of that login.
func EnsureUser(ctx context.Context, o Odoo, major int, login string, group int64) (User, error) {
	u := User{Login: login}
	var rows []struct {
		ID     int64 `json:"id"`
		Active bool  `json:"active"`
	}
	if err := o.SearchRead(ctx, "res.users", odoo.Cond("login", "=", login),
		odoo.Query{Fields: []string{"id", "active"}, Limit: 1, Context: map[string]any{"active_test": false}}, &rows); err != nil {
		return u, fmt.Errorf("look up the user %s: %w", login, err)
	}
	if len(rows) == 1 {
		u.ID = rows[0].ID
		vals := map[string]any{groupsField(major): []any{[]any{4, group}}}
		if !rows[0].Active {
			vals["active"] = true
		}
		if err := o.Write(ctx, "res.users", []int64{u.ID}, vals); err != nil {
			return u, fmt.Errorf("put the user %s in the group %q: %w", login, GroupName, err)
		}
		return u, nil
	}
	// The groups are given, so Odoo's default groups of a new user (on a
	// POS database they include Point of Sale / Administrator) are not.
	id, err := o.Create(ctx, "res.users", map[string]any{
		"name": "Compago connector (service)", "login": login,
		groupsField(major): []any{[]any{6, 0, []any{group}}},
	}, map[string]any{"no_reset_password": true})
	if err != nil {
		return u, fmt.Errorf("create the user %s: %w", login, err)
	}
	u.ID, u.Created = id, true
	return u, nil
}

// Key is one API key of a user, as an administrator sees it (never the
// key itself: Odoo keeps only its hash).
type Key struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Expires any    `json:"expiration_date"` // false, or a naive UTC datetime (18+)
}

// Keys lists the user's API keys named KeyName.
func Keys(ctx context.Context, o Odoo, major int, uid int64) ([]Key, error) {
	fields := []string{"id", "name"}
	if major >= 18 {
		fields = append(fields, "expiration_date")
	}
	var keys []Key
	if err := o.SearchRead(ctx, "res.users.apikeys", odoo.And(odoo.Cond("user_id", "=", uid), odoo.Cond("name", "=", KeyName)),
		odoo.Query{Fields: fields}, &keys); err != nil {
		return nil, fmt.Errorf("list the API keys of user %d: %w", uid, err)
	}
	return keys, nil
}

// Web is where the user's web session is opened to make its key.
type Web struct {
	URL, Database string
	Timeout       time.Duration
}

// MakeKey makes an API key for the dedicated user u, the way the user
// would in Preferences > Account Security: Odoo makes keys only for the
// logged-in user of a web session that has just passed an identity check.
// So the administrator gives u a random password, used once here and kept
// nowhere; the key lasts KeyDays on 18+ (none on 17, where keys do not
// expire). The key is returned, never logged.
func MakeKey(ctx context.Context, o Odoo, major int, web Web, u User) (string, error) {
	pw, err := randomHex(32)
	if err != nil {
		return "", err
	}
	if err := o.Write(ctx, "res.users", []int64{u.ID}, map[string]any{"password": pw}); err != nil {
		return "", fmt.Errorf("give the user %s a one-time password: %w", u.Login, err)
	}
	if web.Timeout <= 0 {
		web.Timeout = time.Minute
	}
	s, err := newWebSession(web.URL, web.Timeout)
	if err != nil {
		return "", err
	}
	if err := s.login(ctx, web.Database, u.Login, pw); err != nil {
		return "", err
	}
	desc := map[string]any{"name": KeyName}
	if major >= 18 {
		desc["duration"] = "-1" // a custom date: the group allows KeyDays
		desc["expiration_date"] = time.Now().UTC().AddDate(0, 0, KeyDays-1).Format("2006-01-02 15:04:05")
	}
	var descID int64
	if err := s.call(ctx, "res.users.apikeys.description", "create", []any{desc}, nil, &descID); err != nil {
		return "", err
	}
	var action struct {
		ResModel string         `json:"res_model"`
		ResID    int64          `json:"res_id"`
		Context  map[string]any `json:"context"`
	}
	if err := s.call(ctx, "res.users.apikeys.description", "make_key", []any{[]any{descID}}, nil, &action); err != nil {
		return "", err
	}
	if action.ResModel == "res.users.identitycheck" {
		// 17 and 18 read the password from the wizard's field, 19 from
		// the context.
		check := action.ResID
		if major < 19 {
			if err := s.call(ctx, "res.users.identitycheck", "write", []any{[]any{check}, map[string]any{"password": pw}}, nil, nil); err != nil {
				return "", err
			}
		}
		action.Context = nil
		if err := s.call(ctx, "res.users.identitycheck", "run_check", []any{[]any{check}},
			map[string]any{"context": map[string]any{"password": pw}}, &action); err != nil {
			return "", err
		}
	}
	key, _ := action.Context["default_key"].(string)
	if key == "" {
		return "", errors.New("Odoo made no API key (no key in its answer)")
	}
	return key, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Result says what Setup found and did.
type Result struct {
	Group Group
	User  User
	// Key is the API key made now, "" when none was (the user had one
	// and no new one was asked for).
	Key string
	// Keys counts the user's keys named KeyName before this run.
	Keys int
}

// Setup makes (or finds) the group and the dedicated user of login, and
// makes an API key when the user has none of setup's, or newKey asks for
// one. o is an administrator's client on Odoo major version major.
func Setup(ctx context.Context, o Odoo, major int, web Web, login string, newKey bool) (Result, error) {
	var r Result
	var err error
	if r.Group, err = EnsureGroup(ctx, o, major); err != nil {
		return r, err
	}
	if r.User, err = EnsureUser(ctx, o, major, login, r.Group.ID); err != nil {
		return r, err
	}
	keys, err := Keys(ctx, o, major, r.User.ID)
	if err != nil {
		return r, err
	}
	r.Keys = len(keys)
	if len(keys) > 0 && !newKey {
		return r, nil
	}
	r.Key, err = MakeKey(ctx, o, major, web, r.User)
	return r, err
}
