package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
)

// Size limits keep a mistaken path (a log, /dev/zero) from being read whole.
const (
	maxConfigFile = 1 << 20
	maxSecretFile = 64 << 10
)

// readFile reads at most limit bytes of path and returns them with the
// file's permission bits.
func readFile(path string, limit int64) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if info.IsDir() {
		return nil, 0, errors.New("is a directory")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(data)) > limit {
		return nil, 0, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, info.Mode().Perm(), nil
}

// yamlSnippet matches the `value` quotes in YAML parser errors, which could
// show a secret when the file given is not the one meant.
var yamlSnippet = regexp.MustCompile("`[^`]*`")

// parseYAML decodes a configuration file into nested maps, with null values
// removed (an empty "timeout:" leaves the default, it does not unset it) and
// every key checked against the table: a typo is an error, not a silently
// ignored setting.
func parseYAML(data []byte) (map[string]any, []*KeyError, error) {
	raw, err := yaml.Parser().Unmarshal(data)
	if err != nil {
		msg := yamlSnippet.ReplaceAllString(err.Error(), "a value")
		msg = strings.Join(strings.Fields(strings.TrimPrefix(msg, "yaml: ")), " ")
		return nil, nil, errors.New("not valid YAML: " + msg)
	}
	out := map[string]any{}
	var errs []*KeyError
	known := sections()
	for section, v := range raw {
		if !known[section] {
			if _, ok := lookupKey(section); ok {
				errs = append(errs, &KeyError{Key: section, Problem: "write it nested under its section, not as a dotted key"})
				continue
			}
			errs = append(errs, unknownKey(section))
			continue
		}
		if v == nil {
			continue
		}
		entries, ok := stringMap(v)
		if !ok {
			errs = append(errs, &KeyError{Key: section, Problem: "want a mapping of keys, got " + kindOf(v)})
			continue
		}
		clean := map[string]any{}
		for name, value := range entries {
			full := section + "." + name
			k, ok := lookupKey(full)
			if !ok {
				errs = append(errs, unknownKey(full))
				continue
			}
			if value == nil {
				continue
			}
			if k.kind == kindMap {
				if m, ok := stringMap(value); ok {
					value = m
				}
			}
			clean[name] = value
		}
		out[section] = clean
	}
	return out, errs, nil
}

// stringMap returns v as a map with string keys. YAML gives map[any]any when
// a key is not a string (a POS named 2024, or true); such keys are named as
// they were written.
func stringMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out, true
	}
	return nil, false
}

// holdsSecret tells whether a parsed file sets a secret inline.
func holdsSecret(m map[string]any) bool {
	for _, s := range secretKeys {
		if v := lookupNested(m, s.name); v != nil && v != "" {
			return true
		}
	}
	return false
}

// lookupNested returns the value at a dotted key of the table in a nested
// map, or nil.
func lookupNested(m map[string]any, name string) any {
	section, rest, _ := strings.Cut(name, ".")
	inner, ok := m[section].(map[string]any)
	if !ok {
		return nil
	}
	return inner[rest]
}

// deleteNested removes a dotted key of the table from a nested map.
func deleteNested(m map[string]any, name string) {
	section, rest, _ := strings.Cut(name, ".")
	if inner, ok := m[section].(map[string]any); ok {
		delete(inner, rest)
	}
}

// permissionWarning returns a warning when a file that configures the
// daemon can be read by users other than its owner: anyone on a file, and
// the group too on a file holding a secret. subject names the file:
// "config file /etc/…" or "odoo.password_file: /etc/…".
func permissionWarning(subject string, mode fs.FileMode, secret bool) string {
	switch {
	case secret && mode&0o044 != 0:
		return fmt.Sprintf("%s holds a secret and is readable by group or others (mode %04o): chmod 600 it", subject, mode)
	case mode&0o004 != 0:
		return fmt.Sprintf("%s is readable by every user (mode %04o): chmod 640 or 600 it", subject, mode)
	}
	return ""
}

// readSecret reads a secret file named by key (a *_file key or a systemd
// credential). The error names the key and the path, never the content.
func readSecret(name, path string) (Secret, fs.FileMode, *KeyError) {
	data, mode, err := readFile(path, maxSecretFile)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // the path is already in the message
		}
		return "", 0, &KeyError{Key: name, Problem: fmt.Sprintf("cannot read %s: %v", path, err)}
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", 0, &KeyError{Key: name, Problem: fmt.Sprintf("file %s is empty", path)}
	}
	return Secret(s), mode, nil
}
