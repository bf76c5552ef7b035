package journal

import "context"

// OpenSQLiteWithPragmas lets tests add pragmas, such as a size limit that
// makes the database behave like a full disk.
var OpenSQLiteWithPragmas = openSQLite

// MigrationNames lists a driver's embedded migrations, in order.
func MigrationNames(driver string) []string {
	var names []string
	for _, m := range migrations(driver) {
		names = append(names, m.name)
	}
	return names
}

// HoldAttemptRow plays a daemon stopped inside a journal transaction: one
// of p's own pool connections (with the session settings every journal
// connection gets) begins, locks the attempt's row as every write does,
// and then does nothing. resume is the daemon waking up: it commits, and
// reports what PostgreSQL made of its transaction meanwhile.
func HoldAttemptRow(ctx context.Context, p *Postgres, id int64) (resume func() error, err error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM attempts WHERE id = $1 FOR NO KEY UPDATE`, id); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx.Commit, nil
}

// SessionSetting reads one setting of a journal connection.
func SessionSetting(ctx context.Context, p *Postgres, name string) (string, error) {
	var v string
	err := p.db.QueryRowContext(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}
