package synclog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask is what a Redactor puts where a secret value was.
const Mask = "••••"

// MinMaskedLen is the length, in characters, from which a secret value is
// masked wherever it occurs. A shorter value is masked only where it
// stands as a word of its own (not inside a longer run of letters and
// digits): masking every "ab" would leave no log readable, and a value that
// short is not hidden by a mask anyway.
const MinMaskedLen = 4

// Redactor masks secret values in a connector's output: the value as it
// is, and every form a log line can carry it in: JSON-escaped (quotes,
// backslashes, <>& as \u003c, non-ASCII as \uXXXX, control characters),
// quoted as Go's %q does, URL-escaped, and escaped twice over (JSON inside
// a JSON string). Lines are parsed before they are masked, so the parser
// sees what the connector wrote, and the syncer's own messages (such as
// "Sync complete.") are never masked. A nil or empty Redactor changes
// nothing.
type Redactor struct {
	forms []form
}

// form is one spelling of a secret value.
type form struct {
	text string
	// word: mask only where it is not part of a longer word.
	word bool
}

// NewRedactor returns a Redactor for the given values; empty ones are
// ignored.
func NewRedactor(values []string) *Redactor {
	seen := map[string]bool{}
	r := &Redactor{}
	add := func(v string) {
		word := utf8.RuneCountInString(v) < MinMaskedLen
		for _, f := range spellings(v) {
			if f != "" && !seen[f] {
				seen[f] = true
				r.forms = append(r.forms, form{text: f, word: word})
			}
		}
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		add(v)
		// A value printed as it is over several lines reaches a Redactor
		// one line at a time.
		if strings.Contains(v, "\n") {
			for _, l := range strings.Split(v, "\n") {
				if l = strings.TrimSuffix(l, "\r"); strings.TrimSpace(l) != "" {
					add(l)
				}
			}
		}
	}
	// Longest first, so that no shorter form breaks a longer one up.
	slices.SortStableFunc(r.forms, func(a, b form) int { return len(b.text) - len(a.text) })
	return r
}

// Empty reports whether the Redactor has nothing to mask.
func (r *Redactor) Empty() bool { return r == nil || len(r.forms) == 0 }

// spellings returns v and the forms it takes escaped once and twice.
func spellings(v string) []string {
	first := []string{v}
	first = append(first, jsonForms(v)...)
	first = append(first, goQuoted(v)...)
	first = append(first, url.QueryEscape(v), url.PathEscape(v))
	out := slices.Clone(first)
	for _, f := range first {
		if f == v {
			continue
		}
		out = append(out, jsonEscape(f, jsonOptions{html: true}), jsonEscape(f, jsonOptions{}))
		out = append(out, goQuoted(f)...)
	}
	return out
}

// goQuoted returns v as strconv's quoting functions write it, without the
// quotes.
func goQuoted(v string) []string {
	var out []string
	for _, q := range []string{strconv.Quote(v), strconv.QuoteToASCII(v), strconv.QuoteToGraphic(v)} {
		out = append(out, q[1:len(q)-1])
	}
	return out
}

// jsonOptions are the ways JSON encoders differ in escaping a string.
type jsonOptions struct {
	html      bool // <, > and & as \u003c (Go's encoding/json)
	nonASCII  bool // every non-ASCII character as \uXXXX
	upper     bool // upper-case hex digits
	shortCtl  bool // \b and \f rather than \u0008 and \u000c
	lineSep   bool // U+2028 and U+2029 escaped (Go's encoding/json)
	slash     bool // / as \/
	shortTabs bool // \n, \r and \t rather than \u000a and so on
}

// jsonForms returns v escaped every way a JSON encoder may do it.
func jsonForms(v string) []string {
	var out []string
	for bits := range 1 << 7 {
		out = append(out, jsonEscape(v, jsonOptions{
			html: bits&1 != 0, nonASCII: bits&2 != 0, upper: bits&4 != 0, shortCtl: bits&8 != 0,
			lineSep: bits&16 != 0, slash: bits&32 != 0, shortTabs: bits&64 == 0,
		}))
	}
	return out
}

