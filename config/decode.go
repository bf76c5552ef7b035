package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// decode sets k's field in c from v, a value from any layer: YAML gives
// strings, numbers, booleans and mappings; the environment and flags give
// strings. Paths (*_file keys) have no field and go to paths.
func decode(k key, v any, c *Config, paths map[string]string) []*KeyError {
	fail := func(format string, args ...any) []*KeyError {
		return []*KeyError{{Key: k.name, Problem: fmt.Sprintf(format, args...)}}
	}
	switch k.kind {
	case kindString, kindPath, kindSecret:
		s, problem := asString(v, k.kind == kindSecret)
		if problem != "" {
			return fail("%s", problem)
		}
		switch p := fieldOf(k, c).(type) {
		case *string:
			*p = s
		case *Secret:
			*p = Secret(s)
		default:
			paths[k.name] = s
		}
	case kindDuration:
		d, problem := asDuration(v)
		if problem != "" {
			return fail("%s", problem)
		}
		*fieldOf(k, c).(*time.Duration) = d
	case kindInt:
		n, problem := asInt(v)
		if problem != "" {
			return fail("%s", problem)
		}
		*fieldOf(k, c).(*int) = n
	case kindMap:
		m, errs := asMap(k.name, v)
		if len(errs) > 0 {
			return errs
		}
		*fieldOf(k, c).(*map[string]string) = m
	}
	return nil
}

// fieldOf returns the pointer to k's field, or nil for *_file keys.
func fieldOf(k key, c *Config) any {
	if k.field == nil {
		return nil
	}
	return k.field(c)
}

func asString(v any, secret bool) (string, string) {
	switch v := v.(type) {
	case string:
		return v, ""
	case nil:
		return "", ""
	}
	if secret {
		// The value is not shown: a numeric password is still a password.
		return "", "want a string, got " + kindOf(v) + ": put it in quotes"
	}
	return "", "want a string, got " + describe(v) + ": put it in quotes"
}

func asDuration(v any) (time.Duration, string) {
	switch v := v.(type) {
	case time.Duration:
		return v, ""
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Sprintf(`want a duration like "3s" or "1m30s", got %q`, v)
		}
		return d, ""
	case int:
		if v == 0 { // "retention: 0" needs no unit
			return 0, ""
		}
		return 0, fmt.Sprintf(`want a duration with a unit like "3s", got %s`, describe(v))
	case int64, uint64, float64:
		return 0, fmt.Sprintf(`want a duration with a unit like "3s", got %s`, describe(v))
	}
	return 0, `want a duration like "3s", got ` + describe(v)
}

func asInt(v any) (int, string) {
	switch v := v.(type) {
	case int:
		return v, ""
	case int64:
		if int64(int(v)) == v {
			return int(v), ""
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n, ""
		}
	}
	return 0, "want a whole number, got " + describe(v)
}

// asMap reads a YAML mapping of strings, or "a=b,c=d" from the environment
// or a flag. An entry's problem names the entry: connector.terminals.Shop.
func asMap(name string, v any) (map[string]string, []*KeyError) {
	switch v := v.(type) {
	case nil:
		return map[string]string{}, nil
	case string:
		m, err := parseMap(v)
		if err != nil {
			return nil, []*KeyError{{Key: name, Problem: err.Error()}}
		}
		return m, nil
	case map[string]any:
		out := make(map[string]string, len(v))
		var errs []*KeyError
		for _, entry := range slices.Sorted(maps.Keys(v)) {
			s, problem := asString(v[entry], false)
			if problem != "" {
				errs = append(errs, &KeyError{Key: name + "." + entry, Problem: problem})
				continue
			}
			out[entry] = s
		}
		return out, errs
	}
	return nil, []*KeyError{{Key: name, Problem: "want a mapping of names to values, got " + describe(v)}}
}

// kindOf names the YAML kind of v without its value.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "true or false"
	case int, int64, uint64, float64:
		return "a number"
	case map[string]any, map[any]any:
		return "a mapping"
	case []any:
		return "a list"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("a value of type %T", v)
}

// describe names the YAML kind of v with its value when it is short and
// scalar, to show the user what the parser understood.
func describe(v any) string {
	switch v := v.(type) {
	case bool:
		return fmt.Sprintf("%v", v)
	case int, int64, uint64, float64:
		return fmt.Sprintf("the number %v", v)
	case string:
		return strconv.Quote(v)
	case time.Time:
		return "the date " + v.Format(time.DateOnly)
	}
	return kindOf(v)
}
