// Package odootest runs real Odoo servers (17.0, 18.0, 19.0 Community) for
// tests: the final judge of every Odoo behaviour the daemon relies on.
//
// Enable it with COMPAGO_TEST_ODOO_SRC, a directory holding odoo-17.0/,
// odoo-18.0/, odoo-19.0/ source trees (each with odoo-bin at its root), or
// the odoo-<version>.tar.gz tarballs of the project's shared copies, which
// are extracted once into the cache directory. Without it every real-Odoo
// test skips, saying how to enable it; with COMPAGO_TEST_ODOO_REQUIRED set
// (CI sets it) they fail instead. The harness installs nothing: it needs
// Debian's /usr/bin/python3 with the packages Odoo imports, and PostgreSQL's
// binaries (see the repository README and .ci/run).
//
// What it does, per test binary:
//
//   - starts one throwaway PostgreSQL (connector/journal/pgtest) with a role
//     "odoo" that can create databases (Odoo refuses to run as "postgres");
//   - per version, once: a template database with point_of_sale installed
//     and configured like a Mexican shop through the external API (MXN as
//     the company currency, a bank journal "Compago", a pos.payment.method
//     "Compago" on it allowed in the "Shop" config, a product for order
//     lines, an opened POS session, and on 19 an API key of scope rpc made
//     with odoo-bin shell);
//   - per test (Start): a copy of the template (CREATE DATABASE ... TEMPLATE,
//     a second or two; the filestore under --data-dir is copied with it), an
//     odoo-bin serving only that database on a free loopback port with
//     crons off (--max-cron-threads=0), threaded, or multi-worker with
//     Options.Workers; everything is stopped and dropped by t.Cleanup.
//   - Options.Shared: the copy is served by the version's shared odoo-bin
//     (one per version and test binary, threaded, its --db-filter
//     admitting the tests' copies only) instead of one of its own: Odoo
//     loads the copy's registry at its first request, and the test saves
//     a Python process start (seconds of a core). Tests that stop or
//     starve their Odoo, or drive a browser, keep a server of their own.
//   - Options.Layer: a setup many tests share (e.g. custom fields, each
//     of which reloads Odoo's registry) is applied once per version and
//     binary to a copy of the template, which the tests then copy.
//   - At most $COMPAGO_TEST_ODOO_SERVERS tests (default 2) hold an Odoo at
//     once; the others wait in Start. go test's -parallel bounds them too.
//
// The template cache. Initialising point_of_sale takes about a minute per
// version on two shared cores, so a built template is kept across runs: a
// pg_dump of it, its filestore and the ids the configuration made, under
// $COMPAGO_TEST_ODOO_CACHE, else the user cache directory
// (os.UserCacheDir()/compago-connector/odoo), in a directory named by a
// hash of the tree's content (every file but __pycache__, or the tarball's
// bytes), the PostgreSQL major version and this package's setup revision.
// A second run restores the dump instead (about ten seconds). Changing the
// tree, PostgreSQL or the setup below makes a new key; delete the cache
// directory to force a rebuild. Builds take a file lock in the cache
// directory, so test binaries running at the same time never initialise
// Odoo in parallel: the second waits and restores what the first built.
//
// Odoo's log for each server goes to a file under
// $TMPDIR/compago-odoo-logs, named in the test's log when the test fails
// (and removed when it passes).
//
// A test binary using the package calls Stop from TestMain after m.Run, so
// that PostgreSQL and its directory go away and the skip summary is printed.
package odootest
