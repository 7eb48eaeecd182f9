package synclog

import (
	"strings"
	"time"
)

// parseConsole reads a line of zap's console encoding, which connectors use
// when --log-format is not given and old SDKs default to:
//
//	2024-01-01T00:00:00.000Z	INFO	sync/syncer.go:123	Synced resources	{"resource_type_id": "user", "count": 3}
//
// The columns are time, level, an optional logger name and caller, the
// message, and the fields as a JSON object.
func parseConsole(raw string) (Event, bool) {
	if raw == "" || raw[0] < '0' || raw[0] > '9' || strings.IndexByte(raw, '\t') < 0 {
		return Event{}, false
	}
	cols := strings.Split(raw, "\t")
	if len(cols) < 3 {
		return Event{}, false
	}
	ts, ok := consoleTime(cols[0])
	if !ok {
		return Event{}, false
	}
	level := consoleLevel(cols[1])
	if level == "" {
		return Event{}, false
	}
	rest := cols[2:]
	var w wire
	if last := strings.TrimSpace(rest[len(rest)-1]); len(rest) > 1 && strings.HasPrefix(last, "{") && strings.HasSuffix(last, "}") {
		if w.decode([]byte(last)) {
			rest = rest[:len(rest)-1]
		}
	}
	w.Level = jstr(level)
	w.Msg = jstr(rest[len(rest)-1])
	w.TS = jtime(ts)
	return w.event(raw), true
}

func consoleTime(s string) (time.Time, bool) {
	if tm, ok := parseTimeText(s); ok {
		return tm, true
	}
	return parseEpoch([]byte(s))
}

// consoleLevel returns the normalised level of a console column, or "" if
// the column is not a level. Colour encoders wrap the level in ANSI codes.
func consoleLevel(s string) string {
	s = stripANSI(strings.TrimSpace(s))
	switch l := normLevel(s); l {
	case "debug", "info", "warn", "error", "dpanic", "panic", "fatal":
		return l
	}
	return ""
}

func stripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
