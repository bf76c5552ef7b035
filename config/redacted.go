package config

import (
	"maps"
)

// Redacted returns every key with its value for printing (the `check`
// command, debugging): strings for scalars and durations, map[string]string
// for mappings, "[redacted]" for a set secret and "" for an unset one.
// *_file keys are not listed: the secret they fed is.
func (c *Config) Redacted() map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		switch k.kind {
		case kindPath:
			continue
		case kindSecret:
			out[k.name] = k.field(c).(*Secret).String()
		case kindMap:
			m := maps.Clone(*k.field(c).(*map[string]string))
			if m == nil {
				m = map[string]string{}
			}
			out[k.name] = m
		case kindString:
			if k.name == "odoo.url" || k.name == "compago.base_url" {
				out[k.name] = RedactURL(k.text(c))
				continue
			}
			out[k.name] = k.text(c)
		default:
			out[k.name] = k.text(c)
		}
	}
	return out
}
