package journal

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one numbered schema step, migrations/<driver>/NNNN_name.sql.
// Both drivers have the same steps under the same numbers and names, each
// in its own SQL.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded steps of a driver ("sqlite", "postgres") in
// order. The numbers must run 1, 2, 3... without gaps; a build with a broken
// list panics at the first open, which every test catches.
func migrations(driver string) []migration {
	names, err := fs.Glob(migrationFiles, "migrations/"+driver+"/*.sql")
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic(fmt.Sprintf("journal: migration %s: name must be NNNN_name.sql", base))
		}
		body, err := migrationFiles.ReadFile(n)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("journal: migration %s out of sequence: want number %d", m.name, i+1))
		}
	}
	return ms
}

// SchemaVersion is the highest migration this build knows (the same for
// both drivers).
func SchemaVersion() int { return len(migrations("sqlite")) }

// migrate applies the missing steps, each in its own transaction together
// with its row in schema_migrations, so a crash mid-way leaves the journal
// at the previous step. A journal from a newer build is refused: this build
// cannot know what the newer columns mean.
func migrate(ctx context.Context, s *SQLite) error {
	err := s.inWrite(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at BIGINT  NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	ms := migrations("sqlite")
	if current > len(ms) {
		return errNewer(current, len(ms))
	}
	for _, m := range ms[current:] {
		err := s.inWrite(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.stamp())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *SQLite) schemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func errNewer(current, known int) error {
	return fmt.Errorf("journal schema version %d is newer than this build knows (%d): upgrade compago-connector", current, known)
}
