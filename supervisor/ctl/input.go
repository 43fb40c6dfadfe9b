package ctl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"
)

// pipeInput reads lines from a non-terminal stdin, like Python's input()
// does when stdin is a pipe: the prompt is still written to stdout, the
// line comes back without its newline. Reading happens in a goroutine
// started on first use so a pending read can be abandoned on Ctrl-C.
type pipeInput struct {
	r     io.Reader
	out   io.Writer
	errw  io.Writer
	once  sync.Once
	lines chan lineOrErr
}

type lineOrErr struct {
	line string
	err  error
}

func newPipeInput(r io.Reader, out, errw io.Writer) *pipeInput {
	return &pipeInput{r: r, out: out, errw: errw}
}

func (p *pipeInput) start() {
	p.lines = make(chan lineOrErr)
	go func() {
		br := bufio.NewReader(p.r)
		for {
			s, err := br.ReadString('\n')
			if len(s) > 0 && s[len(s)-1] == '\n' {
				s = s[:len(s)-1]
			} else if err == nil {
				err = io.EOF
			}
			if err != nil && s == "" {
				p.lines <- lineOrErr{err: err}
				close(p.lines)
				return
			}
			p.lines <- lineOrErr{line: s}
			if err != nil {
				p.lines <- lineOrErr{err: io.EOF}
				close(p.lines)
				return
			}
		}
	}()
}

// ReadLine implements lineReader.
func (p *pipeInput) ReadLine(ctx context.Context, prompt string) (string, error) {
	if ctx.Err() != nil {
		return "", errInterrupted
	}
	io.WriteString(p.out, prompt)
	p.once.Do(p.start)
	select {
	case l, ok := <-p.lines:
		if !ok {
			return "", io.EOF
		}
		if l.err != nil && !errors.Is(l.err, io.EOF) {
			return "", l.err
		}
		return l.line, l.err
	case <-ctx.Done():
		return "", errInterrupted
	}
}

// getpassFallback is what Python's getpass prints on stderr when it cannot
// turn echo off, which is what 4.2.5 shows when stdin is not a terminal.
const getpassFallback = "/usr/lib/python3.11/getpass.py:91: GetPassWarning: Can not control echo on the terminal.\n" +
	"  passwd = fallback_getpass(prompt, stream)\n" +
	"Warning: Password input may be echoed.\n"

// ReadPassword implements lineReader; a pipe cannot hide echo, so like
// getpass's fallback it warns and prompts on stderr.
func (p *pipeInput) ReadPassword(ctx context.Context, prompt string) (string, error) {
	io.WriteString(p.errw, getpassFallback+prompt)
	line, err := p.ReadLine(ctx, "")
	if err == nil {
		io.WriteString(p.errw, "\n")
	}
	return line, err
}
