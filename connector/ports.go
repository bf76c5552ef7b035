package connector

import (
	"context"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// Journal is what the engine needs of the durable journal. journal.SQLite
// and journal.Postgres (a group of daemons sharing one journal) implement it.
type Journal interface {
	Begin(ctx context.Context, n journal.NewAttempt) (journal.Attempt, error)
	Insert(ctx context.Context, a journal.Attempt) (journal.Attempt, error)
	Update(ctx context.Context, id int64, fn func(a *journal.Attempt) error) (journal.Attempt, error)
	MarkSynced(ctx context.Context, id, version int64) error
	SyncFailed(ctx context.Context, id int64, errText string, attention bool) error
	Get(ctx context.Context, id int64) (journal.Attempt, error)
	Latest(ctx context.Context, orderID int64) (journal.Attempt, error)
	ByIntent(ctx context.Context, intentID string) (journal.Attempt, error)
	List(ctx context.Context, f journal.Filter) ([]journal.Attempt, error)
	Prune(ctx context.Context, before time.Time) (int64, error)

	// Leases, used when several daemons share the journal (Config.Shared).
	Claim(ctx context.Context, attemptID int64, owner, kind string, ttl time.Duration) (journal.Lease, bool, error)
	ClaimDue(ctx context.Context, owner, kind string, f journal.Filter, ttl time.Duration) ([]journal.Lease, error)
	Renew(ctx context.Context, l journal.Lease, ttl time.Duration) (journal.Lease, error)
	Release(ctx context.Context, l journal.Lease) error
	TryLeader(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
}

// Odoo is what the engine needs of the Odoo client.
type Odoo interface {
	SearchRead(ctx context.Context, model string, domain odoo.Domain, q odoo.Query, out any) error
	Read(ctx context.Context, model string, ids []int64, fields []string, out any) error
	Write(ctx context.Context, model string, ids []int64, vals map[string]any) error
	Create(ctx context.Context, model string, vals map[string]any, ctxVals map[string]any) (int64, error)
	Execute(ctx context.Context, call odoo.Call, out any) error
}

// Compago is what the engine needs of the Compago client.
type Compago interface {
	Create(ctx context.Context, p compago.CreateParams) (*compago.Intent, error)
	Get(ctx context.Context, id string) (*compago.Intent, error)
	Cancel(ctx context.Context, id string) (*compago.Intent, error)
}
