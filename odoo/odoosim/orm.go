package odoosim

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// db is the in-memory database of one simulated Odoo: its registry of models
// and their records. A single mutex in Server serializes every call, which
// gives each RPC the isolation of its own transaction; tx undoes its changes
// when the call fails, like Odoo's rollback.
type db struct {
	version int
	name    string
	now     func() time.Time
	models  map[string]*model
	names   []string // registry order, for ir.model ids

	passwords map[int64]string
	apiKeys   map[string]int64
	// seqs are ir.sequence counters; like PostgreSQL sequences they are not
	// rolled back.
	seqs map[string]int64
}

// unknownField is the ValueError for a field the model lacks: "on model"
// up to 18; 19 says "on" for read and "in" for create and write (recorded
// on 19.0).
func (t *tx) unknownField(m *model, name, prep string) *Fault {
	if t.db.version >= 19 {
		return valueError("Invalid field %s %s %s", pyRepr(name), prep, pyRepr(m.name))
	}
	return valueError("Invalid field %s on model %s", pyRepr(name), pyRepr(m.name))
}

// nextNoGap takes the next number of a no_gap ir.sequence: a row Odoo
// updates in the call's transaction, so a failed call gives it back.
func (t *tx) nextNoGap(key string) int64 {
	n := t.db.nextSeq(key)
	t.undo = append(t.undo, func() { t.db.seqs[key]-- })
	return n
}

func (d *db) nextSeq(key string) int64 {
	if d.seqs == nil {
		d.seqs = map[string]int64{}
	}
	d.seqs[key]++
	return d.seqs[key]
}

type model struct {
	name        string
	description string
	fields      []*field
	byName      map[string]*field
	order       string
	recs        map[int64]*record
	nextID      int64
	methods     map[string]*method
	recName     string
	transient   bool

	displayName func(t *tx, r *record) string
	// beforeCreate adjusts the values of a new record (Odoo's create overrides).
	beforeCreate func(t *tx, vals map[string]any) error
	afterCreate  func(t *tx, r *record) error
	beforeWrite  func(t *tx, recs []*record, vals map[string]any) error
	afterWrite   func(t *tx, recs []*record, vals map[string]any) error
	beforeUnlink func(t *tx, recs []*record) error
	afterUnlink  func(t *tx, recs []*record) error // recs are gone; their values are still readable
	constraints  []func(t *tx, r *record) error
}

type record struct {
	id   int64
	vals map[string]any
}

func newModel(name, description, order string) *model {
	return &model{name: name, description: description, order: order,
		byName: map[string]*field{}, recs: map[int64]*record{}, nextID: 1,
		methods: map[string]*method{}, recName: "name"}
}

func (m *model) addField(f *field) *field {
	if old := m.byName[f.Name]; old != nil {
		*old = *f
		return old
	}
	m.fields = append(m.fields, f)
	m.byName[f.Name] = f
	return f
}

func (m *model) removeField(name string) {
	delete(m.byName, name)
	m.fields = slices.DeleteFunc(m.fields, func(f *field) bool { return f.Name == name })
}

