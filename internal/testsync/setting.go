package testsync

import (
	"strings"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
)

// addressName matches names of settings that say where the service is.
var addressName = lazyre.New(`(^|-)(url|host|hostname|domain|server|endpoint|address|addr|dsn|connection-string|instance-url|base-url)($|-)`)

// Setting names the setting among fields that a failed test points at, so
// that a form can return to it: the one whose name, variable or label the
// error mentions first; else, for refused credentials, the first secret,
// and for an unreachable service, the first setting that says where it
// is. ok is false when nothing points at any.
func (o Outcome) Setting(fields []schema.Field) (schema.Field, bool) {
	if o.OK() {
		return schema.Field{}, false
	}
	f := o.Result.Failure
	for _, text := range []string{f.Message, f.Full} {
		if found, ok := mentioned(strings.ToLower(text), fields); ok {
			return found, true
		}
	}
	for _, fl := range fields {
		switch o.Diagnosis.Cause {
		case synclog.CauseCredentials:
			if fl.Secret {
				return fl, true
			}
		case synclog.CauseNetwork:
			if addressName().MatchString(fl.Name) {
				return fl, true
			}
		}
	}
	return schema.Field{}, false
}

// mentioned is the field named earliest in text (lower case), by its name,
// its variable or its label as whole words.
func mentioned(text string, fields []schema.Field) (schema.Field, bool) {
	best, at := schema.Field{}, -1
	for _, f := range fields {
		for _, w := range []string{f.Name, f.EnvName(), f.Label} {
			if len(w) < 3 {
				continue
			}
			if i := wordIndex(text, strings.ToLower(w)); i >= 0 && (at < 0 || i < at) {
				best, at = f, i
			}
		}
	}
	return best, at >= 0
}

// wordIndex is the first index of w in text where it stands as a word of
// its own: not inside a longer name.
func wordIndex(text, w string) int {
	for from := 0; ; {
		i := strings.Index(text[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(w)
		if (i == 0 || !nameByte(text[i-1])) && (end == len(text) || !nameByte(text[end])) {
			return i
		}
		from = i + 1
	}
}

func nameByte(b byte) bool {
	return b == '-' || b == '_' || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
}
