package plan

import (
	"log/slog"
	"strings"
)

const mask = "••••"

// Secret holds a credential. Every formatting path prints a mask; only
// Reveal returns the value, so each place a secret leaves the process can be
// found with grep. The value sits behind a pointer so that verbs which skip
// String (%d, %x on a struct) print an address, not the text.
type Secret struct{ p *string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{p: &v} }

// Reveal returns the secret value.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String returns a mask.
func (s Secret) String() string { return mask }

// GoString returns a mask for %#v.
func (s Secret) GoString() string { return "plan.Secret(" + mask + ")" }

// MarshalText returns a mask, so JSON, YAML and text logs never see the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(mask), nil }

// LogValue returns a mask for slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(mask) }

// Masked shows the last four characters of long values, as `aws configure`
// does on a re-run, and a bare mask otherwise.
func (s Secret) Masked() string {
	v := s.Reveal()
	if len([]rune(v)) < 12 {
		return mask
	}
	r := []rune(v)
	return mask + string(r[len(r)-4:])
}

// Redact replaces every secret value that occurs in text with a mask. It is
// for raw connector output shown on screen or written to logs.
func Redact(text string, secrets map[string]Secret) string {
	for _, s := range secrets {
		if v := s.Reveal(); len(v) >= 4 {
			text = strings.ReplaceAll(text, v, mask)
		}
	}
	return text
}
