package synclog

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// wire is the subset of a zap JSON entry that Parse reads. Every field type
// accepts any JSON value, so a field logged with an unexpected type (an
// int64 as a string, an object where a string was expected) never makes the
// whole line unreadable.
type wire struct {
	Level            jstr  `json:"level"`
	TS               jtime `json:"ts"`
	Msg              jstr  `json:"msg"`
	ResourceTypeID   jstr  `json:"resource_type_id"`
	Count            jint  `json:"count"`
	Synced           jint  `json:"synced"`
	Total            jint  `json:"total"`
	Edges            jint  `json:"edges"`
	ActionsRemaining jint  `json:"actions_remaining"`
	WarningCount     jint  `json:"warning_count"`
	Error            jstr  `json:"error"`
	GRPCCode         jstr  `json:"grpc.code"`
	GRPCLog          jbool `json:"grpc_log"`
	SyncID           jstr  `json:"sync_id"`
}

func (w *wire) event(raw string) Event {
	level := normLevel(string(w.Level))
	msg := string(w.Msg)
	kind, phase := classify(level, msg, bool(w.GRPCLog))
	e := Event{
		Kind:         kind,
		Level:        level,
		Time:         time.Time(w.TS),
		Msg:          msg,
		Phase:        phase,
		ResourceType: string(w.ResourceTypeID),
		Count:        int64(w.Count),
		Synced:       int64(w.Synced),
		Total:        int64(w.Total),
		Err:          string(w.Error),
		Code:         string(w.GRPCCode),
		SyncID:       string(w.SyncID),
		Raw:          raw,
	}
	switch msg {
	case msgGraphLoaded:
		e.Count = int64(w.Edges)
	case msgExpanding:
		e.Count = int64(w.ActionsRemaining)
	case msgWarningsSummary:
		e.Count = int64(w.WarningCount)
	}
	return e
}

// normLevel maps zap's level spellings (JSON lower case, console upper
// case) onto the lower-case names, without allocating for the usual ones.
func normLevel(s string) string {
	switch s {
	case "debug", "info", "warn", "error", "dpanic", "panic", "fatal", "":
		return s
	case "DEBUG":
		return "debug"
	case "INFO":
		return "info"
	case "WARN", "warning", "WARNING":
		return "warn"
	case "ERROR":
		return "error"
	case "DPANIC":
		return "dpanic"
	case "PANIC":
		return "panic"
	case "FATAL":
		return "fatal"
	}
	return strings.ToLower(s)
}

// jstr decodes a JSON string; other values are kept as their JSON text.
type jstr string

func (s *jstr) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' {
		inner := b[1 : len(b)-1]
		if !hasEscape(inner) {
			if v, ok := interned[string(inner)]; ok {
				*s = jstr(v)
			} else {
				*s = jstr(inner)
			}
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jstr(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	*s = jstr(b)
	return nil
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// jint decodes an integer given as a JSON number or, as protojson writes
// int64s, a string. Anything else decodes as 0.
type jint int64

func (n *jint) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	if v, ok := parseInt(b); ok {
		*n = jint(v)
		return nil
	}
	if f, err := strconv.ParseFloat(string(b), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		*n = jint(f)
	}
	return nil
}

// parseInt parses an optionally signed decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// jbool decodes true or "true".
type jbool bool

func (v *jbool) UnmarshalJSON(b []byte) error {
	*v = string(b) == "true" || string(b) == `"true"`
	return nil
}

// jtime decodes zap's "ts": float seconds by default, but also the other
// epoch encoders (millis, nanos) and ISO 8601 strings.
type jtime time.Time

func (t *jtime) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' {
		b = b[1 : len(b)-1]
		if tm, ok := parseTimeText(string(b)); ok {
			*t = jtime(tm)
			return nil
		}
	}
	if tm, ok := parseEpoch(b); ok {
		*t = jtime(tm)
	}
	return nil
}

// parseEpoch reads a decimal Unix time. The integer and fraction are read
// as digits rather than through float64, which would lose the microseconds
// of a 2026 timestamp. The unit is guessed from the magnitude.
func parseEpoch(b []byte) (time.Time, bool) {
	intPart, frac := b, []byte(nil)
	for i, c := range b {
		if c == '.' {
			intPart, frac = b[:i], b[i+1:]
			break
		}
		if c == 'e' || c == 'E' {
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || f < 0 || f > 1e19 {
				return time.Time{}, false
			}
			return epochFromFloat(f), true
		}
	}
	n, ok := parseInt(intPart)
	if !ok || n < 0 {
		return time.Time{}, false
	}
	var nanos int64
	scale := int64(1e8)
	for _, c := range frac {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		if scale > 0 {
			nanos += int64(c-'0') * scale
			scale /= 10
		}
	}
	switch {
	case n >= 1e17: // nanoseconds
		return time.Unix(0, n).UTC(), true
	case n >= 1e14: // microseconds
		return time.UnixMicro(n).UTC(), true
	case n >= 1e11: // milliseconds, possibly with a fraction
		return time.UnixMilli(n).Add(time.Duration(nanos / 1000)).UTC(), true
	}
	return time.Unix(n, nanos).UTC(), true
}

func epochFromFloat(f float64) time.Time {
	switch {
	case f >= 1e17:
		return time.Unix(0, int64(f)).UTC()
	case f >= 1e14:
		return time.UnixMicro(int64(f)).UTC()
	case f >= 1e11:
		return time.UnixMilli(int64(f)).UTC()
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

var timeLayouts = []string{
	"2006-01-02T15:04:05.000Z0700", // zap ISO8601TimeEncoder
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05.000Z0700",
	"2006-01-02 15:04:05",
}

func parseTimeText(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if tm, err := time.Parse(layout, s); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}
