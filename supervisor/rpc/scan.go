package rpc

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseTree parses a whole XML document into elements. It is a strict,
// small scanner for what XML-RPC uses — elements, attributes (checked,
// then ignored), text, the five predefined and numeric character
// references, CDATA, comments and processing instructions — about ten
// times faster than encoding/xml, which matters for getAllProcessInfo
// with many processes. DOCTYPE declarations are refused (no entity
// expansion, ever). Errors are one-line descriptions with a byte offset.
func parseTree(body []byte) (*element, error) {
	body, err := toUTF8(body)
	if err != nil {
		return nil, err
	}
	p := &scanner{b: body}
	return p.document()
}

type scanner struct {
	b     []byte
	i     int
	n     int // elements seen
	stack []*element
	slab  []element // elements are carved from here: one allocation per 128
}

func (p *scanner) newElement(tag, ns string, nsSet bool) *element {
	if len(p.slab) == 0 {
		p.slab = make([]element, 128)
	}
	e := &p.slab[0]
	p.slab = p.slab[1:]
	e.tag, e.ns, e.nsSet = tag, ns, nsSet
	return e
}

func (p *scanner) errf(format string, args ...any) error {
	return fmt.Errorf("malformed XML at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *scanner) document() (*element, error) {
	var root *element
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c != '<' {
			// Only whitespace may stand outside the root element.
			if !isSpace(c) {
				if root == nil {
					return nil, p.errf("text before the root element")
				}
				return nil, p.errf("text after the root element")
			}
			p.i++
			continue
		}
		switch {
		case bytes.HasPrefix(p.b[p.i:], []byte("<?")):
			if err := p.skipPI(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p.b[p.i:], []byte("<!--")):
			if err := p.skipComment(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p.b[p.i:], []byte("<!")):
			return nil, p.errf("DOCTYPE and declarations are not accepted")
		default:
			if root != nil {
				return nil, p.errf("junk after the root element")
			}
			e, err := p.element()
			if err != nil {
				return nil, err
			}
			root = e
		}
	}
	if root == nil {
		return nil, errors.New("malformed XML: no element found")
	}
	return root, nil
}

