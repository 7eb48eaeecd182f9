package render

import (
	"bytes"
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

const mask = "••••"

// Shown returns the file's content as it may be printed: a secret file's
// values are masked.
func (f File) Shown() string {
	switch {
	case !f.Secret:
		return string(f.Content)
	case f.Masked != "":
		return f.Masked
	}
	return maskEnv(f.Content, nil, "")
}

// Diff returns a unified diff from old to the file's content. For a secret
// file both sides are masked, and each value that changed is marked "old
// value" and "new value", so the diff says which variables change and
// never what they hold.
func Diff(f File, old []byte) string {
	before, after := string(old), string(f.Content)
	if f.Secret {
		changed := changedValues(old, f.Content)
		before = maskEnv(old, changed, " (old value)")
		after = maskEnv(f.Content, changed, " (new value)")
		if before == after && !bytes.Equal(old, f.Content) {
			return fmt.Sprintf("%s: quoting or layout changes; no value changes\n", f.Path)
		}
	}
	return UnifiedDiff(f.Path+" (current)", f.Path+" (new)", before, after)
}

// assignment is one NAME=value statement of an env file and the lines it
// spans (1-based, inclusive).
type assignment struct {
	name, value string
	first, last int
}

// parseEnv reads the assignments of a secrets.env. ok is false when the
// file is not a list of plain assignments, e.g. after a hand edit.
func parseEnv(content []byte) (as []assignment, ok bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(bytes.NewReader(content), "secrets.env")
	if err != nil {
		return nil, false
	}
	for _, st := range f.Stmts {
		call, isCall := st.Cmd.(*syntax.CallExpr)
		if !isCall || len(call.Args) != 0 || len(call.Assigns) != 1 || st.Redirs != nil || st.Negated || st.Background {
			return nil, false
		}
		a := call.Assigns[0]
		if a.Name == nil || a.Append || a.Naked || a.Index != nil || a.Array != nil {
			return nil, false
		}
		v := ""
		if a.Value != nil {
			if v, err = expand.Literal(nil, a.Value); err != nil {
				return nil, false
			}
		}
		x := assignment{name: a.Name.Value, value: v, first: int(st.Pos().Line()), last: int(st.End().Line())}
		if len(as) > 0 && x.first <= as[len(as)-1].last {
			return nil, false // two statements share a line
		}
		as = append(as, x)
	}
	return as, true
}

// changedValues names the variables set in both files to different values.
func changedValues(old, new []byte) map[string]bool {
	a, okA := parseEnv(old)
	b, okB := parseEnv(new)
	out := map[string]bool{}
	if !okA || !okB {
		return out
	}
	before := map[string]string{}
	for _, x := range a {
		before[x.name] = x.value
	}
	for _, x := range b {
		if v, ok := before[x.name]; ok && v != x.value {
			out[x.name] = true
		}
	}
	return out
}

// maskEnv replaces each assignment, however many lines its value spans,
// with one NAME=•••• line, and keeps comments and blank lines. A file that
// does not parse is hidden whole.
func maskEnv(content []byte, changed map[string]bool, note string) string {
	as, ok := parseEnv(content)
	if !ok {
		return "(secret file that is not a plain list of assignments; its content is hidden)\n"
	}
	lines := strings.SplitAfter(string(content), "\n")
	var b strings.Builder
	next := 0
	for i, l := range lines {
		n := i + 1
		if next < len(as) && n >= as[next].first {
			a := as[next]
			if n == a.first {
				b.WriteString(a.name + "=" + mask)
				if changed[a.name] {
					b.WriteString(note)
				}
				if strings.HasSuffix(lines[a.last-1], "\n") {
					b.WriteString("\n")
				}
			}
			if n == a.last {
				next++
			}
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}
