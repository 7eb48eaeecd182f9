package synclog

import (
	"strings"
	"testing"
)

func TestEachLine(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a\nb", []string{"a", "b"}},
		{"a\r\n\nb\n", []string{"a", "", "b"}},
		{strings.Repeat("y", 5000) + "\nz", []string{strings.Repeat("y", 10), "z"}},
		{strings.Repeat("y", 4096), []string{strings.Repeat("y", 10)}},
	} {
		var got []string
		if err := EachLine(strings.NewReader(tt.in), 10, func(l string) { got = append(got, l) }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("EachLine(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