func jsonEscape(v string, o jsonOptions) string {
	hex := "%04x"
	if o.upper {
		hex = "%04X"
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/' && o.slash:
			b.WriteString(`\/`)
		case (r == '\n' || r == '\r' || r == '\t') && o.shortTabs:
			b.WriteString(map[rune]string{'\n': `\n`, '\r': `\r`, '\t': `\t`}[r])
		case (r == '\b' || r == '\f') && o.shortCtl:
			b.WriteString(map[rune]string{'\b': `\b`, '\f': `\f`}[r])
		case r < 0x20, (r == '<' || r == '>' || r == '&') && o.html, (r == 0x2028 || r == 0x2029) && (o.lineSep || o.nonASCII):
			fmt.Fprintf(&b, `\u`+hex, r)
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\u`+hex, r)
		case r > 0x7f && o.nonASCII:
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&b, `\u`+hex+`\u`+hex, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u`+hex, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// Text masks every spelling of every value in free text.
func (r *Redactor) Text(s string) string {
	if r.Empty() {
		return s
	}
	for _, f := range r.forms {
		if !strings.Contains(s, f.text) {
			continue
		}
		if !f.word {
			s = strings.ReplaceAll(s, f.text, Mask)
			continue
		}
		s = replaceWords(s, f.text)
	}
	return s
}

// replaceWords masks the occurrences of w that are not inside a longer
// run of letters and digits.
func replaceWords(s, w string) string {
	first, _ := utf8.DecodeRuneInString(w)
	last, _ := utf8.DecodeLastRuneInString(w)
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		joined := (i > 0 && isWord(before) && isWord(first)) || (i+len(w) < len(s) && isWord(after) && isWord(last))
		if joined {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(Mask)
		s = s[i+len(w):]
	}
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// IsMarker reports whether msg is one of the syncer's own messages, which
// the parser recognises and which no secret can be hidden in.
func IsMarker(msg string) bool {
	_, ok := interned[msg]
	return ok
}

// Line masks a raw log line. In a JSON entry each string is decoded,
// masked and encoded again, so every escaped form of a value is caught;
// the syncer's own messages and the entry's field names are kept. Other
// lines are masked as text, column by column for zap's console format.
func (r *Redactor) Line(line string) string {
	if r.Empty() {
		return line
	}
	body := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(body, "{") {
		return line[:len(line)-len(body)] + r.json(body)
	}
	if Parse([]byte(line)).Kind == KindText {
		return r.Text(line)
	}
	cols := strings.Split(line, "\t")
	for i, c := range cols {
		switch t := strings.TrimSpace(c); {
		case strings.HasPrefix(t, "{"):
			cols[i] = r.json(c)
		case !IsMarker(c):
			cols[i] = r.Text(c)
		}
	}
	out := strings.Join(cols, "\t")
	for _, f := range r.forms {
		if strings.Contains(f.text, "\t") {
			out = strings.ReplaceAll(out, f.text, Mask)
		}
	}
	return out
}

// json masks the strings of a JSON text; it accepts anything, broken
// JSON included.
func (r *Redactor) json(s string) string {
	var b strings.Builder
	lastKey := ""
	for len(s) > 0 {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(r.Text(s))
			break
		}
		b.WriteString(r.Text(s[:i]))
		end := stringEnd(s, i)
		if end < 0 {
			b.WriteString(r.Text(s[i:]))
			break
		}
		token := s[i : end+1]
		s = s[end+1:]
		var v string
		if json.Unmarshal([]byte(token), &v) != nil {
			b.WriteString(r.Text(token))
			continue
		}
		isKey := strings.HasPrefix(strings.TrimLeft(s, " \t"), ":")
		keep := (isKey && keptKeys[v]) || (!isKey && (lastKey == "msg" || lastKey == "level") && IsMarker(v))
		if isKey {
			lastKey = v
		}
		if keep {
			b.WriteString(token)
			continue
		}
		masked := r.Text(v)
		if masked == v {
			b.WriteString(token)
			continue
		}
		b.WriteString(quoteJSON(masked))
	}
	return b.String()
}

// stringEnd returns the index of the quote that closes the JSON string
// opening at s[start], or -1.
func stringEnd(s string, start int) int {
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// keptKeys are the field names of a zap entry that Parse reads or that
// every entry has; they are kept as they are.
var keptKeys = map[string]bool{
	"level": true, "ts": true, "caller": true, "msg": true, "logger": true, "stacktrace": true,
	"resource_type_id": true, "count": true, "synced": true, "total": true, "percent_complete": true,
	"edges": true, "actions_remaining": true, "warning_count": true, "error": true,
	"grpc.code": true, "grpc.method": true, "grpc_log": true, "sync_id": true,
}

// Lines masks each of lines with Line.
func (r *Redactor) Lines(lines []string) []string {
	if r.Empty() {
		return lines
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = r.Line(l)
	}
	return out
}

// Event masks the text an event carries. Kind, phase and counts were
// read before and stay as they are, and so does a message that is one of
// the syncer's own.
func (r *Redactor) Event(e Event) Event {
	if r.Empty() {
		return e
	}
	if !IsMarker(e.Msg) {
		e.Msg = r.Text(e.Msg)
	}
	if !IsMarker(e.Level) {
		e.Level = r.Text(e.Level)
	}
	e.ResourceType = r.Text(e.ResourceType)
	e.Err = r.Text(e.Err)
	e.Code = r.Text(e.Code)
	e.SyncID = r.Text(e.SyncID)
	e.Raw = r.Line(e.Raw)
	return e
}

// Failure masks a failure's text.
func (r *Redactor) Failure(f Failure) Failure {
	if r.Empty() {
		return f
	}
	return Failure{Message: r.Text(f.Message), Code: r.Text(f.Code), Full: r.Text(f.Full)}
}
