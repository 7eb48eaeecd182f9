package render

import (
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// maxDiffCells bounds the table of the line diff: beyond it the changed
// middle of two files is shown as one replacement.
const maxDiffCells = 1 << 22

// UnifiedDiff returns a unified diff from before to after, with three lines
// of context, or "" when they are equal. It compares whole lines, as
// diff(1) does. udiff.Unified compares characters with a bounded search,
// which gives up once a file has more than a few dozen changed characters
// and then shows the whole file removed and added again.
func UnifiedDiff(fromLabel, toLabel, before, after string) string {
	if before == after {
		return ""
	}
	out, err := udiff.ToUnified(fromLabel, toLabel, before, lineEdits(before, after), udiff.DefaultContextLines)
	if err != nil {
		// lineEdits only makes sorted edits inside before; fall back to the
		// character diff rather than show nothing.
		return udiff.Unified(fromLabel, toLabel, before, after)
	}
	return out
}

// lineEdits turns before into after with edits that each replace whole
// lines: a longest common subsequence of the lines keeps what did not
// change.
func lineEdits(before, after string) []udiff.Edit {
	a, b := splitLines(before), splitLines(after)
	// Common lines at both ends need no table.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	keep := lcs(ma, mb)

	offset := make([]int, len(a)+1)
	for i, l := range a {
		offset[i+1] = offset[i] + len(l)
	}
	var edits []udiff.Edit
	i, j := 0, 0
	emit := func(toI, toJ int) {
		if i == toI && j == toJ {
			return
		}
		edits = append(edits, udiff.Edit{
			Start: offset[pre+i], End: offset[pre+toI],
			New: strings.Join(mb[j:toJ], ""),
		})
	}
	for _, k := range keep {
		emit(k[0], k[1])
		i, j = k[0]+1, k[1]+1
	}
	emit(len(ma), len(mb))
	return edits
}

// lcs returns the index pairs of a longest common subsequence of a and b,
// in order. Past maxDiffCells it returns none, which replaces all of a.
func lcs(a, b []string) [][2]int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 || n*m > maxDiffCells {
		return nil
	}
	// t[i][j] is the LCS length of a[i:] and b[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i][j] = t[i+1][j+1] + 1
			case t[i+1][j] >= t[i][j+1]:
				t[i][j] = t[i+1][j]
			default:
				t[i][j] = t[i][j+1]
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{i, j})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// splitLines splits s after each line break; a last line without one is
// kept.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
