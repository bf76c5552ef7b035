package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/odoo"
)

// setupOptions are setup's own flags.
type setupOptions struct {
	file          string
	admin         string // an administrator's login: make the dedicated user
	adminPassword string
	passwordFile  string // --admin-password-file
	keyFile       string // where the dedicated user's key is written
	newKey        bool
}

// registerSetupFlags gives setup its own flags (before the configuration
// keys, so that the usage lists them first).
func registerSetupFlags(fs *flag.FlagSet) *setupOptions {
	opt := &setupOptions{}
	fs.StringVar(&opt.admin, "admin", "", "an Odoo administrator's login: make the dedicated user "+grant.UserLogin+" (odoo.username) in the group \""+grant.GroupName+"\", with an API key")
	fs.StringVar(&opt.passwordFile, "admin-password-file", "", "file holding the administrator's password (\"-\": stdin); default: asked on the terminal")
	fs.StringVar(&opt.keyFile, "key-file", "", "where to write the dedicated user's API key (default $CREDENTIALS_DIRECTORY/odoo-password, else odoo-password beside the config file)")
	fs.BoolVar(&opt.newKey, "new-key", false, "make a new API key even when the dedicated user has one")
	return opt
}

// readAdmin reads the administrator's password (from --admin-password-file,
// else stdin, echo off on a terminal) and settles where the key goes. The
// config's odoo password is the dedicated user's key, which may not exist
// yet: setup logs in as the administrator instead, so any value satisfies
// the config's check.
func (opt *setupOptions) readAdmin(c *command, stdin *os.File, stderr io.Writer) error {
	pw, err := readAdminPassword(opt.passwordFile, opt.admin, stdin, stderr)
	if err != nil {
		return err
	}
	opt.adminPassword = pw
	opt.file = c.configFile()
	if opt.keyFile == "" {
		opt.keyFile = defaultKeyFile(opt.file)
	}
	c.env = append(c.env, "COMPAGO_CONNECTOR_ODOO__PASSWORD=setup-logs-in-as-the-administrator")
	return nil
}

// defaultKeyFile is where the service reads the Odoo secret: the systemd
// credential odoo-password, which the unit loads from the config's
// directory.
func defaultKeyFile(configFile string) string {
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		return filepath.Join(strings.Split(dir, ":")[0], "odoo-password")
	}
	if configFile != "" {
		return filepath.Join(filepath.Dir(configFile), "odoo-password")
	}
	return ""
}

