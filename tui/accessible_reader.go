package tui

import (
	"bufio"
	"context"
	"io"
	"strings"
)

// lineReader hands out its input one line per Read. huh's accessible
// prompts each read through a new bufio.Scanner, which would keep every
// line after the first of a larger read to itself and leave the next
// prompts at end of input. A Read returns io.EOF once the context ends.
type lineReader struct {
	ctx     context.Context
	br      *bufio.Reader
	pending chan lineResult
	rest    []byte
	// def replaces an empty line: Enter keeps the current value, which
	// huh's prompt would otherwise check as if nothing were typed.
	def string
}

type lineResult struct {
	line string
	err  error
}

// fdLineReader is a lineReader on a terminal: huh reads secrets from the
// descriptor itself, without echo.
type fdLineReader struct {
	*lineReader
	fd uintptr
}

// Fd is the terminal's file descriptor.
func (f fdLineReader) Fd() uintptr { return f.fd }

func newLineReader(ctx context.Context, in io.Reader) io.Reader {
	l := &lineReader{ctx: ctx, br: bufio.NewReader(in)}
	if f, ok := in.(interface{ Fd() uintptr }); ok {
		return fdLineReader{lineReader: l, fd: f.Fd()}
	}
	return l
}

// keep makes an empty line stand for v until the next call; "" ends it.
func (l *lineReader) keep(v string) { l.def = v }

func (l *lineReader) Read(p []byte) (int, error) {
	if len(l.rest) == 0 {
		if l.pending == nil {
			ch := make(chan lineResult, 1)
			l.pending = ch
			go func() {
				s, err := l.br.ReadString('\n')
				ch <- lineResult{s, err}
			}()
		}
		select {
		case res := <-l.pending:
			l.pending = nil
			line := res.line
			if line == "" {
				if res.err == nil {
					res.err = io.EOF
				}
				return 0, res.err
			}
			if strings.TrimSpace(line) == "" && l.def != "" {
				line = l.def + "\n"
			}
			l.rest = []byte(line)
		case <-l.ctx.Done():
			return 0, io.EOF
		}
	}
	n := copy(p, l.rest)
	l.rest = l.rest[n:]
	return n, nil
}
