package catalog

import (
	"slices"
	"strings"
)

// Match tiers, best first. An entry is ranked by the best tier any of its
// texts reaches; ties are broken by how tight the match is, where it starts,
// and then by the shorter and alphabetically earlier name.
const (
	tierExactName = iota
	tierNamePrefix
	tierDisplayPrefix
	tierNameSubstring
	tierKindExact
	tierNameFuzzy // compact subsequence in the name or display name
	tierDescSubstring
	tierNameLoose // scattered subsequence in the name or display name
	tierDescFuzzy
	tierNone
)

type hit struct {
	idx  int // index into the entries being filtered
	tier int
	span int // length of the matched window (fuzzy tiers), 0 otherwise
	pos  int // where the match starts
}

// Filter returns the entries matching query, best first. Matching is
// case-insensitive: the query's characters must appear in order (not
// necessarily adjacent) in the name, display name, description or kind.
// Whitespace in the query is ignored and a leading "baton-" is dropped.
// Exact and prefix matches on the name rank first. An empty query returns all
// entries in their original order.
//
// Case folding is ASCII-only, which covers the catalog's names.
func Filter(entries []Entry, query string) []Entry {
	if normalizeQuery(query) == "" {
		return slices.Clone(entries)
	}
	idx := Rank(entries, query)
	out := make([]Entry, len(idx))
	for i, j := range idx {
		out[i] = entries[j]
	}
	return out
}

// Rank is Filter returning indexes into entries instead of copies, for
// callers that keep more per entry than the catalog does (the wizard's
// picker marks installed connectors). An empty query returns every index in
// order.
func Rank(entries []Entry, query string) []int {
	q := normalizeQuery(query)
	if q == "" {
		idx := make([]int, len(entries))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	hits := make([]hit, 0, len(entries))
	for i := range entries {
		if h, ok := score(&entries[i], q); ok {
			h.idx = i
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		if a.span != b.span {
			return a.span - b.span
		}
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		an, bn := entries[a.idx].Name, entries[b.idx].Name
		if len(an) != len(bn) {
			return len(an) - len(bn)
		}
		if c := strings.Compare(an, bn); c != 0 {
			return c
		}
		return a.idx - b.idx
	})
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = h.idx
	}
	return out
}

func normalizeQuery(query string) string {
	q := strings.ToLower(strings.Join(strings.Fields(query), ""))
	if rest, ok := strings.CutPrefix(q, "baton-"); ok && rest != "" {
		q = rest
	}
	return q
}

// score finds the best tier e reaches for the lower-cased query q.
func score(e *Entry, q string) (hit, bool) {
	h := hit{tier: tierNone}
	better := func(tier, span, pos int) {
		if tier < h.tier || (tier == h.tier && (span < h.span || (span == h.span && pos < h.pos))) {
			h.tier, h.span, h.pos = tier, span, pos
		}
	}

	switch {
	case equalFold(e.Name, q):
		better(tierExactName, 0, 0)
		return h, true
	case hasPrefixFold(e.Name, q):
		better(tierNamePrefix, 0, 0)
		return h, true
	case hasPrefixFold(e.DisplayName, q):
		better(tierDisplayPrefix, 0, 0)
		return h, true
	}
	// Within the substring tier a match at the start of a word ("vault" in
	// hashicorp-vault) beats one inside a word (alienvault).
	for _, s := range [2]string{e.Name, e.DisplayName} {
		if i := indexFold(s, q); i >= 0 {
			better(tierNameSubstring, midWord(s, i), i)
		}
	}
	if h.tier <= tierNameSubstring {
		return h, true
	}
	if equalFold(e.Kind, q) {
		better(tierKindExact, 0, 0)
		return h, true
	}
	nameFuzzy := func(s string) {
		if pos, span, ok := fuzzy(s, q); ok {
			if span-len(q) <= len(q)/2+1 {
				better(tierNameFuzzy, span, pos)
			} else {
				better(tierNameLoose, span, pos)
			}
		}
	}
	nameFuzzy(e.Name)
	nameFuzzy(e.DisplayName)
	if h.tier <= tierNameFuzzy {
		return h, true
	}
	if i := indexFold(e.Kind, q); i >= 0 {
		better(tierDescSubstring, 0, i)
		return h, true
	}
	if i := indexFold(e.Description, q); i >= 0 {
		better(tierDescSubstring, 0, i)
		return h, true
	}
	if h.tier <= tierNameLoose {
		return h, true
	}
	// Loose subsequences over a whole sentence match almost anything, so a
	// description only counts when the match is reasonably compact.
	if pos, span, ok := fuzzy(e.Description, q); ok && span <= 3*len(q) {
		better(tierDescFuzzy, span, pos)
	}
	if pos, span, ok := fuzzy(e.Kind, q); ok {
		better(tierDescFuzzy, span, pos)
	}
	return h, h.tier < tierNone
}

// midWord is 0 when s[i] starts a word and 1 otherwise.
func midWord(s string, i int) int {
	if i == 0 {
		return 0
	}
	switch s[i-1] {
	case '-', ' ', '_', '.', '(':
		return 0
	}
	return 1
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold, hasPrefixFold and indexFold compare s, folded to lower case,
// with p, which is already lower case.
func equalFold(s, p string) bool {
	return len(s) == len(p) && hasPrefixFold(s, p)
}

func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lower(s[i]) != p[i] {
			return false
		}
	}
	return true
}

func indexFold(s, p string) int {
	for i := 0; i+len(p) <= len(s); i++ {
		if hasPrefixFold(s[i:], p) {
			return i
		}
	}
	return -1
}

// fuzzy reports whether p is a subsequence of s (case-insensitively) and, if
// so, the start and length of the shortest window of s containing it.
func fuzzy(s, p string) (pos, span int, ok bool) {
	span = -1
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != p[0] {
			continue
		}
		// Forward: the earliest end of a match starting at or after i.
		j, k := i, 0
		for ; j < len(s) && k < len(p); j++ {
			if lower(s[j]) == p[k] {
				k++
			}
		}
		if k < len(p) {
			break // no later start can complete a match either
		}
		// Backward: the latest start of a match ending at j.
		b := j - 1
		for k = len(p) - 1; ; b-- {
			if lower(s[b]) == p[k] {
				if k--; k < 0 {
					break
				}
			}
		}
		if w := j - b; span < 0 || w < span {
			pos, span = b, w
			if span == len(p) {
				break
			}
		}
		i = b
	}
	return pos, span, span >= 0
}
