package grant

import (
	"context"
	"fmt"

	"github.com/compago-odoo/connector/odoo"
)

// Powerful are the groups a daemon's user must not hold: whoever reads its
// key would own the database (Settings) or could give themselves anything
// (Access Rights).
var Powerful = []struct{ XMLID, Name string }{
	{"base.group_system", "Administration / Settings"},
	{"base.group_erp_manager", "Administration / Access Rights"},
}

// Privileges lists the Powerful groups the logged-in user of o holds, by
// asking Odoo (res.users.has_group, which every user may call about
// itself). 17 declares it a model method; 18 and later a record method.
func Privileges(ctx context.Context, o Odoo, major int, uid int64) ([]string, error) {
	var held []string
	for _, g := range Powerful {
		call := odoo.Call{Model: "res.users", Method: "has_group", Args: []odoo.Arg{{Name: "group_ext_id", Value: g.XMLID}}}
		if major >= 18 {
			call.IDs = []int64{uid}
		}
		var yes bool
		if err := o.Execute(ctx, call, &yes); err != nil {
			return held, fmt.Errorf("ask Odoo whether the user is in %s: %w", g.XMLID, err)
		}
		if yes {
			held = append(held, g.Name)
		}
	}
	return held, nil
}