// element parses one element starting at '<' and everything inside it,
// iteratively (no recursion, so depth is bounded by maxDepth only).
func (p *scanner) element() (*element, error) {
	var root *element
	for {
		if p.i >= len(p.b) {
			return nil, p.errf("unexpected end of document")
		}
		if p.b[p.i] != '<' {
			if err := p.text(); err != nil {
				return nil, err
			}
			continue
		}
		rest := p.b[p.i:]
		switch {
		case bytes.HasPrefix(rest, []byte("</")):
			if len(p.stack) == 0 {
				return nil, p.errf("end tag without a start tag")
			}
			p.i += 2
			name := p.name()
			if name == "" {
				return nil, p.errf("bad end tag")
			}
			p.skipSpace()
			if p.i >= len(p.b) || p.b[p.i] != '>' {
				return nil, p.errf("bad end tag")
			}
			p.i++
			top := p.stack[len(p.stack)-1]
			if top.tag != name && top.local != name {
				return nil, p.errf("end tag </%s> does not match <%s>", name, top.tag)
			}
			p.close(top)
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				return root, nil
			}
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := p.skipComment(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			if len(p.stack) == 0 {
				return nil, p.errf("CDATA outside an element")
			}
			end := bytes.Index(rest, []byte("]]>"))
			if end < 0 {
				return nil, p.errf("unterminated CDATA")
			}
			data := rest[len("<![CDATA["):end]
			if err := p.checkChars(data); err != nil {
				return nil, err
			}
			p.addText(data)
			p.i += end + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := p.skipPI(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, p.errf("declarations are not accepted inside elements")
		default:
			e, selfClosing, err := p.startTag()
			if err != nil {
				return nil, err
			}
			// ElementTree names elements of a default namespace
			// "{uri}local", which then match no XML-RPC tag.
			if !e.nsSet && len(p.stack) > 0 {
				e.ns = p.stack[len(p.stack)-1].ns
			}
			if e.ns != "" && !strings.Contains(e.tag, ":") {
				e.local = e.tag
				e.tag = "{" + e.ns + "}" + e.tag
			}
			if len(p.stack) == 0 {
				root = e
			} else {
				parent := p.stack[len(p.stack)-1]
				if len(parent.kids) == 0 {
					p.close(parent) // .text ends at the first child
				}
				parent.kids = append(parent.kids, e)
			}
			if selfClosing {
				if len(p.stack) == 0 {
					return root, nil
				}
				continue
			}
			if len(p.stack) >= maxDepth {
				return nil, errors.New("XML nested too deeply")
			}
			p.stack = append(p.stack, e)
		}
	}
}

// close freezes an element's text (ElementTree's .text: the text before
// its first child).
func (p *scanner) close(e *element) {
	if !e.frozen {
		e.text, e.buf, e.frozen = string(e.buf), nil, true
	}
}

func (p *scanner) addText(t []byte) {
	e := p.stack[len(p.stack)-1]
	if len(e.kids) == 0 {
		if e.buf == nil {
			// Usually the only chunk: alias it (capacity capped, so a
			// later append copies instead of writing into the input).
			e.buf = t[:len(t):len(t)]
		} else {
			e.buf = append(e.buf, t...)
		}
		e.hasText = true
	}
}

func (p *scanner) startTag() (*element, bool, error) {
	p.i++ // '<'
	name := p.name()
	if name == "" {
		return nil, false, p.errf("bad start tag")
	}
	p.n++
	if p.n > maxElements {
		return nil, false, errors.New("too many XML elements")
	}
	seen := map[string]bool(nil)
	ns, nsSet := "", false
	for {
		hadSpace := p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false, p.errf("unterminated start tag <%s>", name)
		}
		switch p.b[p.i] {
		case '>':
			p.i++
			return p.newElement(name, ns, nsSet), false, nil
		case '/':
			if p.i+1 < len(p.b) && p.b[p.i+1] == '>' {
				p.i += 2
				return p.newElement(name, ns, nsSet), true, nil
			}
			return nil, false, p.errf("bad start tag <%s>", name)
		}
		if !hadSpace {
			return nil, false, p.errf("bad attribute in <%s>", name)
		}
		attr := p.name()
		if attr == "" {
			return nil, false, p.errf("bad attribute in <%s>", name)
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		if seen[attr] {
			return nil, false, p.errf("duplicate attribute %s", attr)
		}
		seen[attr] = true
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '=' {
			return nil, false, p.errf("attribute %s without a value", attr)
		}
		p.i++
		p.skipSpace()
		if p.i >= len(p.b) || (p.b[p.i] != '"' && p.b[p.i] != '\'') {
			return nil, false, p.errf("unquoted attribute %s", attr)
		}
		q := p.b[p.i]
		end := bytes.IndexByte(p.b[p.i+1:], q)
		if end < 0 {
			return nil, false, p.errf("unterminated attribute %s", attr)
		}
		val := p.b[p.i+1 : p.i+1+end]
		if bytes.IndexByte(val, '<') >= 0 {
			return nil, false, p.errf("'<' in attribute %s", attr)
		}
		v, err := p.unescape(val)
		if err != nil {
			return nil, false, err
		}
		if attr == "xmlns" {
			ns, nsSet = string(v), true
		}
		p.i += end + 2
	}
}

// name reads an XML name (a practical subset: ASCII letters, digits,
// '_', '-', '.', ':' and any non-ASCII letter).
func (p *scanner) name() string {
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError {
				break
			}
			p.i += size
			continue
		}
		ok := c == '_' || c == ':' || (c|0x20 >= 'a' && c|0x20 <= 'z') ||
			(p.i > start && (c == '-' || c == '.' || (c >= '0' && c <= '9')))
		if !ok {
			break
		}
		p.i++
	}
	nm := p.b[start:p.i]
	// The XML-RPC vocabulary without an allocation per tag.
	switch string(nm) {
	case "value":
		return "value"
	case "member":
		return "member"
	case "name":
		return "name"
	case "string":
		return "string"
	case "int":
		return "int"
	case "i4":
		return "i4"
	case "boolean":
		return "boolean"
	case "struct":
		return "struct"
	case "array":
		return "array"
	case "data":
		return "data"
	case "param":
		return "param"
	case "params":
		return "params"
	}
	return string(nm)
}

