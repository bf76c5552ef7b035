package connector

import (
	"context"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// Observer is told what the engine does, for metrics and health. Its
// methods must be quick and safe for concurrent use; a nil Observer in
// Config means nobody listens.
type Observer interface {
	// Call is one call to "odoo" or "compago": op is the model.method
	// ("pos.order.search_read") or the Compago operation ("create", "get",
	// "cancel"); err is what the client returned.
	Call(system, op string, d time.Duration, err error)
	// Transition is a committed state change of an attempt; age is the
	// time since the attempt was created.
	Transition(from, to journal.State, age time.Duration)
	// Tick says a loop ("watch", "poll", "sync", "create") ran one pass.
	Tick(loop string)
}

type nopObserver struct{}

func (nopObserver) Call(string, string, time.Duration, error)              {}
func (nopObserver) Transition(journal.State, journal.State, time.Duration) {}
func (nopObserver) Tick(string)                                            {}

// observedOdoo reports every Odoo call to the observer.
type observedOdoo struct {
	Odoo
	obs Observer
	now func() time.Time
}

// versioned is an Odoo client that knows the server's version once
// connected (*odoo.Client).
type versioned interface{ Version() odoo.Version }

// Version is the wrapped client's server version; the zero Version when
// the client cannot tell.
func (o observedOdoo) Version() odoo.Version {
	if v, ok := o.Odoo.(versioned); ok {
		return v.Version()
	}
	return odoo.Version{}
}

func (o observedOdoo) done(op string, start time.Time, err error) error {
	o.obs.Call("odoo", op, o.now().Sub(start), err)
	return err
}

func (o observedOdoo) SearchRead(ctx context.Context, model string, domain odoo.Domain, q odoo.Query, out any) error {
	start := o.now()
	return o.done(model+".search_read", start, o.Odoo.SearchRead(ctx, model, domain, q, out))
}

func (o observedOdoo) Read(ctx context.Context, model string, ids []int64, fields []string, out any) error {
	start := o.now()
	return o.done(model+".read", start, o.Odoo.Read(ctx, model, ids, fields, out))
}

func (o observedOdoo) Write(ctx context.Context, model string, ids []int64, vals map[string]any) error {
	start := o.now()
	return o.done(model+".write", start, o.Odoo.Write(ctx, model, ids, vals))
}

func (o observedOdoo) Create(ctx context.Context, model string, vals, ctxVals map[string]any) (int64, error) {
	start := o.now()
	id, err := o.Odoo.Create(ctx, model, vals, ctxVals)
	return id, o.done(model+".create", start, err)
}

func (o observedOdoo) Execute(ctx context.Context, call odoo.Call, out any) error {
	start := o.now()
	return o.done(call.Model+"."+call.Method, start, o.Odoo.Execute(ctx, call, out))
}

// observedCompago reports every Compago call to the observer.
type observedCompago struct {
	Compago
	obs Observer
	now func() time.Time
}

func (c observedCompago) Create(ctx context.Context, p compago.CreateParams) (*compago.Intent, error) {
	start := c.now()
	in, err := c.Compago.Create(ctx, p)
	c.obs.Call("compago", "create", c.now().Sub(start), err)
	return in, err
}

func (c observedCompago) Get(ctx context.Context, id string) (*compago.Intent, error) {
	start := c.now()
	in, err := c.Compago.Get(ctx, id)
	c.obs.Call("compago", "get", c.now().Sub(start), err)
	return in, err
}

func (c observedCompago) Cancel(ctx context.Context, id string) (*compago.Intent, error) {
	start := c.now()
	in, err := c.Compago.Cancel(ctx, id)
	c.obs.Call("compago", "cancel", c.now().Sub(start), err)
	return in, err
}
