package synclog

import (
	"slices"
	"strings"
)

// Failure is the error a failed connector run ended with.
type Failure struct {
	// Message is the innermost plain error on one line, e.g.
	// "demo: invalid API key (401 from upstream)".
	Message string
	// Code is the first gRPC "code = X" found, e.g. "Unauthenticated".
	Code string
	// Full is the whole trailing error text, for a details view.
	Full string
}

// IsZero reports whether no failure was found.
func (f Failure) IsZero() bool {
	return f == Failure{}
}

// ExtractFailure finds the error at the end of a connector's stderr lines:
// the trailing lines that are not log entries, cut after the last
// "desc = " and without a leading "validate failed: ". Without such lines,
// or when they are only the SDK's shutdown noise, it falls back to the
// error of the "error running connector" entry, then the first error-level
// entry with a gRPC code, then the last error-level entry. It is what a
// Collector fed every line reports.
func ExtractFailure(lines []string) Failure {
	c := NewCollector(max(len(lines), 1))
	for _, l := range lines {
		c.AddLine(l)
	}
	return c.Failure()
}

// buildFailure reduces the trailing text to a failure, or the fallback
// error when there is no text or only shutdown noise.
func buildFailure(trailing []string, fallback string) Failure {
	text := cleanTrailing(trailing)
	if len(text) == 0 || isNoiseText(text) {
		if fallback == "" {
			return Failure{}
		}
		return Failure{
			Message: innermost(strings.Split(fallback, "\n")),
			Code:    firstCode(fallback),
			Full:    fallback,
		}
	}
	full := strings.Join(text, "\n")
	f := Failure{Message: innermost(text), Code: firstCode(full), Full: full}
	if f.Code == "" {
		f.Code = firstCode(fallback)
	}
	return f
}

// Messages the SDK logs at level error while it shuts down, after the real
// error or after being stopped; they never say why a run failed.
const (
	msgClosingWrapper = "error closing connector wrapper"
	msgReportFailed   = "ratelimit: report failed"
	msgStatsSoFar     = "sync stats so far"
	msgRunError       = "error running connector"
	msgServiceQuit    = "connector service quit unexpectedly"
)

// isShutdownNoise reports a log entry that is part of the SDK stopping:
// closing its service child's pipes and connections, killing the child
// (baton-sdk v0.2.x does so now and then after a finished sync), or
// reporting counters. A child that died by itself ("exit status 2") is a
// crash, not noise.
func isShutdownNoise(e Event) bool {
	switch e.Msg {
	case msgClosingWrapper, msgReportFailed, msgStatsSoFar:
		return true
	}
	return childKilled(e)
}

// childKilled reports the SDK logging that its service child was killed,
// which it does when it stops the child itself.
func childKilled(e Event) bool {
	return e.Msg == msgServiceQuit && e.Err == "signal: killed"
}

// noiseText is plain text a stopping SDK prints that names no cause.
var noiseText = []string{
	"error closing connector service stdin", "file already closed", "the client connection is closing",
}

func isNoiseText(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" && !containsAny(strings.ToLower(l), noiseText) {
			return false
		}
	}
	return true
}

