package config

import (
	"errors"
	"fmt"
	"strings"
)

// This file holds the two shlex dialects 4.2.5 uses: POSIX shlex.split for
// `command=` (CFG-CMD-01) and the legacy, non-POSIX shlex.shlex tokenizer
// behind `environment=` (CFG-ENV-*), with its quirks kept on purpose.

// SplitCommand splits a command line as Python's shlex.split does (POSIX
// mode, no comments). Its errors are the ones 4.2.5 reports at spawn time:
// "No closing quotation" and "No escaped character".
func SplitCommand(s string) ([]string, error) {
	var (
		args    []string
		tok     strings.Builder
		inTok   bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			// Inside double quotes a backslash only escapes " and \.
			if quote == '"' && r != '"' && r != '\\' {
				tok.WriteRune('\\')
			}
			tok.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				tok.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				tok.WriteRune(r)
			}
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			if inTok {
				args = append(args, tok.String())
				tok.Reset()
				inTok = false
			}
		case r == '\\':
			escaped, inTok = true, true
		case r == '\'' || r == '"':
			quote, inTok = r, true
		default:
			tok.WriteRune(r)
			inTok = true
		}
	}
	if escaped {
		return nil, errors.New("No escaped character")
	}
	if quote != 0 {
		return nil, errors.New("No closing quotation")
	}
	if inTok {
		args = append(args, tok.String())
	}
	return args, nil
}

// legacyWordChars are shlex.shlex's non-POSIX word characters plus the
// ones 4.2.5 adds for environment values.
const legacyWordChars = "abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_" + "/.+-():"

// legacyTokens is list(shlex.shlex(s)) with posix=False: quotes stay in the
// token, '#' starts a comment to end of line, any other character is a
// token of its own.
func legacyTokens(s string) ([]string, error) {
	var toks []string
	rs := []rune(s)
	i := 0
	isWS := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	isWord := func(r rune) bool { return r < 0x80 && strings.ContainsRune(legacyWordChars, r) }
	for i < len(rs) {
		r := rs[i]
		switch {
		case isWS(r):
			i++
		case r == '#':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case isWord(r):
			j := i
			var word strings.Builder
			for j < len(rs) {
				c := rs[j]
				if c == '#' {
					// Non-POSIX shlex skips the rest of the line but keeps
					// building the same word on the next line.
					for j < len(rs) && rs[j] != '\n' {
						j++
					}
					if j < len(rs) {
						j++
					}
					continue
				}
				if !isWord(c) && c != '\'' && c != '"' {
					break
				}
				word.WriteRune(c)
				j++
			}
			toks = append(toks, word.String())
			i = j
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j >= len(rs) {
				return nil, errors.New("No closing quotation")
			}
			toks = append(toks, string(rs[i:j+1]))
			i = j + 1
		default:
			toks = append(toks, string(r))
			i++
		}
	}
	return toks, nil
}

// parseEnvironment is datatypes.dict_of_key_value_pairs: groups of four
// tokens KEY = VALUE <any separator>, values stripped of quote characters.
func parseEnvironment(s string) (Env, error) {
	toks, err := legacyTokens(s)
	if err != nil {
		return nil, err
	}
	var env Env
	for i := 0; i < len(toks); i += 4 {
		if i+3 > len(toks) || toks[i+1] != "=" {
			return nil, fmt.Errorf("Unexpected end of key/value pairs in value '%s'", s)
		}
		env = env.Set(toks[i], strings.Trim(toks[i+2], `'"`))
	}
	return env, nil
}

// Set returns env with key set to value, replacing an earlier value in
// place (Python dict semantics: the first insertion fixes the order).
func (e Env) Set(key, value string) Env {
	for i := range e {
		if e[i].Key == key {
			e[i].Value = value
			return e
		}
	}
	return append(e, EnvVar{Key: key, Value: value})
}

// Get returns the value of key and whether it is set.
func (e Env) Get(key string) (string, bool) {
	for _, v := range e {
		if v.Key == key {
			return v.Value, true
		}
	}
	return "", false
}

// Merge returns a copy of base with over's variables set on top.
func (e Env) Merge(over Env) Env {
	out := append(Env(nil), e...)
	for _, v := range over {
		out = out.Set(v.Key, v.Value)
	}
	return out
}

// Strings renders the variables as KEY=VALUE for exec.
func (e Env) Strings() []string {
	out := make([]string, len(e))
	for i, v := range e {
		out[i] = v.Key + "=" + v.Value
	}
	return out
}
