package config

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable that sets a key:
// COMPAGO_CONNECTOR_<SECTION>__<KEY>, e.g. COMPAGO_CONNECTOR_ODOO__URL.
const EnvPrefix = "COMPAGO_CONNECTOR_"

// Source is where Load reads the configuration from. Nothing is read from
// the process itself, so tests pass their own environment and flags.
type Source struct {
	File    string        // the --config path; "" means no file
	Environ []string      // os.Environ() in the daemon: KEY=value entries
	Flags   *flag.FlagSet // a parsed flag set from RegisterFlags; only flags that were set override
	// Sections, when not empty, are the only sections that must be
	// complete: the secrets and validation of the others are skipped (a
	// command that reads only the journal needs store, not Odoo's
	// password). The file is still checked whole (an unknown key is an
	// error everywhere).
	Sections []string
}

// DefaultFile is where the Debian package and the install guide put the
// configuration; every command reads it when --config is not given.
const DefaultFile = "/etc/compago-connector/config.yaml"

// Load layers defaults, the file, the environment and the flags that were
// set, in that order of increasing precedence; reads secrets from their
// files; then validates. The error lists every problem at once, one
// *KeyError per line. Warnings (a file others can read, a plain-HTTP API
// URL) do not stop the daemon; the caller decides how to show them.
func Load(src Source) (*Config, []string, error) {
	l := newLoader(src)
	if src.File == "" {
		return l.run(nil)
	}
	data, mode, err := readFile(src.File, maxConfigFile)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, nil, fmt.Errorf("cannot read config file %s: %w", src.File, err)
	}
	return l.run(&fileLayer{path: src.File, data: data, mode: mode})
}

type fileLayer struct {
	path string
	data []byte
	mode fs.FileMode
}

// loader holds one run of Load.
type loader struct {
	src      Source
	env      map[string]string
	k        *koanf.Koanf
	origin   map[string]string // key -> where its current value came from
	failed   map[string]bool   // keys that already have an error
	errs     []*KeyError
	warnings []string
}

func newLoader(src Source) *loader {
	l := &loader{
		src:    src,
		env:    map[string]string{},
		k:      koanf.New("."),
		origin: map[string]string{},
		failed: map[string]bool{},
	}
	for _, kv := range src.Environ {
		if name, value, ok := strings.Cut(kv, "="); ok {
			l.env[name] = value
		}
	}
	return l
}

func (l *loader) run(file *fileLayer) (*Config, []string, error) {
	if err := l.defaults(); err != nil {
		return nil, nil, err
	}
	if file != nil {
		if err := l.file(file); err != nil {
			return nil, l.warnings, err
		}
	}
	if err := l.environment(); err != nil {
		return nil, l.warnings, err
	}
	if err := l.flags(); err != nil {
		return nil, l.warnings, err
	}
	c, paths := l.decode()
	l.secrets(c, paths)
	if c.Connector.ExternalIDPrefix == "" && c.Odoo.Database != "" {
		c.Connector.ExternalIDPrefix = DeriveExternalIDPrefix(c.Odoo.Database)
	}
	for _, e := range KeyErrors(c.Validate()) {
		if !l.failed[baseKey(e.Key)] && l.needed(e.Key) {
			l.fail(e)
		}
	}
	if len(l.errs) > 0 {
		return nil, l.warnings, joinKeyErrors(l.errs)
	}
	return c, append(l.warnings, c.warnings()...), nil
}

// needed tells whether the key's section must be complete (Source.Sections).
func (l *loader) needed(key string) bool {
	if len(l.src.Sections) == 0 {
		return true
	}
	section, _, _ := strings.Cut(key, ".")
	return slices.Contains(l.src.Sections, section)
}

// fail records a problem, naming where the value came from.
func (l *loader) fail(e *KeyError) {
	if e.Origin == "" {
		e.Origin = l.origin[baseKey(e.Key)]
	}
	l.failed[baseKey(e.Key)] = true
	l.errs = append(l.errs, e)
}

// baseKey returns the key of the table that name is or is an entry of:
// connector.terminals.Shop -> connector.terminals.
func baseKey(name string) string {
	for _, k := range keys {
		if name == k.name || strings.HasPrefix(name, k.name+".") {
			return k.name
		}
	}
	return name
}

func (l *loader) defaults() error {
	c := Defaults()
	if dir := firstDir(l.env["STATE_DIRECTORY"]); dir != "" {
		c.Store.Path = filepath.Join(dir, "journal.db")
	}
	flat := map[string]any{}
	for _, k := range keys {
		switch k.kind {
		case kindSecret, kindPath:
		case kindMap:
			flat[k.name] = map[string]any{}
		default:
			flat[k.name] = k.text(c)
		}
	}
	return l.k.Load(confmap.Provider(flat, "."), nil)
}

