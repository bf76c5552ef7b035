package config

import "flag"

// RegisterFlags defines one string flag per key on fs, named as the key:
// -odoo.url, -compago.poll_interval, -connector.terminals "Shop=T-1,Bar=T-2".
// Secrets have only their *_file flag: a command line is readable by every
// user of the machine (ps, /proc/<pid>/cmdline).
func RegisterFlags(fs *flag.FlagSet) {
	d := Defaults()
	for _, k := range keys {
		if k.kind == kindSecret {
			continue
		}
		fs.String(k.name, k.text(d), "`"+k.kind.typeName()+"`: "+k.usage)
	}
}

// typeName is how a flag's value is written, for the usage.
func (k kind) typeName() string {
	switch k {
	case kindDuration:
		return "duration"
	case kindInt:
		return "int"
	case kindMap:
		return "name=value,..."
	case kindPath:
		return "file"
	}
	return "string"
}
