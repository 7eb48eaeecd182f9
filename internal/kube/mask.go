package kube

import (
	"fmt"
	"os"
	"strings"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/render"
)

const mask = "••••"

// quotedMask is a masked value as secret.yaml shows it.
const quotedMask = `"` + mask + `"`

// maskedSecret renders secret.yaml with every value masked, for dry runs.
func maskedSecret(d *Data) (string, error) {
	m := *d
	m.Secrets = maskLines(d.Secrets)
	m.AWSSecrets = maskLines(d.AWSSecrets)
	out, err := execute("secret.yaml.tmpl", &m)
	return string(out), err
}

func maskLines(lines []render.EnvLine) []render.EnvLine {
	out := make([]render.EnvLine, len(lines))
	for i, l := range lines {
		out[i] = render.EnvLine{Name: l.Name, Value: mask}
	}
	return out
}

// readIfRegular returns a regular file's content, or nil.
func readIfRegular(path string) []byte {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return data
}

// dataKey is a key line inside a Secret's stringData or data.
var dataKey = lazyre.New(`^  ([^\s:#][^:]*):(?:\s(.*))?$`)

// maskSecretYAML keeps a Secret manifest's structure and comments and
// replaces every value under stringData or data with a mask, whatever its
// form, so that a hand-edited file (block scalars, base64) shows nothing
// either. values maps each key to its raw text, to tell changes apart.
func maskSecretYAML(content []byte) (string, map[string]string) {
	var b strings.Builder
	values := map[string]string{}
	in := false
	key := ""
	for _, l := range strings.SplitAfter(string(content), "\n") {
		body := strings.TrimRight(l, "\n")
		indented := strings.HasPrefix(body, " ")
		switch {
		case !indented && (strings.HasPrefix(body, "stringData:") || strings.HasPrefix(body, "data:")):
			in = strings.TrimSpace(body) == "stringData:" || strings.TrimSpace(body) == "data:"
			if !in {
				// An inline map such as "stringData: {a: b}": hide it.
				name, _, _ := strings.Cut(body, ":")
				b.WriteString(name + ": " + quotedMask + "\n")
				continue
			}
		case !indented && body != "":
			in = false
		case in:
			if m := dataKey().FindStringSubmatch(body); m != nil {
				key = m[1]
				values[key] = m[2]
				b.WriteString("  " + key + ": " + quotedMask + "\n")
			} else if key != "" {
				values[key] += "\n" + body
			}
			continue
		}
		b.WriteString(l)
	}
	return b.String(), values
}

// secretDiff is the masked diff of a Secret manifest: it names the keys
// whose values change and never shows a value.
func secretDiff(f render.File, old []byte) string {
	before, oldValues := maskSecretYAML(old)
	after, newValues := maskSecretYAML(f.Content)
	note := func(text string, values, others map[string]string, what string) string {
		lines := strings.SplitAfter(text, "\n")
		for i, l := range lines {
			m := dataKey().FindStringSubmatch(strings.TrimRight(l, "\n"))
			if m == nil || m[2] != quotedMask {
				continue
			}
			if v, ok := others[m[1]]; ok && v != values[m[1]] {
				lines[i] = strings.TrimRight(l, "\n") + " (" + what + ")\n"
			}
		}
		return strings.Join(lines, "")
	}
	before = note(before, oldValues, newValues, "old value")
	after = note(after, newValues, oldValues, "new value")
	if before == after {
		return fmt.Sprintf("%s: layout changes; no value changes\n", f.Path)
	}
	return render.UnifiedDiff(f.Path+" (current)", f.Path+" (new)", before, after)
}
