package serve

import (
	"html"
	"regexp"
	"strconv"
	"strings"
)

// Block-level patterns; a small CommonMark subset is enough for lab text.
var (
	fenceRE   = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})(.*)$")
	headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
	ulRE      = regexp.MustCompile(`^\s*[-*+][ \t]+(.*)$`)
	olRE      = regexp.MustCompile(`^\s*\d{1,9}[.)][ \t]+(.*)$`)
	tableSep  = regexp.MustCompile(`^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$`)
	hrRE      = regexp.MustCompile(`^ {0,3}(?:(?:- *){3,}|(?:\* *){3,}|(?:_ *){3,})$`)
)

// renderMarkdown turns lab markdown into HTML. Every checker fence is replaced by
// check(line), line being the 1-based line of its opening fence (labdoc.Step.Line).
// Front matter is skipped. All text is HTML-escaped; raw HTML in the source is shown as text.
func renderMarkdown(src string, check func(line int) string) string {
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(src, "\n")
	var b strings.Builder
	i := 0
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for j := 1; j < len(lines); j++ {
			if t := strings.TrimSpace(lines[j]); t == "---" || t == "..." {
				i = j + 1
				break
			}
		}
	}
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, "\n")) + "</p>\n")
			para = nil
		}
	}
	for i < len(lines) {
		line := lines[i]
		if m := fenceRE.FindStringSubmatch(line); m != nil && !(m[2][0] == '`' && strings.Contains(m[3], "`")) {
			flush()
			fence, info, start := m[2], strings.TrimSpace(m[3]), i
			var body []string
			for i++; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if strings.HasPrefix(t, fence[:1]) && strings.Trim(t, fence[:1]) == "" && len(t) >= len(fence) {
					break
				}
				body = append(body, lines[i])
			}
			i++
			if info == "checker" {
				b.WriteString(check(start + 1))
				continue
			}
			lang := strings.Fields(info + " x")[0]
			cls := ""
			if info != "" {
				cls = ` class="language-` + html.EscapeString(lang) + `"`
			}
			b.WriteString("<pre><code" + cls + ">" + html.EscapeString(strings.Join(body, "\n")) + "</code></pre>\n")
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			i++
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			flush()
			t := strings.TrimSpace(strings.TrimRight(m[2], "#"))
			n := strconv.Itoa(len(m[1]))
			b.WriteString("<h" + n + ">" + inline(t) + "</h" + n + ">\n")
			i++
			continue
		}
		if hrRE.MatchString(line) && len(para) == 0 {
			b.WriteString("<hr>\n")
			i++
			continue
		}
		if strings.Contains(line, "|") && i+1 < len(lines) && tableSep.MatchString(lines[i+1]) && strings.Contains(lines[i+1], "|") {
			flush()
			b.WriteString("<table>\n<thead><tr>")
			for _, c := range cells(line) {
				b.WriteString("<th>" + inline(c) + "</th>")
			}
			b.WriteString("</tr></thead>\n<tbody>\n")
			for i += 2; i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != ""; i++ {
				b.WriteString("<tr>")
				for _, c := range cells(lines[i]) {
					b.WriteString("<td>" + inline(c) + "</td>")
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table>\n")
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			flush()
			var q []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), ">"); i++ {
				q = append(q, strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(lines[i]), ">"), " "))
			}
			b.WriteString("<blockquote>" + renderMarkdown(strings.Join(q, "\n"), check) + "</blockquote>\n")
			continue
		}
		if ulRE.MatchString(line) || olRE.MatchString(line) {
			flush()
			re, tag := ulRE, "ul"
			if !ulRE.MatchString(line) {
				re, tag = olRE, "ol"
			}
			b.WriteString("<" + tag + ">\n")
			var item []string
			end := func() {
				if item != nil {
					b.WriteString("<li>" + inline(strings.Join(item, "\n")) + "</li>\n")
				}
				item = nil
			}
			for ; i < len(lines); i++ {
				l := lines[i]
				if m := re.FindStringSubmatch(l); m != nil {
					end()
					item = []string{m[1]}
					continue
				}
				if strings.TrimSpace(l) == "" || fenceRE.MatchString(l) || headingRE.MatchString(l) ||
					(!strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t")) {
					break
				}
				item = append(item, strings.TrimSpace(l))
			}
			end()
			b.WriteString("</" + tag + ">\n")
			continue
		}
		para = append(para, strings.TrimSpace(line))
		i++
	}
	flush()
	return b.String()
}

// cells splits a table row on unescaped pipes outside code spans.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var out []string
	var cur strings.Builder
	code := false
	for k := 0; k < len(row); k++ {
		switch c := row[k]; {
		case c == '\\' && k+1 < len(row) && row[k+1] == '|':
			cur.WriteByte('|')
			k++
		case c == '`':
			code = !code
			cur.WriteByte(c)
		case c == '|' && !code:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

var (
	codeSpanRE = regexp.MustCompile("`+")
	linkRE     = regexp.MustCompile(`!?\[([^\]]*)\]\(([^()\s]*)(?:\s+"[^"]*")?\)`)
	strongRE   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	emRE       = regexp.MustCompile(`\*([^*\s][^*]*)\*|\b_([^_\s][^_]*)_\b`)
)

// inline renders code spans, links, images (as links), bold and italics, escaping the rest.
func inline(s string) string {
	var b strings.Builder
	for s != "" {
		loc := codeSpanRE.FindStringIndex(s)
		if loc == nil {
			b.WriteString(spans(s))
			break
		}
		ticks := s[loc[0]:loc[1]]
		rest := s[loc[1]:]
		end := strings.Index(rest, ticks)
		if end < 0 {
			b.WriteString(spans(s[:loc[1]]))
			s = rest
			continue
		}
		b.WriteString(spans(s[:loc[0]]))
		code := rest[:end]
		if len(strings.TrimSpace(code)) > 0 && strings.HasPrefix(code, " ") && strings.HasSuffix(code, " ") {
			code = code[1 : len(code)-1]
		}
		b.WriteString("<code>" + html.EscapeString(code) + "</code>")
		s = rest[end+len(ticks):]
	}
	return b.String()
}

// spans handles text without code spans.
func spans(s string) string {
	var b strings.Builder
	for s != "" {
		loc := linkRE.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(emphasis(html.EscapeString(s)))
			break
		}
		b.WriteString(emphasis(html.EscapeString(s[:loc[0]])))
		text, href := s[loc[2]:loc[3]], s[loc[4]:loc[5]]
		if safeURL(href) {
			b.WriteString(`<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer">` + emphasis(html.EscapeString(text)) + "</a>")
		} else {
			b.WriteString(emphasis(html.EscapeString(text)))
		}
		s = s[loc[1]:]
	}
	return strings.ReplaceAll(b.String(), "\n", " ")
}

func emphasis(escaped string) string {
	escaped = strongRE.ReplaceAllString(escaped, "<strong>$1$2</strong>")
	return emRE.ReplaceAllString(escaped, "<em>$1$2</em>")
}

// safeURL allows http(s), mailto and relative links; never javascript: and the like.
func safeURL(u string) bool {
	l := strings.ToLower(u)
	if i := strings.IndexAny(l, ":/?#"); i >= 0 && l[i] == ':' {
		return strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") || strings.HasPrefix(l, "mailto:")
	}
	return true
}
