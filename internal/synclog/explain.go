package synclog

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// Refine diagnoses a failed run's failure, reading the tail of its log
// for a crash of the connector's service child: the innermost error of a
// crash is about a closed pipe or a cancelled action, and the crash
// itself is logged apart, so the crash's own words are the failure then.
// When the error names a cause of its own, a "quit unexpectedly" line is
// the SDK killing its child on the way out (baton-sdk v0.2.x does, now
// and then), and the error stands.
func Refine(f Failure, tail []string, exitCode int, timedOut bool) (Failure, Diagnosis) {
	d := Diagnose(f, exitCode, timedOut)
	if !Crashed(tail) || (d.Cause != CauseUnknown && d.Cause != CauseNetwork) {
		return f, d
	}
	f.Full = strings.Join(tail, "\n")
	if m := crashMessage(tail); m != "" {
		f.Message = m
	}
	return f, Diagnose(f, exitCode, timedOut)
}

// Crashed reports whether the log says the connector's service child quit.
func Crashed(tail []string) bool {
	for _, l := range tail {
		if strings.Contains(l, "connector service quit unexpectedly") {
			return true
		}
	}
	return false
}

// crashMessage is the connector's own last words before its service child
// quit: a panic's text just before, else the quit entry itself.
func crashMessage(tail []string) string {
	for i, l := range tail {
		if !strings.Contains(l, "connector service quit unexpectedly") {
			continue
		}
		for j := i - 1; j >= max(i-5, 0); j-- {
			if e := ParseString(tail[j]); e.Kind == KindText && strings.TrimSpace(e.Raw) != "" {
				return strings.TrimSpace(e.Raw)
			}
		}
		e := ParseString(l)
		return strings.TrimSpace(e.Msg + ": " + e.Err)
	}
	return ""
}

// maxLine bounds how much of one log line is kept.
const maxLine = 64 << 10

// CollectReader feeds every line of r to a new collector, however long
// the lines are (each is cut to a bound).
func CollectReader(r io.Reader) (*Collector, error) {
	c := NewCollector(DefaultTail)
	err := EachLine(r, maxLine, func(l string) { c.AddLine(l) })
	return c, err
}

// EachLine calls fn with every line of r, without its line ending and cut
// to at most max bytes, however long the line is.
func EachLine(r io.Reader, max int, fn func(string)) error {
	br := bufio.NewReader(r)
	var line []byte
	open := false // part of a line has been read
	for {
		chunk, err := br.ReadSlice('\n')
		if room := max - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			open = true
			continue
		}
		if err == nil || len(chunk) > 0 || open {
			fn(strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"))
			line, open = line[:0], false
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
