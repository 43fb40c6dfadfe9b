package rpc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Request is a decoded XML-RPC methodCall.
type Request struct {
	Method string
	// Params are the decoded arguments. Values are: nil (<nil/>), int64,
	// bool, string, float64, time.Time, []any and map[string]any. Like
	// 4.2.5, base64 decodes to a string, a <value> without a type element
	// is a string, and an unknown type element (<i8>) yields its text.
	Params []any
	// HasParams is false when the call had no <params> element.
	HasParams bool
}

// Decoder limits. The whole body is already bounded by the handler.
const (
	maxDepth    = 64
	maxElements = 200000
)

// errNoMethod is returned for a call without a (non-empty) methodName.
var errNoMethod = errors.New("no method name")

// DecodeRequest parses an XML-RPC methodCall the way 4.2.5's own
// unmarshaller does (xmlrpc.py supervisor_xmlrpc_handler.loads): lenient
// about layout, strict about values. A non-nil error means HTTP 400.
func DecodeRequest(body []byte) (*Request, error) {
	root, err := parseTree(body)
	if err != nil {
		return nil, err
	}
	req := &Request{}
	var method *string
	var walkErr error
	// 4.2.5 takes the last <methodName> and <params> anywhere in the tree.
	var walk func(e *element, depth int)
	walk = func(e *element, depth int) {
		if walkErr != nil {
			return
		}
		switch e.tag {
		case "methodName":
			if e.hasText {
				s := e.text
				method = &s
			} else {
				method = nil
			}
			return
		case "params":
			ps := make([]any, 0, len(e.kids))
			for _, k := range e.kids {
				v, err := convert(k, depth+1)
				if err != nil {
					walkErr = err
					return
				}
				ps = append(ps, v)
			}
			req.Params, req.HasParams = ps, true
			return
		}
		for _, k := range e.kids {
			walk(k, depth+1)
		}
	}
	walk(root, 0)
	if walkErr != nil {
		return nil, walkErr
	}
	if method == nil || *method == "" {
		return nil, errNoMethod
	}
	req.Method = *method
	return req, nil
}

// element is a parsed XML element: its tag (local name), the text before
// its first child (ElementTree's .text) and its children.
type element struct {
	tag     string
	text    string
	hasText bool
	kids    []*element
	buf     []byte // text while parsing (appending strings would be quadratic)
	frozen  bool   // text is final
	ns      string // default namespace in scope
	nsSet   bool   // ns was declared on this element
	local   string // tag without "{ns}", when namespaced
}

// convert turns an element into a value as 4.2.5's unmarshallers would.
func convert(e *element, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("XML-RPC value nested too deeply")
	}
	switch e.tag {
	case "int", "i4":
		if !e.hasText {
			return nil, fmt.Errorf("<%s> without a number", e.tag)
		}
		return parsePyInt(e.text)
	case "boolean":
		return e.text == "1", nil
	case "string":
		return e.text, nil
	case "double":
		if !e.hasText {
			return nil, errors.New("<double> without a number")
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(e.text, "_", "")), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("bad <double> %q", e.text)
		}
		return f, nil
	case "dateTime.iso8601":
		t, err := time.Parse("20060102T15:04:05", strings.TrimSpace(e.text))
		if err != nil {
			return nil, fmt.Errorf("bad <dateTime.iso8601> %q", e.text)
		}
		return t, nil
	case "base64":
		b, err := decodeBase64Lenient(e.text)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, errors.New("<base64> data is not UTF-8 text")
		}
		return string(b), nil
	case "array":
		if len(e.kids) == 0 {
			return nil, errors.New("<array> without <data>")
		}
		return convert(e.kids[0], depth+1)
	case "data":
		vs := make([]any, 0, len(e.kids))
		for _, k := range e.kids {
			v, err := convert(k, depth+1)
			if err != nil {
				return nil, err
			}
			vs = append(vs, v)
		}
		return vs, nil
	case "struct":
		m := make(map[string]any, len(e.kids))
		for _, mem := range e.kids {
			if len(mem.kids) != 2 {
				return nil, errors.New("struct <member> needs a name and a value")
			}
			k, err := convert(mem.kids[0], depth+1)
			if err != nil {
				return nil, err
			}
			v, err := convert(mem.kids[1], depth+1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				// Python would make a dict with a non-string key; such a
				// struct can't name anything, so refuse it.
				return nil, errors.New("struct member name is not text")
			}
			m[ks] = v
		}
		return m, nil
	case "value", "param":
		if len(e.kids) == 0 {
			if e.tag == "param" {
				return nil, errors.New("<param> without <value>")
			}
			return e.text, nil
		}
		return convert(e.kids[0], depth+1)
	case "nil":
		return nil, nil
	}
	// Any other element (name, i8, ...) yields its text, or nil if empty.
	for _, k := range e.kids {
		// Children of unknown elements are still parsed by 4.2.5, so
		// their errors still count.
		if _, err := convert(k, depth+1); err != nil {
			return nil, err
		}
	}
	if !e.hasText {
		return nil, nil
	}
	return e.text, nil
}