// firstDir returns the first of the colon-separated directories systemd
// passes in $STATE_DIRECTORY and $CREDENTIALS_DIRECTORY.
func firstDir(list string) string {
	dir, _, _ := strings.Cut(list, ":")
	return dir
}

func (l *loader) file(f *fileLayer) error {
	m, errs, err := parseYAML(f.data)
	if err != nil {
		return fmt.Errorf("config file %s: %w", f.path, err)
	}
	for _, e := range errs {
		e.Origin = f.path
		l.fail(e)
	}
	if w := permissionWarning("config file "+f.path, f.mode, holdsSecret(m)); w != "" {
		l.warnings = append(l.warnings, w)
	}
	origin := map[string]string{}
	for section, v := range m {
		for name := range v.(map[string]any) {
			origin[section+"."+name] = f.path
		}
	}
	return l.apply(m, origin)
}

func (l *loader) environment() error {
	origin := map[string]string{}
	p := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return l.src.Environ },
		TransformFunc: func(name, value string) (string, any) {
			rest := strings.TrimPrefix(name, EnvPrefix)
			if !strings.Contains(rest, "__") {
				// Not a key (no section): left to the program, e.g. a
				// variable naming the config file.
				return "", nil
			}
			key := strings.ToLower(strings.ReplaceAll(rest, "__", "."))
			if _, ok := lookupKey(key); !ok {
				e := unknownKey(key)
				e.Origin = "$" + name
				l.fail(e)
				return "", nil
			}
			origin[key] = "$" + name
			return key, value
		},
	})
	m, err := p.Read()
	if err != nil {
		return fmt.Errorf("reading the environment: %w", err)
	}
	return l.apply(m, origin)
}

func (l *loader) flags() error {
	if l.src.Flags == nil {
		return nil
	}
	flat := map[string]any{}
	origin := map[string]string{}
	l.src.Flags.Visit(func(f *flag.Flag) {
		if k, ok := lookupKey(f.Name); ok && k.kind != kindSecret {
			flat[f.Name] = f.Value.String()
			origin[f.Name] = "flag -" + f.Name
		}
	})
	m, err := confmap.Provider(flat, ".").Read()
	if err != nil {
		return fmt.Errorf("reading flags: %w", err)
	}
	return l.apply(m, origin)
}

// apply merges one layer (a nested map, and where each key in it came
// from) over the layers below. A secret set in a layer replaces its *_file
// from the layers below and the other way round, so the environment can
// override a file's password_file with a password; setting both in one
// layer is an error, since which one was meant cannot be known. An empty
// secret is no secret: it is ignored rather than allowed to hide a file.
func (l *loader) apply(m map[string]any, origin map[string]string) error {
	for _, s := range secretKeys {
		if v, ok := lookupNested(m, s.name).(string); ok && v == "" {
			deleteNested(m, s.name)
			delete(origin, s.name)
		}
		_, hasSecret := origin[s.name]
		_, hasFile := origin[s.file]
		switch {
		case hasSecret && hasFile:
			l.fail(&KeyError{Key: s.file, Problem: "set together with " + s.name + ": set only one", Origin: origin[s.file]})
		case hasSecret:
			l.k.Delete(s.file)
			delete(l.origin, s.file)
		case hasFile:
			l.k.Delete(s.name)
			delete(l.origin, s.name)
		}
	}
	maps.Copy(l.origin, origin)
	if err := l.k.Load(confmap.Provider(m, ""), nil); err != nil {
		return fmt.Errorf("merging configuration: %w", err)
	}
	return nil
}

func (l *loader) decode() (*Config, map[string]string) {
	c := Defaults()
	paths := map[string]string{}
	for _, k := range keys {
		v := l.k.Get(k.name)
		if v == nil {
			continue
		}
		for _, e := range decode(k, v, c, paths) {
			l.fail(e)
		}
	}
	return c, paths
}

// secrets fills each secret not given inline from its *_file, else from
// the systemd credential of the same name, when there is one.
func (l *loader) secrets(c *Config, paths map[string]string) {
	for _, s := range secretKeys {
		field := s.field(c)
		if *field != "" || l.failed[s.name] || !l.needed(s.name) {
			continue
		}
		if path := paths[s.file]; path != "" {
			secret, mode, err := readSecret(s.file, path)
			if err != nil {
				l.fail(err)
				l.failed[s.name] = true
				continue
			}
			*field = secret
			if w := permissionWarning(s.file+": "+path, mode, true); w != "" {
				l.warnings = append(l.warnings, w)
			}
			continue
		}
		dir := firstDir(l.env["CREDENTIALS_DIRECTORY"])
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, s.credential)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		secret, _, err := readSecret(s.name, path)
		if err != nil {
			err.Origin = "$CREDENTIALS_DIRECTORY"
			l.fail(err)
			continue
		}
		*field = secret
	}
}
