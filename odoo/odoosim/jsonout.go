package odoosim

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// obj is a JSON object that keeps its keys in insertion order: Odoo answers
// are Python dicts, and read() puts id first, then the fields in the order
// they were asked for.
type obj struct {
	keys []string
	vals map[string]any
}

func newObj() *obj { return &obj{vals: map[string]any{}} }

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	writeJSON(&b, o)
	return b.Bytes(), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeJSON encodes a result value the way Odoo's json.dumps does: floats in
// Python repr (0.0, not 0), non-ASCII kept as is, object keys in order.
func writeJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case json.RawMessage:
		b.Write(v)
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		s := pyFloat(v)
		switch s {
		case "nan":
			s = "NaN"
		case "inf":
			s = "Infinity"
		case "-inf":
			s = "-Infinity"
		}
		b.WriteString(s)
	case string:
		writeJSONString(b, v)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSON(b, x)
		}
		b.WriteByte(']')
	case []int64:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(x, 10))
		}
		b.WriteByte(']')
	case *obj:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k)
			b.WriteString(": ")
			writeJSON(b, v.vals[k])
		}
		b.WriteByte('}')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k)
			b.WriteString(": ")
			writeJSON(b, v[k])
		}
		b.WriteByte('}')
	default:
		// Not produced by the simulator; encode what the standard library can.
		raw, err := json.Marshal(v)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(raw)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}

// plain turns a result into the JSON-compatible values Exec promises
// (map[string]any instead of ordered objects, []any for id lists).
func plain(v any) any {
	switch v := v.(type) {
	case *obj:
		m := make(map[string]any, len(v.keys))
		for _, k := range v.keys {
			m[k] = plain(v.vals[k])
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plain(x)
		}
		return m
	case []any:
		return anySlice(v, plain)
	case []int64:
		return anySlice(v, func(x int64) any { return x })
	case int:
		return int64(v)
	}
	return v
}

// anySlice converts a typed slice into the []any of the value space.
func anySlice[T any](v []T, conv func(T) any) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = conv(x)
	}
	return out
}

// normalize converts decoded request values (json.Number, Go ints, nested
// slices and maps from Exec callers) into the simulator's value space:
// nil, bool, int64, float64, string, []any, map[string]any.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case int64, float64, bool, string, nil:
		return v
	case float32:
		return float64(v)
	case uint:
		return int64(v)
	case []any:
		return anySlice(v, normalize)
	case []int64:
		return anySlice(v, func(x int64) any { return x })
	case []int:
		return anySlice(v, func(x int) any { return int64(x) })
	case []string:
		return anySlice(v, func(x string) any { return x })
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	case *obj:
		return normalize(plain(v))
	}
	// Anything else (structs from Go callers) goes through encoding/json.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return nil
	}
	return normalize(out)
}
