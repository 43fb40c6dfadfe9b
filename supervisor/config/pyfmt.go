package config

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// This file reproduces the parts of Python that leak into Supervisor's
// messages and values: str repr() and the `%` string formatting operator
// applied to a dict, which is how 4.2.5 expands %(name)s in config values.

// pyRepr renders s the way Python's repr() renders a str.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// expansions maps %(name)s names to values; values are string or int, as
// in 4.2.5 (process_num and numprocs are ints, everything else str).
type expansions map[string]any

func (e expansions) clone() expansions {
	c := make(expansions, len(e))
	for k, v := range e {
		c[k] = v
	}
	return c
}

func (e expansions) names() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyDictRepr approximates repr(dict) for the odd value `%s` without a name,
// which Python fills with the whole expansion dict. Python's order is
// insertion order, which we do not track, so keys are sorted.
func (e expansions) pyDictRepr() string {
	var parts []string
	for _, k := range e.names() {
		parts = append(parts, pyRepr(k)+": "+pyValueRepr(e[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func pyValueRepr(v any) string {
	if s, ok := v.(string); ok {
		return pyRepr(s)
	}
	return fmt.Sprint(v)
}

// keyError is Python's KeyError from a %(name)s without a value.
type keyError struct{ name string }

func (k *keyError) Error() string { return pyRepr(k.name) }

// dictArg stands for the mapping itself when a spec has no (name).
type dictArg struct{}

// pyFormat evaluates Python's `format % mapping` for a mapping argument.
// Like CPython, it keeps one "current argument": the mapping at first,
// the looked-up value after each %(name); a '*' or a conversion consumes
// it, and a second use finds nothing ("not enough arguments").
func pyFormat(format string, m expansions) (string, error) {
	rs := []rune(format)
	var out strings.Builder
	var cur any = dictArg{}
	avail := true
	next := func() (any, error) {
		if !avail {
			return nil, fmt.Errorf("not enough arguments for format string")
		}
		avail = false
		return cur, nil
	}
	for i := 0; i < len(rs); i++ {
		if rs[i] != '%' {
			out.WriteRune(rs[i])
			continue
		}
		i++
		if i >= len(rs) {
			return "", fmt.Errorf("incomplete format")
		}
		if rs[i] == '%' {
			out.WriteByte('%')
			continue
		}
		if rs[i] == '(' {
			depth := 1
			start := i + 1
			i++
			for i < len(rs) && depth > 0 {
				switch rs[i] {
				case '(':
					depth++
				case ')':
					depth--
				}
				i++
			}
			if depth > 0 {
				return "", fmt.Errorf("incomplete format key")
			}
			key := string(rs[start : i-1])
			v, ok := m[key]
			if !ok {
				return "", &keyError{key}
			}
			cur, avail = v, true
		}
		var flags string
		for i < len(rs) && strings.ContainsRune("-+ #0", rs[i]) {
			flags += string(rs[i])
			i++
		}
		width, prec := -1, -1
		starArg := func() (int, error) {
			v, err := next()
			if err != nil {
				return 0, err
			}
			n, ok := v.(int)
			if !ok {
				return 0, fmt.Errorf("* wants int")
			}
			return n, nil
		}
		if i < len(rs) && rs[i] == '*' {
			n, err := starArg()
			if err != nil {
				return "", err
			}
			if n < 0 {
				flags += "-"
				n = -n
			}
			width = n
			i++
		} else {
			for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
				if width < 0 {
					width = 0
				}
				width = width*10 + int(rs[i]-'0')
				if width > 1<<20 {
					return "", fmt.Errorf("width too big")
				}
				i++
			}
		}
		if i < len(rs) && rs[i] == '.' {
			i++
			prec = 0
			if i < len(rs) && rs[i] == '*' {
				n, err := starArg()
				if err != nil {
					return "", err
				}
				if n > 0 {
					prec = n
				}
				i++
			} else {
				for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
					prec = prec*10 + int(rs[i]-'0')
					if prec > 1<<20 {
						return "", fmt.Errorf("precision too big")
					}
					i++
				}
			}
		}
		if i < len(rs) && (rs[i] == 'h' || rs[i] == 'l' || rs[i] == 'L') {
			i++ // one C length modifier is accepted and ignored
		}
		if i >= len(rs) {
			return "", fmt.Errorf("incomplete format")
		}
		conv := rs[i]
		value, err := next()
		if err != nil {
			return "", err
		}
		if !strings.ContainsRune("sradiuoxXeEfFgGc", conv) {
			shown := conv
			if conv < 0x20 || conv > 0x7e {
				shown = '?'
			}
			return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", shown, conv, i)
		}
		if _, isDict := value.(dictArg); isDict {
			switch conv {
			case 's', 'r', 'a':
				value = m.pyDictRepr()
				conv = 's'
			case 'c':
				return "", fmt.Errorf("%%c requires int or char")
			case 'o', 'x', 'X':
				return "", fmt.Errorf("%%%c format: an integer is required, not dict", conv)
			default:
				return "", fmt.Errorf("%%%c format: a real number is required, not dict", conv)
			}
		}
		s, err := formatOne(conv, flags, width, prec, value)
		if err != nil {
			return "", err
		}
		out.WriteString(s)
	}
	return out.String(), nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case int:
		return "int"
	}
	return "object"
}

func formatOne(conv rune, flags string, width, prec int, value any) (string, error) {
	left := strings.Contains(flags, "-")
	zero := strings.Contains(flags, "0") && !left
	var body string
	numeric := false
	switch conv {
	case 's', 'r', 'a':
		switch v := value.(type) {
		case string:
			body = v
			if conv != 's' {
				body = pyRepr(v)
			}
		default:
			body = fmt.Sprint(v)
		}
		if prec >= 0 {
			r := []rune(body)
			if prec < len(r) {
				body = string(r[:prec])
			}
		}
	case 'c':
		switch v := value.(type) {
		case string:
			if len([]rune(v)) != 1 {
				return "", fmt.Errorf("%%c requires int or char")
			}
			body = v
		case int:
			if v < 0 || v > 0x10ffff {
				return "", fmt.Errorf("%%c arg not in range(0x110000)")
			}
			body = string(rune(v))
		}
	default:
		n, ok := value.(int)
		if !ok {
			if strings.ContainsRune("eEfFgG", conv) {
				return "", fmt.Errorf("must be real number, not %s", pyTypeName(value))
			}
			if strings.ContainsRune("oxX", conv) {
				return "", fmt.Errorf("%%%c format: an integer is required, not %s", conv, pyTypeName(value))
			}
			return "", fmt.Errorf("%%%c format: a real number is required, not %s", conv, pyTypeName(value))
		}
		numeric = true
		sign := ""
		if n < 0 {
			sign = "-"
		} else if strings.Contains(flags, "+") {
			sign = "+"
		} else if strings.Contains(flags, " ") {
			sign = " "
		}
		abs := uint64(n)
		if n < 0 {
			abs = uint64(-int64(n))
		}
		var digits, prefix string
		switch conv {
		case 'd', 'i', 'u':
			digits = strconv.FormatUint(abs, 10)
		case 'o':
			digits = strconv.FormatUint(abs, 8)
			if strings.Contains(flags, "#") {
				prefix = "0o"
			}
		case 'x':
			digits = strconv.FormatUint(abs, 16)
			if strings.Contains(flags, "#") {
				prefix = "0x"
			}
		case 'X':
			digits = strings.ToUpper(strconv.FormatUint(abs, 16))
			if strings.Contains(flags, "#") {
				prefix = "0X"
			}
		default: // float conversions
			p := prec
			if p < 0 {
				p = 6
			}
			f := math.Abs(float64(n))
			c := byte(conv)
			if conv == 'F' {
				c = 'f'
			}
			if conv == 'g' || conv == 'G' {
				if p == 0 {
					p = 1
				}
			}
			digits = strconv.FormatFloat(f, c, p, 64)
			if conv == 'g' || conv == 'G' {
				digits = strconv.FormatFloat(f, c, p, 64)
				if strings.Contains(flags, "#") && !strings.Contains(digits, ".") {
					digits += "."
				}
			}
			prec = -1
		}
		if prec >= 0 && len(digits) < prec {
			digits = strings.Repeat("0", prec-len(digits)) + digits
		}
		body = sign + prefix + digits
		if zero && width > len(body) {
			body = sign + prefix + strings.Repeat("0", width-len(body)) + digits
		}
	}
	n := len([]rune(body))
	if width > n {
		pad := strings.Repeat(" ", width-n)
		if left {
			body += pad
		} else if !numeric || !zero {
			body = pad + body
		}
	}
	return body, nil
}

// expand is 4.2.5's options.expand: `s % expansions` with its two messages.
func expand(s string, exp expansions, name string) (string, error) {
	out, err := pyFormat(s, exp)
	if err == nil {
		return out, nil
	}
	if ke, ok := err.(*keyError); ok {
		return "", fmt.Errorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
			pyRepr(s), pyRepr(name), ke.Error(), strings.Join(exp.names(), ", "))
	}
	return "", fmt.Errorf("Format string %s for %s is badly formatted: %s", pyRepr(s), pyRepr(name), err)
}
