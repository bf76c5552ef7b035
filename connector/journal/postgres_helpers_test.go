package journal_test

import (
	"context"
	"testing"

	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// appliedPostgres lists the migration versions recorded in schema.
func appliedPostgres(t *testing.T, dsn, schema string) []int {
	t.Helper()
	db, err := pgtest.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `SELECT version FROM `+schema+`.schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
