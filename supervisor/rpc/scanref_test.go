package rpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseTreeStd is the former encoding/xml-based parser, kept as the
// reference for FuzzScannerMatchesEncodingXML.
func parseTreeStd(body []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	// Accept the encodings Python's expat does natively; others are refused.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		case "iso-8859-1", "latin-1", "latin1":
			return &latin1Reader{r: r}, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	var stack []*element
	var root *element
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
			if n > maxElements {
				return nil, errors.New("too many XML elements")
			}
			if len(stack) >= maxDepth {
				return nil, errors.New("XML nested too deeply")
			}
			e := &element{tag: t.Name.Local}
			if t.Name.Space != "" {
				// ElementTree spells namespaced tags "{uri}local", which
				// matches none of the XML-RPC tags.
				e.tag = "{" + t.Name.Space + "}" + t.Name.Local
			}
			if len(stack) > 0 {
				// The parent's .text ends at its first child.
				p := stack[len(stack)-1]
				if len(p.kids) == 0 {
					p.text, p.buf = string(p.buf), nil
				}
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("malformed XML: junk after document element")
				}
				root = e
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			if e := stack[len(stack)-1]; len(e.kids) == 0 {
				e.text, e.buf = string(e.buf), nil
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, errors.New("malformed XML: text outside the document element")
				}
				continue
			}
			e := stack[len(stack)-1]
			if len(e.kids) == 0 {
				e.buf = append(e.buf, t...)
				e.hasText = true
			}
		}
	}
	if root == nil {
		return nil, errors.New("malformed XML: no element found")
	}
	if len(stack) != 0 {
		return nil, errors.New("malformed XML: unclosed element")
	}
	return root, nil
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r       io.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		raw := make([]byte, max(len(p), 1))
		n, err := l.r.Read(raw)
		for _, b := range raw[:n] {
			l.pending = utf8.AppendRune(l.pending, rune(b))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

func sameTree(a, b *element) bool {
	if a.tag != b.tag || a.text != b.text || a.hasText != b.hasText || len(a.kids) != len(b.kids) {
		return false
	}
	for i := range a.kids {
		if !sameTree(a.kids[i], b.kids[i]) {
			return false
		}
	}
	return true
}

func dumpTree(e *element) string {
	var b strings.Builder
	var walk func(e *element, d int)
	walk = func(e *element, d int) {
		fmt.Fprintf(&b, "%s%s %q %v\n", strings.Repeat(" ", d), e.tag, e.text, e.hasText)
		for _, k := range e.kids {
			walk(k, d+1)
		}
	}
	walk(e, 0)
	return b.String()
}

// FuzzScannerMatchesEncodingXML: wherever encoding/xml and our scanner
// both accept a document, they must build the same tree; and whatever
// encoding/xml accepts we accept too, DOCTYPEs and prefixed names aside.
func FuzzScannerMatchesEncodingXML(f *testing.F) {
	seeds := []string{
		"<methodCall><methodName>a.b</methodName><params><param><value><string>x &amp; y</string></value></param></params></methodCall>",
		"<?xml version='1.0'?>\n<a>t<b/>u<!-- c --><c x='1' y=\"2\">v<![CDATA[<w>]]></c></a>\n",
		"<a xmlns='urn:x'><b>1</b></a>",
		"<a>&#65;&#x42;&lt;&gt;&quot;&apos;</a>",
		"<a>\r\n</a>",
		"<?xml version='1.0' encoding='iso-8859-1'?><a>\xe9</a>",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ours, err1 := parseTree(body)
		std, err2 := parseTreeStd(body)
		if err1 == nil && err2 == nil && !sameTree(ours, std) {
			t.Fatalf("trees differ\nours:\n%s\nencoding/xml:\n%s", dumpTree(ours), dumpTree(std))
		}
		if err1 != nil && err2 == nil && !bytes.Contains(body, []byte("<!")) && !bytes.Contains(body, []byte(":")) {
			t.Fatalf("we reject what encoding/xml accepts: %v", err1)
		}
	})
}
