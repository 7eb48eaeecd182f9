package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// HostileSecrets are secret values that a naive mask misses once a logger
// has escaped them: quotes and a backslash, HTML characters (escaped as
// \u003c by Go's encoding/json), non-ASCII text, a tab and a line break.
var HostileSecrets = []string{
	`pa"ss\word<tag>&amp;`,
	"clé-東京-🔑-secret",
	"tab\there and\nnewline",
}

// SecretForms returns the spellings of secret a log line may carry,
// produced with the standard library's own encoders: as it is, each line
// of it, JSON-escaped with and without HTML escaping and as pure ASCII,
// JSON-escaped twice, and quoted as Go's %q and %+q do.
func SecretForms(secret string) []string {
	inner := func(q string) string { return q[1 : len(q)-1] }
	jsonHTML := func(s string) string { b, _ := json.Marshal(s); return inner(string(b)) }
	jsonPlain := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return inner(strings.TrimSpace(buf.String()))
	}
	forms := []string{secret, jsonHTML(secret), jsonPlain(secret), jsonASCII(secret),
		jsonHTML(jsonHTML(secret)), jsonPlain(jsonPlain(secret)),
		inner(strconv.Quote(secret)), inner(strconv.QuoteToASCII(secret))}
	for _, l := range strings.Split(secret, "\n") {
		forms = append(forms, l)
	}
	return forms
}

// jsonASCII escapes s as a JSON string of ASCII characters only, as
// encoders for other languages do by default.
func jsonASCII(s string) string {
	b, _ := json.Marshal(s)
	var out strings.Builder
	for _, r := range string(b[1 : len(b)-1]) {
		if r < 0x80 {
			out.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&out, `\u%04x`, u)
		}
	}
	return out.String()
}

// Leaks returns the forms of the secrets that text holds.
func Leaks(text string, secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		for _, f := range SecretForms(s) {
			if f != "" && strings.Contains(text, f) {
				out = append(out, fmt.Sprintf("%q", f))
			}
		}
	}
	return out
}

// SecretLogLines are the lines a connector that logs secret writes to
// stderr: zap-style JSON entries with the secret in the message, in the
// error field, and in an error that quotes a JSON document, a warning, and
// the plain error text a connector prints last, with the secret quoted as
// %q. The last line is the error baton-setup reports.
func SecretLogLines(secret string) []string {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	doc, _ := json.Marshal(map[string]string{"token": secret})
	return []string{
		`{"level":"info","ts":1700000000.1,"msg":"Syncing resource types..."}`,
		`{"level":"info","ts":1700000000.2,"msg":` + str("logging in with "+secret) + `}`,
		`{"level":"warn","ts":1700000000.3,"msg":` + str("retrying with key "+secret) + `}`,
		`{"level":"error","ts":1700000000.4,"msg":"request failed","error":` + str("upstream said: "+string(doc)) + `}`,
		`{"level":"error","ts":1700000000.5,"msg":"error running connector","error":` + str("invalid api key "+strconv.Quote(secret)) + `}`,
		"error: invalid api key " + strconv.QuoteToASCII(secret),
	}
}

// LeakyConnector writes a stand-in connector into dir that answers
// `config` with a tenant field and a secret api-key field, and for a sync
// writes SecretLogLines(secret) to stderr and exits 1.
func LeakyConnector(t testing.TB, dir, secret string) string {
	t.Helper()
	path := filepath.Join(dir, "baton-leaky")
	script := `#!/bin/sh
for a in "$@"; do last=$a; done
if [ "$last" = config ]; then
	echo '{"fields":[{"name":"tenant","isRequired":true,"stringField":{}},{"name":"api-key","isRequired":true,"isSecret":true,"stringField":{}}]}'
	exit 0
fi
cat >&2 <<'BATON_LEAKY_EOF'
` + strings.Join(SecretLogLines(secret), "\n") + `
BATON_LEAKY_EOF
exit 1
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
