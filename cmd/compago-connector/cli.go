package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compago-odoo/connector/config"
)

// Exit status, the same for every command (README, "Exit status"):
//
//	0  done; nothing found (reconcile, check, doctor)
//	1  found problems, or refused (nothing was changed; the reason is printed)
//	2  could not run: bad usage, or a config, journal, Odoo or Compago that
//	   could not be read
const exitStatusTable = `Exit status: 0 done (nothing found), 1 found problems or refused,
2 could not run (bad usage; config, journal, Odoo or Compago unreadable).
`

// helpShown ends a command after its usage was printed on request: exit 0.
const helpShown = exitCode(0)

// command is one command's flag set and the convention every command
// keeps: -h and --help print the described usage on stdout and exit 0; an
// unknown flag or a bad value prints one error line and exits 2. Flags are
// written --name (-name works too); a flag that sets a configuration key
// is named as the key (--log.level, --compago.poll_interval), every other
// flag in kebab case (--odoo-addr).
type command struct {
	name     string // "reconcile", "intents list"
	synopsis string // the arguments after the name, for the usage line
	about    string // what the command does, one paragraph or more
	fs       *flag.FlagSet
	stdout   io.Writer
	stderr   io.Writer
	file     *string         // --config, when the command reads the configuration
	keys     map[string]bool // flags that set a configuration key, listed after the command's own
	env      []string        // added to the environment the configuration is read from
}

func newCommand(name, synopsis, about string, stdout, stderr io.Writer) *command {
	c := &command{name: name, synopsis: synopsis, about: about, stdout: stdout, stderr: stderr,
		fs: flag.NewFlagSet(name, flag.ContinueOnError), keys: map[string]bool{}}
	// The flag package's own messages are replaced by one line (usageError).
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	return c
}

// withConfig adds --config and one flag per configuration key.
func (c *command) withConfig() *command {
	c.file = c.fs.String("config", "", "`FILE`: the YAML configuration; when not given, $"+configFileEnv+
		", else "+config.DefaultFile+" when it exists")
	own := map[string]bool{}
	c.fs.VisitAll(func(f *flag.Flag) { own[f.Name] = true })
	config.RegisterFlags(c.fs)
	c.fs.VisitAll(func(f *flag.Flag) { c.keys[f.Name] = !own[f.Name] })
	return c
}

// parse parses args, flags anywhere among the positional arguments, and
// returns the positional ones. The error is an exitCode once the command
// has said why (usage printed on -h or --help, or one error line).
func (c *command) parse(args []string) ([]string, error) {
	rest, help, err := c.parseArgs(args)
	if err != nil {
		return nil, err
	}
	if help {
		c.usage(c.stdout)
		return nil, helpShown
	}
	return rest, nil
}

// parseArgs is parse for a command that names itself from its first
// positional argument (intents list): it tells whether help was asked
// for, and lets the caller print the usage.
func (c *command) parseArgs(args []string) (rest []string, help bool, err error) {
	var kept []string
	for i, a := range args {
		if a == "--" {
			kept = append(kept, args[i:]...)
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			help = true
			continue
		}
		kept = append(kept, a)
	}
	args = kept
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, false, c.usageError(err)
		}
		if c.fs.NArg() == 0 {
			return rest, help, nil
		}
		rest = append(rest, c.fs.Arg(0))
		args = c.fs.Args()[1:]
	}
}

// noArgs passes on parse's result, refusing positional arguments.
func (c *command) noArgs(rest []string, err error) error {
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.usageError(fmt.Errorf("unexpected argument %q", rest[0]))
	}
	return nil
}

// usageError prints err as the one line of a bad usage and returns exit 2.
func (c *command) usageError(err error) error {
	fmt.Fprintf(c.stderr, "compago-connector %s: %s (see compago-connector %s --help)\n", c.name,
		strings.ReplaceAll(err.Error(), "\n", "; "), c.name)
	return exitCode(2)
}

// failed prints why the command could not run and returns exit 2.
func (c *command) failed(err error) error {
	fmt.Fprintf(c.stderr, "compago-connector %s: %s\n", c.name, printable(err.Error()))
	return exitCode(2)
}

// usage prints the described usage: the synopsis, what the command does,
// then each flag with its type and default.
func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: compago-connector %s %s\n\n", c.name, c.synopsis)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(c.about, "\n"))
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, exitStatusTable)
	var own, keys []*flag.Flag
	c.fs.VisitAll(func(f *flag.Flag) {
		if c.keys[f.Name] {
			keys = append(keys, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, f := range own {
			printFlag(w, f)
		}
	}
	if len(keys) > 0 {
		fmt.Fprintln(w, "\nConfiguration keys (each overrides the file and the environment; see the example configuration):")
		for _, f := range keys {
			printFlag(w, f)
		}
	}
}

// printFlag prints one flag: --name TYPE, then its description and default.
func printFlag(w io.Writer, f *flag.Flag) {
	typ, usage := flag.UnquoteUsage(f)
	if typ == "" {
		typ = "bool"
	}
	if typ == "value" {
		typ = "string"
	}
	usage = strings.TrimPrefix(usage, typ+": ")
	def := f.DefValue
	if def == "" {
		def = `""`
	}
	fmt.Fprintf(w, "  --%s %s\n      %s (default %s)\n", f.Name, typ, usage, def)
}

// configFileEnv names the configuration file when --config is not given
// (a second installation, or a test's throwaway root).
const configFileEnv = "COMPAGO_CONNECTOR_CONFIG"

// configFile is the file every command reads: --config, else
// $COMPAGO_CONNECTOR_CONFIG, else the installed one when it exists.
func (c *command) configFile() string {
	if c.file != nil && *c.file != "" {
		return *c.file
	}
	if f := os.Getenv(configFileEnv); f != "" {
		return f
	}
	if _, err := os.Stat(config.DefaultFile); err == nil {
		return config.DefaultFile
	}
	return ""
}

// loadConfig loads the configuration as the service gets it: the file,
// and the secrets beside it as the systemd credentials the unit loads
// from there (when systemd did not set $CREDENTIALS_DIRECTORY itself).
// Only the sections named are required to be complete (none: all), so
// that a command reading only the journal needs no Odoo or Compago secret.
func (c *command) loadConfig(sections ...string) (*config.Config, []string, error) {
	file := c.configFile()
	return config.Load(config.Source{File: file, Environ: append(serviceEnviron(file), c.env...), Flags: c.fs, Sections: sections})
}

// serviceEnviron is the process environment, plus CREDENTIALS_DIRECTORY
// set to the config file's directory when systemd did not set it: the
// unit loads the credentials from there (LoadCredential=), so a command
// run by hand reads the same secrets the service gets.
func serviceEnviron(file string) []string {
	env := os.Environ()
	if os.Getenv("CREDENTIALS_DIRECTORY") == "" && file != "" {
		env = append(env, "CREDENTIALS_DIRECTORY="+filepath.Dir(file))
	}
	return env
}
