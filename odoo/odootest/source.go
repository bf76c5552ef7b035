package odootest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Environment that steers the real-Odoo tests.
const (
	// EnvSrc names the directory of Odoo source trees or tarballs.
	EnvSrc = "COMPAGO_TEST_ODOO_SRC"
	// EnvRequired, when set to anything, makes a missing Odoo (no source,
	// no python3, no PostgreSQL) a test failure instead of a skip.
	EnvRequired = "COMPAGO_TEST_ODOO_REQUIRED"
	// EnvCache overrides the cache directory (extracted tarballs, templates).
	EnvCache = "COMPAGO_TEST_ODOO_CACHE"
	// EnvServers bounds how many Odoo servers a test binary runs at once
	// (default DefaultServers); go test's -parallel bounds them too.
	EnvServers = "COMPAGO_TEST_ODOO_SERVERS"
)

// DefaultServers is the default bound of Odoo servers running at once in
// a test binary: two, for a machine of two cores.
const DefaultServers = 2

// Versions are the Odoo versions the harness knows how to set up.
var Versions = []string{"17.0", "18.0", "19.0"}

// python is Debian's interpreter: the one the packages Odoo needs are
// installed for, whatever else is first on PATH.
const python = "/usr/bin/python3"

const howTo = "real-Odoo tests need " + EnvSrc + ": a directory with odoo-17.0/, odoo-18.0/, odoo-19.0/ source trees " +
	"or their odoo-<version>.tar.gz (e.g. " + EnvSrc + "=$PWD/../shared/odoo), Debian's /usr/bin/python3 with Odoo's " +
	"python3-* packages and PostgreSQL (see .ci/run)"

// cacheDir is where extracted tarballs and templates are kept.
func cacheDir() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("odootest: no cache directory (set %s): %w", EnvCache, err)
	}
	return filepath.Join(base, "compago-connector", "odoo"), nil
}

// tree is one Odoo source tree, with the hash of its content.
type tree struct {
	dir     string // holds odoo-bin
	version string // "17.0"
	major   int
	hash    string // hex sha256 of the content (or of the tarball it came from)
}

var trees struct {
	mu   sync.Mutex
	byID map[string]*tree
}

// findTree resolves the tree of version under $EnvSrc: a directory
// odoo-<version>/ with odoo-bin, else odoo-<version>.tar.gz extracted once
// into the cache.
func findTree(version string) (*tree, error) {
	src := os.Getenv(EnvSrc)
	if src == "" {
		return nil, missing{errors.New(EnvSrc + " is not set")}
	}
	trees.mu.Lock()
	defer trees.mu.Unlock()
	if t := trees.byID[version]; t != nil {
		return t, nil
	}
	var major int
	if _, err := fmt.Sscanf(version, "%d.", &major); err != nil {
		return nil, fmt.Errorf("odootest: version %q is not like 17.0", version)
	}
	t := &tree{version: version, major: major}
	dir := filepath.Join(src, "odoo-"+version)
	tgz := filepath.Join(src, "odoo-"+version+".tar.gz")
	var err error
	switch {
	case isFile(filepath.Join(dir, "odoo-bin")):
		t.dir = dir
		t.hash, err = hashTree(dir)
	case isFile(tgz):
		t.hash, err = hashFile(tgz)
		if err == nil {
			t.dir, err = extract(tgz, t.hash, version)
		}
	default:
		return nil, missing{fmt.Errorf("odootest: neither %s/odoo-bin nor %s exists", dir, tgz)}
	}
	if err != nil {
		return nil, err
	}
	if trees.byID == nil {
		trees.byID = map[string]*tree{}
	}
	trees.byID[version] = t
	return t, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// hashTree hashes every file's path and bytes, leaving out what Python
// writes (__pycache__, .pyc): a tree is its content, not its mtimes.
func hashTree(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "__pycache__" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".pyc") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("odootest: read the tree %s: %w", dir, err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00", rel)
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("odootest: hash %s: %w", p, err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("odootest: hash %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("odootest: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("odootest: hash %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extract unpacks the tarball into cache/src/<hash>/ once (under the cache
// lock) and returns the tree's directory.
func extract(tgz, hash, version string) (string, error) {
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	final := filepath.Join(cache, "src", hash[:16])
	dir := filepath.Join(final, "odoo-"+version)
	if isFile(filepath.Join(dir, "odoo-bin")) {
		return dir, nil
	}
	unlock, err := lockCache(cache)
	if err != nil {
		return "", err
	}
	defer unlock()
	if isFile(filepath.Join(dir, "odoo-bin")) { // another test binary did it meanwhile
		return dir, nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(cache, "src"), ".extract-")
	if err != nil {
		return "", fmt.Errorf("odootest: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := untar(tgz, tmp); err != nil {
		return "", err
	}
	if !isFile(filepath.Join(tmp, "odoo-"+version, "odoo-bin")) {
		return "", fmt.Errorf("odootest: %s holds no odoo-%s/odoo-bin", tgz, version)
	}
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("odootest: %w", err)
	}
	return dir, nil
}

func untar(tgz, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("odootest: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("odootest: %s: %w", tgz, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("odootest: %s: %w", tgz, err)
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("odootest: %s: entry %q leaves the tree", tgz, h.Name)
		}
		p := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("odootest: %w", err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("odootest: %w", err)
			}
			out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(h.Mode)&0o755|0o644)
			if err != nil {
				return fmt.Errorf("odootest: %w", err)
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("odootest: extract %s: %w", name, err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, p); err != nil {
				return fmt.Errorf("odootest: %w", err)
			}
		}
	}
}

// lockCache takes the cache's file lock: one extraction or template build
// at a time on the machine, across test binaries.
func lockCache(cache string) (func(), error) {
	if err := os.MkdirAll(filepath.Join(cache, "src"), 0o755); err != nil {
		return nil, fmt.Errorf("odootest: cache directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(cache, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("odootest: cache lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("odootest: cache lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// missing is a prerequisite the machine lacks (a tree, python3,
// PostgreSQL): the tests skip on it unless Odoo is required.
type missing struct{ error }

func isMissing(err error) bool {
	var m missing
	return errors.As(err, &m)
}
