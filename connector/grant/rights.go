package grant

// Right is one model the daemon's Odoo user may touch, and how: one
// ir.model.access row of the "Compago connector" group.
type Right struct {
	Model                       string
	Read, Write, Create, Unlink bool
	// Versions lists the Odoo majors the row is needed on; empty: every
	// supported version.
	Versions []int
	// Why names the daemon's work that needs it, found by running that
	// work on real Odoo as a user holding nothing else.
	Why string
}

// The group's identity. Setup creates it when the addon is absent; the
// addon declares the same external id, so that installing it later takes
// over the very record (Odoo's loader updates a record whose external id
// already exists) and the dedicated user keeps its rights.
const (
	GroupModule = "pos_compago_connector"
	GroupXMLID  = "group_compago_connector"
	GroupName   = "Compago connector"
	// UserLogin is the dedicated user's login unless the config names
	// another one (odoo.username).
	UserLogin = "compago-connector"
	// KeyName is the description of the API keys setup makes.
	KeyName = "compago-connector"
	// KeyDays is the lifetime of the key setup makes on 18 and later,
	// where a key of a user without Settings rights must expire, within
	// the longest api_key_duration of the user's groups (the group
	// carries it). 17 keys do not expire.
	KeyDays = 3650
)

// The rights, in one place. The group also implies base.group_user
// (internal user): Odoo gives API keys to internal users only, and the
// ORM's own reads during a completion (partner, company, currency,
// product, stock locations and picking types) are internal-user rights.
var rights = []Right{
	{Model: "pos.order", Read: true, Write: true,
		Why: "watch flagged orders (search_read), write the x_compago_* fields, add_payment; read by the sweep, reconcile and intents"},
	{Model: "pos.order.line", Read: true, Write: true,
		Why: "the completion (pos.make.payment.check) reads the lines and writes them (their stock moves, the lots)"},
	{Model: "pos.payment", Read: true, Create: true,
		Why: "add_payment creates the line; the recorder and reconcile read lines by transaction_id"},
	{Model: "pos.payment.method", Read: true,
		Why: "find the configured payment method and the configs allowing it"},
	{Model: "pos.session", Read: true,
		Why: "the watcher checks the order's session is opened; the completion reads it"},
	{Model: "pos.config", Read: true,
		Why: "route by the config's name (connector.terminals); doctor lists the points of sale"},
	{Model: "pos.make.payment", Read: true, Write: true, Create: true,
		Why: "the back office's Payment wizard that completes a fully paid order (create, then check)"},
	{Model: "stock.picking", Read: true, Write: true, Create: true,
		Why: "completing a paid order makes its picking (Odoo's _create_order_picking runs as the caller)"},
	{Model: "stock.move", Read: true, Write: true, Create: true,
		Why: "the picking's moves, confirmed and done with the picking"},
	{Model: "account.journal", Read: true,
		Why: "check and doctor: the Compago payment method's journal must be in MXN (Compago charges pesos only)"},
	{Model: "ir.config_parameter", Read: true, Write: true, Create: true, Unlink: true,
		Why: "the worker record (" + WorkerParameter + ": which journal works this Odoo database, so that a second daemon with another journal is refused); the group's rule (WorkerRuleName) limits it to that one key"},
}

// WorkerParameter is the system parameter a daemon keeps, naming the
// journal that works the Odoo database (connector.WorksiteKey); the only
// one the group may see.
const WorkerParameter = "compago_connector.worker"

// WorkerRuleName names the record rule that limits the group's system
// parameters to WorkerParameter (the addon declares the same rule).
const WorkerRuleName = "Compago connector: only its worker record among the system parameters"

// AdminRuleName names the rule that keeps every system parameter for
// administrators (group rules are or-ed), should one be put in the group.
const AdminRuleName = "Compago connector: administrators keep every system parameter"

// Rights lists what the group holds on Odoo major version major.
func Rights(major int) []Right {
	var out []Right
	for _, r := range rights {
		if len(r.Versions) == 0 || contains(r.Versions, major) {
			out = append(out, r)
		}
	}
	return out
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
