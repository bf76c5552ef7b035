// Command fieldgen writes the simulator's field tables from the fields_get
// answers recorded from real Odoo servers (reference/odoo-wire/*.jsonl).
//
// Usage: go run ./internal/fieldgen <recording.jsonl> <out.json>
//
// Manual fields (x_ prefix) left in the recording servers by earlier runs are
// dropped: they are not part of Odoo's models.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type exchange struct {
	Name     string          `json:"name"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

type fieldRow struct {
	Name      string      `json:"name"`
	Type      string      `json:"type"`
	String    string      `json:"string"`
	Relation  string      `json:"relation,omitempty"`
	Required  bool        `json:"required,omitempty"`
	Readonly  bool        `json:"readonly,omitempty"`
	Store     bool        `json:"store,omitempty"`
	Selection *[][]string `json:"selection,omitempty"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fieldgen <recording.jsonl> <out.json>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "fieldgen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	type model struct {
		Model  string     `json:"model"`
		Fields []fieldRow `json:"fields"`
	}
	var models []model
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ex exchange
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			return err
		}
		name, ok := strings.CutPrefix(ex.Name, "fields_get ")
		if !ok {
			continue
		}
		rows, err := fieldRows(ex.Response)
		if err != nil {
			return fmt.Errorf("%s: %w", ex.Name, err)
		}
		models = append(models, model{Model: name, Fields: rows})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, m := range models {
		fmt.Fprintf(&buf, "{\"model\": %q, \"fields\": [\n", m.Model)
		for j, r := range m.Fields {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			buf.Write(b)
			if j < len(m.Fields)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString("]}")
		if i < len(models)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// fieldRows keeps the order Odoo gave the fields in.
func fieldRows(resp json.RawMessage) ([]fieldRow, error) {
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(env.Result))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var rows []fieldRow
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var r fieldRow
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		r.Name = tok.(string)
		if strings.HasPrefix(r.Name, "x_") {
			continue
		}
		rows = append(rows, r)
	}
	return rows, nil
}
