package faulttest

import (
	"bytes"
	"context"
	"encoding/json"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
)

// proxyRef names the proxy a toxic goes on, once the world exists.
type proxyRef struct{ p *toxiproxy.Proxy }

// toxic is a TCP-level fault: a toxiproxy toxic of kind on the stream
// ("upstream": towards the server, "downstream": its answers), applied to
// the given share of connections.
func toxic(name string, proxy func(w *world) *proxyRef, kind, stream string, toxicity float64, attrs map[string]any) fault {
	return fault{name: name,
		on: func(w *world) {
			body, _ := json.Marshal(map[string]any{
				"name": "fault", "type": kind, "stream": stream, "toxicity": toxicity, "attributes": attrs,
			})
			if _, err := proxy(w).p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
				w.t.Fatalf("%s: add toxic: %v", name, err)
			}
		},
		off: func(w *world) {
			if err := proxy(w).p.Toxics.RemoveToxic(context.Background(), "fault"); err != nil {
				w.t.Fatalf("%s: remove toxic: %v", name, err)
			}
		},
	}
}