// parsePyInt accepts what Python's int() does for XML-RPC texts:
// surrounding whitespace, a sign, and underscores between digits.
func parsePyInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "_") {
		if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") ||
			strings.HasPrefix(strings.TrimLeft(t, "+-"), "_") {
			return 0, fmt.Errorf("bad integer %q", s)
		}
		t = strings.ReplaceAll(t, "_", "")
	}
	if t == "" || strings.ContainsAny(t, "xXoObB") {
		return 0, fmt.Errorf("bad integer %q", s)
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad integer %q", s)
	}
	return n, nil
}

// decodeBase64Lenient decodes like binascii.a2b_base64: characters outside
// the alphabet are skipped.
func decodeBase64Lenient(s string) ([]byte, error) {
	var b strings.Builder
	for _, r := range s {
		if r == '+' || r == '/' || r == '=' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	clean := strings.TrimRight(b.String(), "=")
	out, err := base64.RawStdEncoding.DecodeString(clean)
	if err != nil {
		return nil, errors.New("bad <base64> data")
	}
	return out, nil
}

// toInt converts an argument the way Python's int() does for the values an
// XML-RPC call can carry; ok is false when int() would raise.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x > math.MaxInt64 || x < math.MinInt64 {
			return 0, false
		}
		return int64(x), true
	case string:
		n, err := parsePyInt(x)
		return n, err == nil
	}
	return 0, false
}

// truthy is Python's truth value of an argument.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) != 0
	case map[string]any:
		return len(x) != 0
	}
	return true
}

// DecodeResponse parses a methodResponse: the single result value, or the
// fault. It uses the same value rules as DecodeRequest (tests and tools
// use it to compare responses structurally).
func DecodeResponse(body []byte) (value any, fault *Fault, err error) {
	root, err := parseTree(body)
	if err != nil {
		return nil, nil, err
	}
	if root.tag != "methodResponse" || len(root.kids) != 1 {
		return nil, nil, errors.New("not a methodResponse")
	}
	top := root.kids[0]
	switch top.tag {
	case "params":
		if len(top.kids) != 1 {
			return nil, nil, errors.New("methodResponse needs exactly one param")
		}
		v, err := convert(top.kids[0], 1)
		return v, nil, err
	case "fault":
		if len(top.kids) != 1 {
			return nil, nil, errors.New("fault without a value")
		}
		v, err := convert(top.kids[0], 1)
		if err != nil {
			return nil, nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, errors.New("fault value is not a struct")
		}
		code, ok1 := m["faultCode"].(int64)
		text, ok2 := m["faultString"].(string)
		if !ok1 || !ok2 {
			return nil, nil, errors.New("fault struct lacks faultCode/faultString")
		}
		name := FaultName(int(code))
		f := &Fault{Code: int(code)}
		if d, ok := strings.CutPrefix(text, name+": "); ok {
			f.Detail, f.HasDetail = d, true
		} else if text != name {
			f.Detail, f.HasDetail = text, true
		}
		return nil, f, nil
	}
	return nil, nil, errors.New("methodResponse has neither params nor fault")
}
