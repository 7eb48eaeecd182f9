package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
)

// TestUnifiedDiffIsMinimal changes a few lines spread over a script the size
// of sync.sh: the diff must show those lines and nothing else, however many
// characters change in all.
func TestUnifiedDiffIsMinimal(t *testing.T) {
	var before []string
	for i := range 200 {
		before = append(before, fmt.Sprintf("line %03d: some shell text that stays the same\n", i))
	}
	after := append([]string{}, before...)
	changed := []int{3, 40, 41, 90, 150, 199}
	for _, i := range changed {
		after[i] = fmt.Sprintf("line %03d: rewritten by a newer template, with quite different words\n", i)
	}
	// One line removed and two added.
	after = append(after[:120], after[121:]...)
	after = append(after[:60], append([]string{"inserted one\n", "inserted two\n"}, after[60:]...)...)

	b, a := strings.Join(before, ""), strings.Join(after, "")
	d := UnifiedDiff("sync.sh (current)", "sync.sh (new)", b, a)
	minus, plus := 0, 0
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
		case strings.HasPrefix(l, "-"):
			minus++
		case strings.HasPrefix(l, "+"):
			plus++
		}
	}
	if minus != len(changed)+1 || plus != len(changed)+2 {
		t.Errorf("diff removes %d and adds %d lines, want %d and %d:\n%s", minus, plus, len(changed)+1, len(changed)+2, d)
	}
	if got, err := udiff.Apply(b, lineEdits(b, a)); err != nil || got != a {
		t.Errorf("the edits do not turn before into after: %v", err)
	}
}

func TestUnifiedDiffEdges(t *testing.T) {
	for _, tc := range []struct{ name, before, after string }{
		{"equal", "a\nb\n", "a\nb\n"},
		{"from empty", "", "a\nb\n"},
		{"to empty", "a\nb\n", ""},
		{"no final newline", "a\nb", "a\nc"},
		{"newline added at the end", "a\nb", "a\nb\n"},
		{"all different", "a\nb\nc\n", "x\ny\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := UnifiedDiff("x", "y", tc.before, tc.after)
			if (d == "") != (tc.before == tc.after) {
				t.Errorf("diff %q", d)
			}
			if got, err := udiff.Apply(tc.before, lineEdits(tc.before, tc.after)); err != nil || got != tc.after {
				t.Errorf("apply: %q, %v", got, err)
			}
		})
	}
}
