package plan

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/conductorone/baton-setup/internal/synclog"
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
// does on a re-run, and a bare mask otherwise. Key material gets the bare
// mask whatever its length: the end of a PEM block is its armour, and the
// last characters of several lines say nothing but look broken.
func (s Secret) Masked() string {
	v := s.Reveal()
	if len([]rune(v)) < 12 || strings.ContainsAny(v, "\n\r") || strings.Contains(v, "-----") {
		return mask
	}
	r := []rune(v)
	return mask + string(r[len(r)-4:])
}

// Redact masks every secret value in text, a line of connector output or
// a message made from one, for the screen or a log: the value as it is and
// every escaped form a log line can carry it in. A JSON log line is parsed
// first, so the syncer's own messages stay readable whatever the secrets
// are. Values shorter than synclog.MinMaskedLen characters are masked
// where they stand as words of their own. See synclog.Redactor.
func Redact(text string, secrets map[string]Secret) string {
	values := make([]string, 0, len(secrets))
	for _, s := range secrets {
		values = append(values, s.Reveal())
	}
	return redactor(values).Line(text)
}

// lastRedactor keeps the Redactor of the last set of values: a view
// redacts the same secrets on every redraw.
var lastRedactor struct {
	sync.Mutex
	key string
	r   *synclog.Redactor
}

func redactor(values []string) *synclog.Redactor {
	slices.Sort(values)
	h := sha256.New()
	for _, v := range values {
		fmt.Fprintf(h, "%d:%s", len(v), v)
	}
	key := string(h.Sum(nil))
	lastRedactor.Lock()
	defer lastRedactor.Unlock()
	if lastRedactor.r == nil || lastRedactor.key != key {
		lastRedactor.key, lastRedactor.r = key, synclog.NewRedactor(values)
	}
	return lastRedactor.r
}