func (p *scanner) skipSpace() bool {
	start := p.i
	for p.i < len(p.b) && isSpace(p.b[p.i]) {
		p.i++
	}
	return p.i > start
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *scanner) skipPI() error {
	end := bytes.Index(p.b[p.i:], []byte("?>"))
	if end < 0 {
		return p.errf("unterminated processing instruction")
	}
	p.i += end + 2
	return nil
}

func (p *scanner) skipComment() error {
	end := bytes.Index(p.b[p.i+4:], []byte("-->"))
	if end < 0 {
		return p.errf("unterminated comment")
	}
	p.i += 4 + end + 3
	return nil
}

// text reads character data up to the next '<'.
func (p *scanner) text() error {
	if len(p.stack) == 0 {
		return p.errf("text outside the root element")
	}
	end := bytes.IndexByte(p.b[p.i:], '<')
	if end < 0 {
		return p.errf("unexpected end of document")
	}
	raw := p.b[p.i : p.i+end]
	if bytes.Contains(raw, []byte("]]>")) {
		return p.errf("']]>' in text")
	}
	t, err := p.unescape(raw)
	if err != nil {
		return err
	}
	if err := p.checkChars(t); err != nil {
		return err
	}
	// XML normalises line ends to \n.
	if bytes.IndexByte(t, '\r') >= 0 && bytes.IndexByte(raw, '\r') >= 0 {
		t = normalizeNewlines(raw, t)
	}
	p.addText(t)
	p.i += end
	return nil
}

// normalizeNewlines turns literal \r\n and \r into \n, but keeps \r that
// came from a character reference (&#13;).
func normalizeNewlines(raw, t []byte) []byte {
	if bytes.IndexByte(raw, '&') < 0 {
		t = bytes.ReplaceAll(t, []byte("\r\n"), []byte("\n"))
		return bytes.ReplaceAll(t, []byte("\r"), []byte("\n"))
	}
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	raw = bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
	out, _ := unescapeBytes(raw)
	return out
}

func (p *scanner) unescape(raw []byte) ([]byte, error) {
	out, err := unescapeBytes(raw)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	return out, nil
}

func unescapeBytes(raw []byte) ([]byte, error) {
	amp := bytes.IndexByte(raw, '&')
	if amp < 0 {
		return raw, nil
	}
	out := make([]byte, 0, len(raw))
	for {
		out = append(out, raw[:amp]...)
		raw = raw[amp:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 || semi > 12 {
			return nil, errors.New("bad character reference")
		}
		ref := string(raw[1:semi])
		switch ref {
		case "amp":
			out = append(out, '&')
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ref, "#x"):
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			case strings.HasPrefix(ref, "#"):
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			default:
				return nil, fmt.Errorf("unknown entity &%s;", ref)
			}
			if err != nil || ref == "#" || ref == "#x" || !xmlChar(rune(n)) {
				return nil, fmt.Errorf("bad character reference &%s;", ref)
			}
			out = utf8.AppendRune(out, rune(n))
		}
		raw = raw[semi+1:]
		amp = bytes.IndexByte(raw, '&')
		if amp < 0 {
			return append(out, raw...), nil
		}
	}
}

// checkChars requires valid UTF-8 made of XML characters.
func (p *scanner) checkChars(t []byte) error {
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return p.errf("illegal character U+%04X", c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(t[i:])
		if r == utf8.RuneError && size == 1 {
			return p.errf("invalid UTF-8")
		}
		if !xmlChar(r) {
			return p.errf("illegal character U+%04X", r)
		}
		i += size
	}
	return nil
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// toUTF8 applies the XML declaration's encoding: UTF-8 and ASCII pass,
// ISO-8859-1 is converted, anything else is refused.
func toUTF8(b []byte) ([]byte, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return b, nil
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return nil, errors.New("malformed XML: unterminated XML declaration")
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return b, nil
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return nil, errors.New("malformed XML: bad encoding declaration")
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return nil, errors.New("malformed XML: bad encoding declaration")
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return nil, errors.New("malformed XML: bad encoding declaration")
	}
	switch label := strings.ToLower(rest[1 : 1+j]); label {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return b, nil
	case "iso-8859-1", "latin-1", "latin1":
		out := make([]byte, 0, len(b)+len(b)/8)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return out, nil
	default:
		return nil, fmt.Errorf("malformed XML: unsupported encoding %q", label)
	}
}