// cleanTrailing drops blank lines at either end and a cobra usage block,
// which older connectors print between "Error: …" and their own last line.
func cleanTrailing(lines []string) []string {
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t\r")
		if l == "Usage:" {
			for i+1 < len(lines) && isUsageLine(lines[i+1]) {
				i++
			}
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && strings.TrimSpace(out[0]) == "" {
		out = out[1:]
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return out
}

func isUsageLine(l string) bool {
	t := strings.TrimSpace(l)
	switch {
	case t == "", l[0] == ' ', l[0] == '\t', strings.HasPrefix(t, `Use "`):
		return true
	case strings.HasSuffix(t, ":") && !strings.Contains(t, ": "):
		return true // a section header such as "Global Flags:"
	}
	return false
}

// innermost reduces an error chain to its innermost message, on one line.
func innermost(lines []string) string {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "panic: ") || strings.HasPrefix(t, "fatal error: ") {
			return t
		}
	}
	s := strings.Join(lines, "\n")
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		s = s[i+len("desc = "):]
	} else {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, "Error executing command: ")
		s = strings.TrimPrefix(s, "Error: ")
	}
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "validate failed: ") {
		s = strings.TrimSpace(strings.TrimPrefix(s, "validate failed: "))
	}
	// Lines are separate errors (errors.Join) unless the previous one ends
	// with a colon, as "errors found:" does before its list.
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// firstCode returns X from the first "code = X" in s.
func firstCode(s string) string {
	const marker = "code = "
	i := strings.Index(s, marker)
	if i < 0 {
		return ""
	}
	s = s[i+len(marker):]
	end := 0
	for end < len(s) && isWordByte(s[end]) {
		end++
	}
	return s[:end]
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// DefaultTail is the number of lines NewCollector keeps when given 0.
const DefaultTail = 200

// maxErrors bounds the error messages a Collector keeps.
const maxErrors = 10

// Collector keeps what a runner needs to report a failure without holding
// the whole log: the last lines of any kind, the trailing plain-text lines
// (bounded too, as the first and last few, in case a connector floods
// stderr with text), the errors of the entries that name the failure, and
// the first few error-level messages of any kind.
// A Collector is not safe for concurrent use.
type Collector struct {
	tail      ring
	trailHead []string
	trailTail ring
	trailMax  int
	lastErr   string
	// runErr is the error of the last "error running connector", codedErr
	// the first error with a gRPC code other than Canceled.
	runErr, codedErr string
	errors           []string
	errorCount       int
	// done is set by "Sync complete.", killedAfterDone by the SDK killing
	// its own service child after that.
	done, killedAfterDone bool
}

// NewCollector returns a Collector that keeps the last tail lines
// (DefaultTail if tail <= 0).
func NewCollector(tail int) *Collector {
	if tail <= 0 {
		tail = DefaultTail
	}
	return &Collector{
		tail:      newRing(tail),
		trailTail: newRing(tail),
		trailMax:  tail,
	}
}

// Add records a line and the event Parse returned for it. Pass e.Raw as
// the line to keep a single copy of its text.
func (c *Collector) Add(line string, e Event) {
	c.tail.push(line)
	if e.Kind == KindDone {
		c.done = true
	}
	if c.done && childKilled(e) {
		c.killedAfterDone = true
	}
	if e.Kind == KindText {
		if len(c.trailHead) < c.trailMax {
			c.trailHead = append(c.trailHead, line)
		} else {
			c.trailTail.push(line)
		}
		return
	}
	if isShutdownNoise(e) {
		// Logged after the plain error text; it must not end that text.
		return
	}
	clear(c.trailHead)
	c.trailHead = c.trailHead[:0]
	c.trailTail.reset()
	if !isErrorLevel(e.Level) {
		return
	}
	c.errorCount++
	msg := e.Msg
	if e.Err != "" {
		msg += ": " + e.Err
	}
	if len(c.errors) < maxErrors && !slices.Contains(c.errors, msg) {
		c.errors = append(c.errors, msg)
	}
	if e.Err == "" {
		return
	}
	c.lastErr = e.Err
	if e.Msg == msgRunError {
		c.runErr = e.Err
	}
	if code := firstCode(e.Err); code != "" && code != "Canceled" && c.codedErr == "" {
		c.codedErr = e.Err
	}
}

// AddLine parses a line, records it and returns its event.
func (c *Collector) AddLine(line string) Event {
	e := ParseString(line)
	c.Add(e.Raw, e)
	return e
}

// Tail returns a copy of the last lines, oldest first.
func (c *Collector) Tail() []string {
	return c.tail.lines()
}

// Failure extracts the failure from what was collected, as ExtractFailure
// would from the whole log.
func (c *Collector) Failure() Failure {
	trailing := append(append([]string(nil), c.trailHead...), c.trailTail.lines()...)
	fallback := c.runErr
	if fallback == "" {
		fallback = c.codedErr
	}
	if fallback == "" {
		fallback = c.lastErr
	}
	return buildFailure(trailing, fallback)
}

// RunFailed reports whether the SDK logged "error running connector": the
// sync failed, whatever the exit code says.
func (c *Collector) RunFailed() bool { return c.runErr != "" }

// FinishedThenKilled reports a run whose exit status says nothing about
// the sync: the SDK logged "Sync complete.", wrote its file, and then, as it
// stopped, killed its own service child and exited 1 because it noticed.
// baton-sdk before v0.25 races that way now and then (v0.25 exits 0 in the
// same race). The sync file must still be checked for a finished sync.
func (c *Collector) FinishedThenKilled() bool {
	return c.killedAfterDone && c.runErr == ""
}

// Errors returns the first distinct messages of error-level entries,
// without the SDK's shutdown noise, and how many such entries there were.
func (c *Collector) Errors() ([]string, int) {
	return slices.Clone(c.errors), c.errorCount
}

// ring keeps the last size strings pushed.
type ring struct {
	buf  []string
	size int
	n    int // strings pushed since the last reset
}

func newRing(size int) ring {
	return ring{buf: make([]string, 0, size), size: size}
}

func (r *ring) push(s string) {
	if len(r.buf) < r.size {
		r.buf = append(r.buf, s)
	} else {
		r.buf[r.n%r.size] = s
	}
	r.n++
}

func (r *ring) reset() {
	clear(r.buf)
	r.buf = r.buf[:0]
	r.n = 0
}

func (r *ring) lines() []string {
	out := make([]string, 0, len(r.buf))
	if r.n <= r.size {
		return append(out, r.buf...)
	}
	i := r.n % r.size
	return append(append(out, r.buf[i:]...), r.buf[:i]...)
}
