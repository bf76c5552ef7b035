package odoosim

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveXMLRPC answers /xmlrpc/2/<service> (integer fault codes) and the
// legacy /xmlrpc/<service> (string fault codes).
func (s *Server) serveXMLRPC(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/xmlrpc/")
	legacy := true
	if strings.HasPrefix(rest, "2/") {
		rest, legacy = strings.TrimPrefix(rest, "2/"), false
	}
	if rest == "" || strings.Contains(rest, "/") {
		notFoundPage(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	var res any
	var f *Fault
	if err == nil {
		var method string
		var params []any
		method, params, err = decodeMethodCall(body)
		if err == nil {
			res, f = s.rpc(rest, method, params)
		}
	}
	if err != nil {
		f = fault("xml.parsers.expat.ExpatError", "%s", err.Error())
	}
	var out []byte
	if f == nil {
		out, f = s.encodeResponse(res)
	}
	if f != nil {
		out = s.encodeFault(f, legacy)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func (s *Server) xmlHeader() string {
	if s.version >= 18 {
		return "<?xml version=\"1.0\"?>\n"
	}
	return "<?xml version='1.0'?>\n"
}

// encodeResponse marshals a result like Odoo's OdooMarshaller with
// allow_none=False: a None anywhere is a fault, after the work was done.
func (s *Server) encodeResponse(res any) ([]byte, *Fault) {
	var b bytes.Buffer
	b.WriteString(s.xmlHeader())
	b.WriteString("<methodResponse>\n<params>\n<param>\n")
	if f := s.marshal(&b, res); f != nil {
		return nil, f
	}
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	return b.Bytes(), nil
}

func (s *Server) encodeFault(f *Fault, legacy bool) []byte {
	st := newObj()
	if legacy {
		code, str := xmlrpcFaultString(f)
		st.set("faultCode", code).set("faultString", str)
	} else {
		code, str := xmlrpcFaultInt(f)
		st.set("faultCode", code).set("faultString", str)
	}
	var b bytes.Buffer
	b.WriteString(s.xmlHeader())
	b.WriteString("<methodResponse>\n<fault>\n")
	_ = s.marshal(&b, st)
	b.WriteString("</fault>\n</methodResponse>\n")
	return b.Bytes()
}

// marshal writes one <value> the way Python's xmlrpc.client.Marshaller does.
func (s *Server) marshal(b *bytes.Buffer, v any) *Fault {
	switch v := v.(type) {
	case nil:
		return typeError("cannot marshal None unless allow_none is enabled")
	case bool:
		n := "0"
		if v {
			n = "1"
		}
		b.WriteString("<value><boolean>" + n + "</boolean></value>\n")
	case int64:
		if v > math.MaxInt32 || v < math.MinInt32 {
			return fault("builtins.OverflowError", "int exceeds XML-RPC limits")
		}
		b.WriteString("<value><int>" + strconv.FormatInt(v, 10) + "</int></value>\n")
	case int:
		return s.marshal(b, int64(v))
	case float64:
		b.WriteString("<value><double>" + pyFloat(v) + "</double></value>\n")
	case string:
		b.WriteString("<value><string>" + xmlEscape(s.stripControl(v)) + "</string></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, x := range v {
			if f := s.marshal(b, x); f != nil {
				return f
			}
		}
		b.WriteString("</data></array></value>\n")
	case []int64:
		return s.marshal(b, idsOf(v))
	case *obj:
		b.WriteString("<value><struct>\n")
		for _, k := range v.keys {
			if f := s.member(b, k, v.vals[k]); f != nil {
				return f
			}
		}
		b.WriteString("</struct></value>\n")
	case map[string]any:
		b.WriteString("<value><struct>\n")
		for _, k := range sortedKeys(v) {
			if f := s.member(b, k, v[k]); f != nil {
				return f
			}
		}
		b.WriteString("</struct></value>\n")
	default:
		return typeError("cannot marshal %T objects", v)
	}
	return nil
}

func (s *Server) member(b *bytes.Buffer, k string, v any) *Fault {
	b.WriteString("<member>\n<name>" + xmlEscape(k) + "</name>\n")
	if f := s.marshal(b, v); f != nil {
		return f
	}
	b.WriteString("</member>\n")
	return nil
}

// stripControl drops the control characters XML 1.0 cannot carry (17+).
func (s *Server) stripControl(v string) string {
	if s.version < 17 {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return -1
		}
		return r
	}, v)
}

func xmlEscape(v string) string {
	v = strings.ReplaceAll(v, "&", "&amp;")
	v = strings.ReplaceAll(v, "<", "&lt;")
	return strings.ReplaceAll(v, ">", "&gt;")
}

// decodeMethodCall parses an XML-RPC request into its method and params.
func decodeMethodCall(body []byte) (string, []any, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var method string
	var params []any
	seenCall := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, err
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch st.Name.Local {
		case "methodCall":
			seenCall = true
		case "methodName":
			s, err := textOfElement(dec)
			if err != nil {
				return "", nil, err
			}
			method = strings.TrimSpace(s)
		case "params", "param":
		case "value":
			v, err := decodeValue(dec, 0)
			if err != nil {
				return "", nil, err
			}
			params = append(params, v)
		default:
			return "", nil, fmt.Errorf("unexpected element <%s>", st.Name.Local)
		}
	}
	if !seenCall || method == "" {
		return "", nil, errors.New("no element found: line 1, column 0")
	}
	return method, params, nil
}

func textOfElement(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("unexpected element <%s>", t.Name.Local)
		}
	}
}

