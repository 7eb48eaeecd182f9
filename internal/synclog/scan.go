package synclog

import "encoding/json"

// decode reports whether b is a JSON object; on success w holds its fields.
//
// Most lines take the one-pass scan below, which is several times faster
// than encoding/json and allocates nothing itself. Whenever the scan is
// unsure it gives up and encoding/json decides, so the two always agree
// (FuzzScan checks this).
func (w *wire) decode(b []byte) bool {
	if w.scan(b) {
		return true
	}
	// A separate value keeps w itself off the heap on the fast path.
	slow := new(wire)
	if json.Unmarshal(b, slow) != nil {
		return false
	}
	*w = *slow
	return true
}

// maxScanDepth bounds the nesting the scan follows; deeper lines go to
// encoding/json.
const maxScanDepth = 32

// scan validates b as one JSON object and hands the raw value of each known
// key to the same UnmarshalJSON method encoding/json would call. It returns
// false, leaving w in an unspecified state, if b is not valid JSON or has a
// key it cannot match exactly as encoding/json would (escaped, non-ASCII or
// a case-insensitive match of a known key).
func (w *wire) scan(b []byte) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end, plain := scanString(b, i)
		if end < 0 || !plain {
			return false
		}
		key := b[i+1 : end-1]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		start := i
		if i = skipValue(b, i, 1); i < 0 {
			return false
		}
		if !w.set(key, b[start:i]) {
			return false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return skipWS(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// wireKeys are the JSON names of wire's fields.
var wireKeys = []string{
	"level", "ts", "msg", "resource_type_id", "count", "synced", "total", "edges",
	"actions_remaining", "warning_count", "error", "grpc.code", "grpc_log", "sync_id",
}

func (w *wire) set(key, v []byte) bool {
	var err error
	switch string(key) {
	case "level":
		err = w.Level.UnmarshalJSON(v)
	case "ts":
		err = w.TS.UnmarshalJSON(v)
	case "msg":
		err = w.Msg.UnmarshalJSON(v)
	case "resource_type_id":
		err = w.ResourceTypeID.UnmarshalJSON(v)
	case "count":
		err = w.Count.UnmarshalJSON(v)
	case "synced":
		err = w.Synced.UnmarshalJSON(v)
	case "total":
		err = w.Total.UnmarshalJSON(v)
	case "edges":
		err = w.Edges.UnmarshalJSON(v)
	case "actions_remaining":
		err = w.ActionsRemaining.UnmarshalJSON(v)
	case "warning_count":
		err = w.WarningCount.UnmarshalJSON(v)
	case "error":
		err = w.Error.UnmarshalJSON(v)
	case "grpc.code":
		err = w.GRPCCode.UnmarshalJSON(v)
	case "grpc_log":
		err = w.GRPCLog.UnmarshalJSON(v)
	case "sync_id":
		err = w.SyncID.UnmarshalJSON(v)
	default:
		// encoding/json also matches field names case-insensitively.
		for _, k := range wireKeys {
			if asciiEqualFold(k, key) {
				return false
			}
		}
	}
	return err == nil
}

func asciiEqualFold(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := range len(s) {
		x, y := s[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString checks the string starting at b[i] == '"' and returns the
// index after its closing quote, or -1 if it is not valid JSON. plain is
// true if it has no escapes and only ASCII bytes.
func scanString(b []byte, i int) (end int, plain bool) {
	plain = true
	for i++; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, plain
		case c < 0x20:
			return -1, false
		case c >= 0x80:
			plain = false
		case c == '\\':
			plain = false
			i++
			if i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return -1, false
					}
				}
				i += 4
			default:
				return -1, false
			}
		}
	}
	return -1, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipValue checks the JSON value starting at b[i] and returns the index
// after it, or -1.
func skipValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := scanString(b, i)
		return end
	case c == '{':
		return skipComposite(b, i, depth, '}', true)
	case c == '[':
		return skipComposite(b, i, depth, ']', false)
	case c == '-' || '0' <= c && c <= '9':
		return skipNumber(b, i)
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	}
	return -1
}

// skipComposite checks an object (keyed) or array starting at b[i].
func skipComposite(b []byte, i, depth int, closer byte, keyed bool) int {
	if depth >= maxScanDepth {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1
	}
	for {
		if keyed {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i, _ = scanString(b, i); i < 0 {
				return -1
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return -1
			}
			i = skipWS(b, i+1)
		}
		if i = skipValue(b, i, depth+1); i < 0 {
			return -1
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case closer:
			return i + 1
		default:
			return -1
		}
	}
}

// skipNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func skipNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func skipLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