func readAdminPassword(file, login string, stdin *os.File, stderr io.Writer) (string, error) {
	read := func(r io.Reader) (string, error) {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	var pw string
	var err error
	switch file {
	case "":
		fmt.Fprintf(stderr, "Odoo password of %s: ", login)
		pw, err = withoutEcho(stdin, func() (string, error) { return read(stdin) })
		fmt.Fprintln(stderr)
	case "-":
		pw, err = read(stdin)
	default:
		var f *os.File
		if f, err = os.Open(file); err == nil {
			pw, err = read(f)
			f.Close()
		}
	}
	if err != nil {
		return "", fmt.Errorf("read the administrator's password: %w", err)
	}
	if pw == "" {
		return "", errors.New("the administrator's password is empty")
	}
	return pw, nil
}

// setupDedicated logs in as the administrator, creates the fields, the
// group and the dedicated user, and writes a new key where the service
// reads it. The key is shown on the terminal only when it cannot be
// written, once.
func setupDedicated(ctx context.Context, cfg *config.Config, opt setupOptions, out io.Writer) error {
	login := cfg.Odoo.Username
	if login == opt.admin {
		login = grant.UserLogin
	}
	admin := *cfg
	admin.Odoo.Username, admin.Odoo.Password = opt.admin, config.Secret(opt.adminPassword)
	if admin.Odoo.Protocol == "json2" {
		admin.Odoo.Protocol = "jsonrpc" // an administrator's password, not a key
	}
	oc, err := newOdooClient(&admin)
	if err != nil {
		return err
	}
	if err := oc.Connect(ctx); err != nil {
		return fmt.Errorf("log in to Odoo at %s as %s: %w", config.RedactURL(cfg.Odoo.URL), opt.admin, err)
	}
	if held, err := grant.Privileges(ctx, oc, oc.Version().Major, oc.UID()); err != nil || len(held) == 0 {
		return fmt.Errorf("%s is not an Odoo administrator (Settings): setup needs one to make the group and the user", opt.admin)
	}
	if err := setupOdoo(ctx, oc, cfg, out); err != nil {
		return err
	}
	res, err := grant.Setup(ctx, oc, oc.Version().Major, grant.Web{URL: cfg.Odoo.URL, Database: cfg.Odoo.Database, Timeout: cfg.Odoo.Timeout}, login, opt.newKey)
	if err != nil {
		return err
	}
	reportGrant(out, res)
	if login != cfg.Odoo.Username {
		fmt.Fprintf(out, "set odoo.username: %s in the configuration: the service must log in as the dedicated user\n", login)
	}
	if res.Key == "" {
		return checkExistingKey(ctx, cfg, login, opt.keyFile, out)
	}
	if res.Keys > 0 {
		fmt.Fprintf(out, "%s had %d API key(s) named %q before: remove them in Odoo (Settings > Users > %s > Account Security) once the service runs with the new one\n",
			login, res.Keys, grant.KeyName, login)
	}
	if err := writeSecretFile(opt.keyFile, res.Key); err != nil {
		fmt.Fprintf(out, "could not write the API key (%v); it is shown once, here; put it in the odoo-password credential (odoo.password_file) yourself:\n%s\n", err, res.Key)
		return nil
	}
	fmt.Fprintf(out, "wrote the API key of %s to %s (mode 0600); restart the service to use it\n", login, opt.keyFile)
	return nil
}

func reportGrant(out io.Writer, res grant.Result) {
	switch {
	case res.Group.FromAddon:
		fmt.Fprintf(out, "group %q: the addon's\n", grant.GroupName)
	case res.Group.Created:
		fmt.Fprintf(out, "created group %q (%s.%s)\n", grant.GroupName, grant.GroupModule, grant.GroupXMLID)
	default:
		fmt.Fprintf(out, "group %q already present\n", grant.GroupName)
	}
	if len(res.Group.Changed) > 0 {
		fmt.Fprintf(out, "group rights set on: %s\n", strings.Join(res.Group.Changed, ", "))
	}
	if res.User.Created {
		fmt.Fprintf(out, "created user %s (id %d) in that group only\n", res.User.Login, res.User.ID)
	} else {
		fmt.Fprintf(out, "user %s (id %d) already present, in that group\n", res.User.Login, res.User.ID)
	}
}

// checkExistingKey: the user has a key and none was asked for; say whether
// the service's secret logs in with it.
func checkExistingKey(ctx context.Context, cfg *config.Config, login, keyFile string, out io.Writer) error {
	data, err := os.ReadFile(keyFile)
	if err == nil {
		c := *cfg
		c.Odoo.Username, c.Odoo.Password = login, config.Secret(strings.TrimSpace(string(data)))
		var oc *odoo.Client
		if oc, err = newOdooClient(&c); err == nil {
			err = oc.Connect(ctx)
		}
	}
	if err != nil {
		fmt.Fprintf(out, "%s has an API key already, but %s does not log in as it (%v): run setup again with --new-key to make one\n", login, keyFile, err)
		return exitCode(1)
	}
	fmt.Fprintf(out, "%s has an API key already; %s logs in with it (no new key made)\n", login, keyFile)
	return nil
}

// writeSecretFile writes secret to path, readable by its owner only,
// replacing the file whole.
func writeSecretFile(path, secret string) error {
	if path == "" {
		return errors.New("no file to write it to (give --key-file or --config)")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".odoo-password-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