const maxDepth = 64

// decodeValue reads the inside of a <value> element, up to its end tag.
func decodeValue(dec *xml.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply")
	}
	var text strings.Builder
	var out any
	typed := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if !typed {
				return text.String(), nil // a bare <value>text</value> is a string
			}
			return out, nil
		case xml.StartElement:
			if typed {
				return nil, fmt.Errorf("unexpected element <%s>", t.Name.Local)
			}
			typed = true
			out, err = decodeTyped(dec, t.Name.Local, depth)
			if err != nil {
				return nil, err
			}
		}
	}
}

func decodeTyped(dec *xml.Decoder, kind string, depth int) (any, error) {
	switch kind {
	case "array":
		return decodeArray(dec, depth)
	case "struct":
		return decodeStruct(dec, depth)
	case "nil":
		return nil, dec.Skip()
	}
	s, err := textOfElement(dec)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid literal for int(): %q", s)
		}
		return i, nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, errors.New("bad boolean value")
	case "string":
		return s, nil
	case "double", "float", "bigdecimal":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("could not convert string to float: %q", s)
		}
		return f, nil
	case "dateTime.iso8601":
		tm, err := time.Parse("20060102T15:04:05", strings.TrimSpace(s))
		if err != nil {
			tm, err = time.Parse("2006-01-02T15:04:05", strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("bad dateTime.iso8601 value %q", s)
			}
		}
		return tm.Format(datetimeLayout), nil
	case "base64":
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(raw), nil
	}
	return nil, fmt.Errorf("unknown type <%s>", kind)
}

func decodeArray(dec *xml.Decoder, depth int) (any, error) {
	out := []any{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "data":
			case "value":
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			default:
				return nil, fmt.Errorf("unexpected element <%s>", t.Name.Local)
			}
		case xml.EndElement:
			if t.Name.Local == "array" {
				return out, nil
			}
		}
	}
}

func decodeStruct(dec *xml.Decoder, depth int) (any, error) {
	out := map[string]any{}
	var name string
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "member":
				name = ""
			case "name":
				if name, err = textOfElement(dec); err != nil {
					return nil, err
				}
			case "value":
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out[name] = v
			default:
				return nil, fmt.Errorf("unexpected element <%s>", t.Name.Local)
			}
		case xml.EndElement:
			if t.Name.Local == "struct" {
				return out, nil
			}
		}
	}
}
