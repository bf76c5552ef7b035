package odoo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Bounds on what an answer may be before it is decoded. Odoo's real
// answers to the daemon are kilobytes: fields_get of pos.order is about
// 30 KB, a search_read of the 1,000 flagged orders a report reads about
// 1 MB. A compromised Odoo, or whatever answers at odoo.url, could
// otherwise crash the daemon (kolo/xmlrpc's decoder recurses once per
// level and overflows the stack, a fatal error no recover() catches) or
// make it allocate gigabytes (a 31 MiB JSON answer decoded into Go values
// took 2 GiB).
const (
	// maxResponse bounds the bytes read of one answer: 8 times the
	// largest real answer.
	maxResponse = 8 << 20
	// maxDepth bounds the nesting of arrays and objects (JSON) or of
	// arrays and structs (XML-RPC). The deepest real answer is a
	// selection in fields_get: result, fields, field, selection, pair (5).
	maxDepth = 32
	// maxXMLDepth bounds the nesting of XML elements: each XML-RPC level
	// is value, array or struct, data or member, so 3 elements, plus the
	// envelope (methodResponse, params, param, fault).
	maxXMLDepth = 3*maxDepth + 8
)

// errTooDeep is the reason given for an answer nested beyond maxDepth.
var errTooDeep = fmt.Errorf("answer nested too deeply (more than %d levels): not an Odoo answer", maxDepth)

// checkJSONDepth scans a JSON answer and refuses nesting beyond maxDepth.
// It looks only at brackets outside strings; syntax is left to the
// decoder.
func checkJSONDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > maxDepth {
				return errTooDeep
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

// checkXMLDepth reads an XML-RPC answer as a stream of tokens (constant
// stack, whatever the input) and refuses element nesting beyond
// maxXMLDepth, before the recursive decoder sees it.
func checkXMLDepth(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return errTooDeep
			}
		case xml.EndElement:
			depth--
		}
	}
}
