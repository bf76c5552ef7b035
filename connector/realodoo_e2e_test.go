package connector_test

import (
	"testing"

	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// eachRealOdoo runs a scenario against real Odoo 17.0, 18.0 and 19.0, on
// each transport the version has, each run on its own copy of the
// version's template: the same scenario code as against odoosim.
func eachRealOdoo(t *testing.T, scenario func(t *testing.T, w *world)) {
	odootest.Each(t, func(t *testing.T, version string) {
		protocols := []odoo.Protocol{odoo.ProtocolJSONRPC, odoo.ProtocolXMLRPC}
		if version >= "19" {
			protocols = append(protocols, odoo.ProtocolJSON2)
		}
		for _, p := range protocols {
			t.Run(string(p), func(t *testing.T) {
				o := odootest.Start(t, version, odootest.Options{})
				scenario(t, newWorld(t, worldOptions{real: o, protocol: p}))
			})
		}
	})
}

func TestRealOdooRoutedPaymentEndsPaidWithOnePaymentLine(t *testing.T) {
	eachRealOdoo(t, routedPaymentEndsPaid)
}
