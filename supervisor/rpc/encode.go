package rpc

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Struct is an XML-RPC struct whose members keep their order on the wire,
// as Python dicts do (so our responses match 4.2.5's byte for byte).
type Struct []Member

// Member is one struct member.
type Member struct {
	Name  string
	Value any
}

// Get returns the value of a member and whether it exists.
func (s Struct) Get(name string) (any, bool) {
	for _, m := range s {
		if m.Name == name {
			return m.Value, true
		}
	}
	return nil, false
}

// Python's xmlrpclib refuses ints outside 32 bits; 4.2.5 caps timestamps.
const (
	maxInt32 = math.MaxInt32
	minInt32 = math.MinInt32
)

// cappedInt is xmlrpc.py capped_int.
func cappedInt(v int64) int64 {
	if v > maxInt32 {
		return maxInt32
	}
	if v < minInt32 {
		return minInt32
	}
	return v
}

// EncodeResponse returns the methodResponse body for a successful call, in
// the exact layout of Python's xmlrpclib.dumps(methodresponse=True).
func EncodeResponse(v any) []byte {
	var b bytes.Buffer
	writeResponse(&b, v)
	return b.Bytes()
}

func writeResponse(b *bytes.Buffer, v any) {
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n")
	encodeValue(b, v)
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
}

// bufPool keeps response buffers (and their grown capacity) for reuse.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// EncodeRequest returns a methodCall body in Python xmlrpclib's layout.
func EncodeRequest(method string, params ...any) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	escapeText(&b, method)
	b.WriteString("</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param>\n")
		encodeValue(&b, p)
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes()
}

// EncodeFault returns the methodResponse body for a fault.
func EncodeFault(f *Fault) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n")
	encodeValue(&b, faultStruct(f))
	b.WriteString("</fault>\n</methodResponse>\n")
	return b.Bytes()
}

func faultStruct(f *Fault) Struct {
	return Struct{{"faultCode", int64(f.Code)}, {"faultString", f.String()}}
}

func encodeValue(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		// 4.2.5 marshals with allow_none=False and never sends None; an
		// empty string is the least surprising stand-in.
		b.WriteString("<value><string></string></value>\n")
	case bool:
		if x {
			b.WriteString("<value><boolean>1</boolean></value>\n")
		} else {
			b.WriteString("<value><boolean>0</boolean></value>\n")
		}
	case int:
		encodeValue(b, int64(x))
	case int64:
		b.WriteString("<value><int>")
		b.WriteString(strconv.FormatInt(x, 10))
		b.WriteString("</int></value>\n")
	case float64:
		b.WriteString("<value><double>")
		b.WriteString(pyFloatRepr(x))
		b.WriteString("</double></value>\n")
	case string:
		b.WriteString("<value><string>")
		escapeText(b, x)
		b.WriteString("</string></value>\n")
	case time.Time:
		b.WriteString("<value><dateTime.iso8601>")
		b.WriteString(x.Format("20060102T15:04:05"))
		b.WriteString("</dateTime.iso8601></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array></value>\n")
	case []string:
		b.WriteString("<value><array><data>\n")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array></value>\n")
	case []int:
		b.WriteString("<value><array><data>\n")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array></value>\n")
	case Struct:
		b.WriteString("<value><struct>\n")
		for _, m := range x {
			b.WriteString("<member>\n<name>")
			escapeText(b, m.Name)
			b.WriteString("</name>\n")
			encodeValue(b, m.Value)
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := make(Struct, 0, len(keys))
		for _, k := range keys {
			s = append(s, Member{k, x[k]})
		}
		encodeValue(b, s)
	default:
		// Programming error in a method: send text rather than crash.
		b.WriteString("<value><string>")
		escapeText(b, fmt.Sprint(x))
		b.WriteString("</string></value>\n")
	}
}

// escapeText escapes like xmlrpclib (&, <, >) and, unlike 4.2.5, replaces
// what no XML parser accepts (invalid UTF-8, control characters other than
// tab, newline and carriage return) with U+FFFD, so a log with ANSI colours
// or binary output still yields a response clients can parse.
func escapeText(b *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' {
			plain = false
			break
		}
	}
	if plain {
		b.WriteString(s)
		return
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			b.WriteRune(utf8.RuneError)
		case r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// pyFloatRepr formats like Python's repr(float).
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