// sortedIDs lists the ids of the model's records in id order.
func (m *model) sortedIDs() []int64 {
	ids := make([]int64, 0, len(m.recs))
	for id := range m.recs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// recordsLabel is Python's repr of a recordset: pos.order(1, 2) or pos.order(7,).
func recordsLabel(model string, ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	inner := strings.Join(parts, ", ")
	if len(ids) == 1 {
		inner += ","
	}
	return model + "(" + inner + ")"
}

// tx is one call's transaction: who runs it, its context and its undo log.
type tx struct {
	db   *db
	uid  int64
	ctx  map[string]any
	now  time.Time
	undo []func()
	// pendingPassword carries a new user's password from beforeCreate to
	// afterCreate, outside the record.
	pendingPassword string
}

func (d *db) begin(uid int64, ctx map[string]any) *tx {
	if ctx == nil {
		ctx = map[string]any{}
	}
	return &tx{db: d, uid: uid, ctx: ctx, now: d.now().UTC().Truncate(time.Second)}
}

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

func (t *tx) model(name string) *model { return t.db.models[name] }

// setRaw stores a converted value and logs how to undo it.
func (t *tx) setRaw(r *record, name string, v any) {
	old, had := r.vals[name]
	t.undo = append(t.undo, func() {
		if had {
			r.vals[name] = old
		} else {
			delete(r.vals, name)
		}
	})
	r.vals[name] = v
}

func (t *tx) insert(m *model, id int64) *record {
	r := &record{id: id, vals: map[string]any{}}
	m.recs[id] = r
	t.undo = append(t.undo, func() { delete(m.recs, id) })
	return r
}

func (t *tx) remove(m *model, r *record) {
	delete(m.recs, r.id)
	t.undo = append(t.undo, func() { m.recs[r.id] = r })
}

// get is a field's current value in internal form, computed if need be.
func (t *tx) get(m *model, r *record, name string) any {
	f := m.byName[name]
	if f == nil {
		return nil
	}
	switch {
	case f.compute != nil:
		return f.compute(t, r)
	case f.Type == "one2many":
		return t.one2manyIDs(f, r.id)
	case f.Type == "many2many" && f.via != "":
		return t.viaIDs(f, r.id)
	}
	v, ok := r.vals[name]
	if !ok || v == nil {
		return f.emptyValue()
	}
	return v
}

func (t *tx) getString(m *model, r *record, name string) string {
	s, _ := t.get(m, r, name).(string)
	return s
}

func (t *tx) getID(m *model, r *record, name string) int64 {
	id, _ := t.get(m, r, name).(int64)
	return id
}

func (t *tx) getFloat(m *model, r *record, name string) float64 {
	x, _ := t.get(m, r, name).(float64)
	return x
}

// follow returns the record a many2one points to, or nil.
func (t *tx) follow(m *model, r *record, name string) (*model, *record) {
	f := m.byName[name]
	if f == nil || r == nil {
		return nil, nil
	}
	comodel := t.db.models[f.Relation]
	id, _ := t.get(m, r, name).(int64)
	if comodel == nil || id == 0 {
		return comodel, nil
	}
	return comodel, comodel.recs[id]
}

func (t *tx) one2manyIDs(f *field, id int64) []int64 {
	comodel := t.db.models[f.Relation]
	if comodel == nil || f.inverse == "" {
		return nil
	}
	var ids []int64
	for _, cid := range comodel.sortedIDs() {
		if v, _ := comodel.recs[cid].vals[f.inverse].(int64); v == id {
			ids = append(ids, cid)
		}
	}
	return t.sortByDefault(comodel, ids)
}

func (t *tx) viaIDs(f *field, id int64) []int64 {
	comodel := t.db.models[f.Relation]
	if comodel == nil {
		return nil
	}
	var ids []int64
	for _, cid := range comodel.sortedIDs() {
		links, _ := comodel.recs[cid].vals[f.via].([]int64)
		if slices.Contains(links, id) {
			ids = append(ids, cid)
		}
	}
	return t.sortByDefault(comodel, ids)
}

func (t *tx) displayName(m *model, r *record) string {
	if m.displayName != nil {
		return m.displayName(t, r)
	}
	if f := m.byName[m.recName]; f != nil {
		if s, ok := t.get(m, r, m.recName).(string); ok {
			return s
		}
		return ""
	}
	return fmt.Sprintf("%s,%d", m.name, r.id)
}

// create inserts one record (BaseModel.create for one dict of values).
func (t *tx) create(m *model, vals map[string]any) (*record, error) {
	vals = maps(vals)
	if m.beforeCreate != nil {
		if err := m.beforeCreate(t, vals); err != nil {
			return nil, err
		}
	}
	for name := range vals {
		if m.byName[name] == nil {
			return nil, t.unknownField(m, name, "in")
		}
	}
	for _, f := range m.fields {
		if _, given := vals[f.Name]; !given && f.def != nil {
			vals[f.Name] = f.def(t, vals)
		}
	}
	id := m.nextID
	m.nextID++ // PostgreSQL sequences are not rolled back either
	r := t.insert(m, id)
	if err := t.assign(m, r, vals); err != nil {
		return nil, err
	}
	for _, f := range m.fields {
		if name := f.Name; m.byName["create_date"] != nil && (name == "create_date" || name == "write_date") {
			if _, given := vals[name]; !given {
				t.setRaw(r, name, t.now)
			}
		}
		if name := f.Name; name == "create_uid" || name == "write_uid" {
			if _, given := vals[name]; !given {
				t.setRaw(r, name, t.uid)
			}
		}
	}
	if err := t.checkRequired(m, r); err != nil {
		return nil, err
	}
	if err := t.validate(m, r); err != nil {
		return nil, err
	}
	if m.afterCreate != nil {
		if err := m.afterCreate(t, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func maps(vals map[string]any) map[string]any {
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		out[k] = v
	}
	return out
}

// assign converts and stores values on a record; x2many commands run after
// the plain values, as Odoo does.
func (t *tx) assign(m *model, r *record, vals map[string]any) error {
	names := sortedKeys(vals)
	for _, name := range names {
		f := m.byName[name]
		if f.isX2Many() {
			continue
		}
		v, err := t.convert(m, f, vals[name])
		if err != nil {
			return err
		}
		t.setRaw(r, name, v)
	}
	for _, name := range names {
		if f := m.byName[name]; f.isX2Many() {
			if err := t.applyCommands(m, r, f, vals[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tx) checkRequired(m *model, r *record) error {
	for _, f := range m.fields {
		if !f.Required || !f.Store || f.compute != nil || f.isX2Many() {
			continue
		}
		switch f.Type {
		case "char", "text", "html", "selection", "date", "datetime", "many2one":
		default:
			continue
		}
		if f.Type == "many2one" && t.db.models[f.Relation] == nil {
			continue // the simulator does not keep that model
		}
		if v := r.vals[f.Name]; v == nil {
			return t.db.notNullViolation(m, f)
		}
	}
	return nil
}

func (t *tx) validate(m *model, r *record) error {
	for _, c := range m.constraints {
		if err := c(t, r); err != nil {
			return err
		}
	}
	return nil
}

// browse returns the records of ids that exist, in the order given.
func (t *tx) browse(m *model, ids []int64) (found []*record, missing []int64) {
	for _, id := range ids {
		if r := m.recs[id]; r != nil {
			found = append(found, r)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (t *tx) missing(m *model, ids []int64) *Fault {
	return missingError("Record does not exist or has been deleted.\n(Record: %s, User: %d)", recordsLabel(m.name, ids), t.uid)
}

func (t *tx) write(m *model, ids []int64, vals map[string]any) error {
	recs, missing := t.browse(m, ids)
	if len(missing) > 0 {
		return t.missing(m, missing)
	}
	vals = maps(vals)
	for name := range vals {
		if m.byName[name] == nil {
			return t.unknownField(m, name, "in")
		}
	}
	if m.beforeWrite != nil {
		if err := m.beforeWrite(t, recs, vals); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if err := t.assign(m, r, vals); err != nil {
			return err
		}
		if m.byName["write_date"] != nil {
			if _, given := vals["write_date"]; !given {
				t.setRaw(r, "write_date", t.now)
			}
			t.setRaw(r, "write_uid", t.uid)
		}
	}
	for _, r := range recs {
		if err := t.checkRequired(m, r); err != nil {
			return err
		}
		if err := t.validate(m, r); err != nil {
			return err
		}
	}
	if m.afterWrite != nil {
		return m.afterWrite(t, recs, vals)
	}
	return nil
}

// unlink deletes the records that still exist; deleting a deleted record is
// not an error. one2many children go with their parent (ondelete cascade).
func (t *tx) unlink(m *model, ids []int64) error {
	recs, _ := t.browse(m, ids)
	if m.beforeUnlink != nil {
		if err := m.beforeUnlink(t, recs); err != nil {
			return err
		}
	}
	for _, r := range recs {
		for _, f := range m.fields {
			if f.Type != "one2many" || f.inverse == "" {
				continue
			}
			comodel := t.db.models[f.Relation]
			if comodel == nil {
				continue
			}
			if err := t.unlink(comodel, t.one2manyIDs(f, r.id)); err != nil {
				return err
			}
		}
		t.remove(m, r)
	}
	if m.afterUnlink != nil {
		return m.afterUnlink(t, recs)
	}
	return nil
}

// readRecords is read(): one dict per existing record, id first, then the
// fields in the order asked for (every field when none are named).
func (t *tx) readRecords(m *model, recs []*record, names []string, load bool) ([]any, error) {
	if len(names) == 0 {
		for _, f := range m.fields {
			names = append(names, f.Name)
		}
	}
	for _, n := range names {
		if m.byName[n] == nil {
			return nil, t.unknownField(m, n, "on")
		}
	}
	out := make([]any, 0, len(recs))
	for _, r := range recs {
		o := newObj().set("id", r.id)
		for _, n := range names {
			if n == "id" {
				continue
			}
			o.set(n, t.toRead(m.byName[n], t.get(m, r, n), load))
		}
		out = append(out, o)
	}
	return out, nil
}

// sortByDefault orders ids by the model's default order.
func (t *tx) sortByDefault(m *model, ids []int64) []int64 {
	terms, err := parseOrder(m, m.order)
	if err != nil || len(ids) < 2 {
		return ids
	}
	recs, _ := t.browse(m, ids)
	t.sortRecords(m, recs, terms)
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.id
	}
	return out
}

func (t *tx) sortRecords(m *model, recs []*record, terms []orderTerm) {
	sort.SliceStable(recs, func(i, j int) bool {
		return t.compareRecords(m, recs[i], recs[j], terms, 0) < 0
	})
}
