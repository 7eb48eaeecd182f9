package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// linePrompter asks questions as plain line prompts: help first, then
// numbered choices, [Y/n] confirms, Enter to keep the value shown, and
// secrets read without echo when the input is a terminal. A prompt gives
// up with the context's error when the context ends, the terminal restored.
type linePrompter struct {
	ctx context.Context
	out io.Writer
	in  *bufio.Reader
	// pending is a line being read in the background, kept for the next
	// prompt when the context ended first.
	pending chan lineResult
	// fd is the terminal behind in, or -1.
	fd int
}

type lineResult struct {
	line string
	err  error
}

func newLinePrompter(ctx context.Context, in io.Reader, out io.Writer) *linePrompter {
	p := &linePrompter{ctx: ctx, out: out, in: bufio.NewReader(in), fd: -1}
	if f, ok := in.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		p.fd = int(f.Fd())
	}
	return p
}

func (p *linePrompter) printf(format string, args ...any) { fmt.Fprintf(p.out, format, args...) }

// readLine reads one line without its end.
func (p *linePrompter) readLine() (string, error) {
	if p.pending == nil {
		ch := make(chan lineResult, 1)
		p.pending = ch
		go func() {
			s, err := p.in.ReadString('\n')
			ch <- lineResult{s, err}
		}()
	}
	select {
	case res := <-p.pending:
		p.pending = nil
		if res.line == "" && res.err != nil {
			return "", fmt.Errorf("read answer: %w", res.err)
		}
		return strings.TrimRight(res.line, "\r\n"), nil
	case <-p.ctx.Done():
		p.printf("\n")
		return "", p.ctx.Err()
	}
}

// readSecret reads one line without echo from the terminal; without one
// it reads a plain line.
func (p *linePrompter) readSecret() (string, error) {
	// Lines typed ahead are already in the buffer, past the terminal.
	if p.fd < 0 || p.in.Buffered() > 0 || p.pending != nil {
		return p.readLine()
	}
	state, err := term.GetState(p.fd)
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	done := make(chan lineResult, 1)
	go func() {
		b, err := term.ReadPassword(p.fd)
		done <- lineResult{string(b), err}
	}()
	select {
	case res := <-done:
		// The Enter that ended it was not echoed.
		p.printf("\n")
		if res.err != nil {
			return "", fmt.Errorf("read secret: %w", res.err)
		}
		return res.line, nil
	case <-p.ctx.Done():
		_ = term.Restore(p.fd, state)
		p.printf("\n")
		return "", p.ctx.Err()
	}
}

// askPages asks the questions of every page that is not hidden, in order;
// whether a page is hidden is decided once the pages before it are answered.
func (p *linePrompter) askPages(pages []page) error {
	for _, pg := range pages {
		if pg.hidden != nil && pg.hidden() {
			continue
		}
		if pg.title != "" {
			p.printf("%s\n", pg.title)
		}
		for _, q := range pg.questions {
			if err := p.ask(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// ask asks q, or the alternative of it chosen by the answers before, until
// its answer is valid, and stores the answer.
func (p *linePrompter) ask(q question) error {
	q = q.chosen()
	if q.kind == askNote {
		if q.title != "" {
			p.printf("%s\n", q.title)
		}
		if q.help != "" {
			p.printf("%s\n", q.help)
		}
		return nil
	}
	if q.help != "" {
		p.printf("%s\n", q.help)
	}
	switch q.kind {
	case askSelect:
		return p.askSelect(q)
	case askConfirm:
		return p.askConfirm(q)
	case askMultiline:
		if q.secret {
			return p.askText(q, func() (string, error) { return p.readLines(p.readSecret) })
		}
		return p.askText(q, func() (string, error) { return p.readLines(p.readLine) })
	case askSecret:
		return p.askText(q, p.readSecret)
	}
	return p.askText(q, p.readLine)
}

// askText asks for a line, or lines, with read. An empty answer keeps the
// current value, which the prompt shows unless it is secret.
func (p *linePrompter) askText(q question, read func() (string, error)) error {
	current := *q.value
	keep := current != ""
	for {
		switch {
		case keep && (q.kind == askSecret || q.secret):
			p.printf("(Enter keeps the secret given before)\n")
		case keep:
			p.printf("(Enter keeps %q)\n", current)
		}
		p.printf("%s ", q.title)
		if q.kind == askMultiline {
			p.printf("(end with an empty line)\n")
		}
		v, err := read()
		if err != nil {
			return err
		}
		if q.kind != askSecret {
			v = strings.TrimSpace(v)
		}
		if v == "" && keep {
			v = current
		}
		if q.validate != nil {
			if err := q.validate(v); err != nil {
				p.printf("%s\n", err)
				continue
			}
		}
		*q.value = v
		return nil
	}
}

// readLines reads lines with read up to an empty one, or the end of the
// input, and returns them joined.
func (p *linePrompter) readLines(read func() (string, error)) (string, error) {
	var lines []string
	for {
		l, err := read()
		if err != nil {
			if len(lines) > 0 && errors.Is(err, io.EOF) {
				break
			}
			return "", err
		}
		if strings.TrimSpace(l) == "" {
			break
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), nil
}

// askSelect lists the options by number and reads a number; Enter keeps
// the current one.
func (p *linePrompter) askSelect(q question) error {
	if len(q.options) == 0 {
		return fmt.Errorf("ask %q: there is nothing to choose from", q.title)
	}
	p.printf("%s\n", q.title)
	current := 1
	for i, o := range q.options {
		p.printf("%d. %s\n", i+1, o.label)
		if o.value == *q.value {
			current = i + 1
		}
	}
	n := len(q.options)
	prompt := fmt.Sprintf("Enter a number between 1 and %d (Enter keeps %d): ", n, current)
	if n == 1 {
		prompt = "There is only one option available; enter the number 1: "
	}
	for {
		p.printf("%s", prompt)
		line, err := p.readLine()
		if err != nil {
			return err
		}
		choice := current
		if line = strings.TrimSpace(line); line != "" {
			choice, err = strconv.Atoi(line)
			if err != nil || choice < 1 || choice > n {
				p.printf("Invalid: must be a number between 1 and %d\n", n)
				continue
			}
		}
		v := q.options[choice-1].value
		if q.validate != nil {
			if err := q.validate(v); err != nil {
				p.printf("%s\n", err)
				continue
			}
		}
		*q.value = v
		return nil
	}
}

// askConfirm reads y or n; Enter keeps the current answer, the capital one.
func (p *linePrompter) askConfirm(q question) error {
	opts := "[y/N]"
	if *q.flag {
		opts = "[Y/n]"
	}
	for {
		p.printf("%s %s ", q.title, opts)
		line, err := p.readLine()
		if err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "":
			return nil
		case "y", "yes":
			*q.flag = true
			return nil
		case "n", "no":
			*q.flag = false
			return nil
		}
		p.printf("Answer y or n.\n")
	}
}
