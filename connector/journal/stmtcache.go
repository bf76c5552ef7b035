package journal

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds the prepared reads kept: the journal's reads take a
// handful of shapes; a filter with an id list of a new length is one more.
const stmtCacheSize = 128

// stmtCache keeps the journal's frequent reads prepared. Parsing SQL is
// most of what a read costs on the pure-Go SQLite: with hundreds of
// pending intents, each polled every few seconds, it was a quarter of the
// daemon's CPU.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepared returns the statement for query, preparing it on first use;
// nil when the cache is full or the prepare failed (the caller then runs
// the query unprepared, which reports any error).
func (c *stmtCache) prepared(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= stmtCacheSize
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok {
		st.Close()
		return prev
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// cachedDB runs reads on the pool through prepared statements.
type cachedDB struct {
	db    *sql.DB
	cache *stmtCache
}

func (c cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.cache.prepared(ctx, c.db, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

func (c cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.cache.prepared(ctx, c.db, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}
