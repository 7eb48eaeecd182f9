package render

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// secretsEnv renders secrets.env with values as BATON_V0, BATON_V1, ….
func secretsEnv(t testing.TB, values []string) []byte {
	t.Helper()
	d := &Data{Profile: "quoting"}
	for i, v := range values {
		d.Secrets = append(d.Secrets, EnvLine{Name: fmt.Sprintf("BATON_V%d", i), Value: v})
	}
	out, err := Execute("secrets.env.tmpl", d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// roundTrip sources a rendered secrets.env the way sync.sh does, with the
// given shell, and checks that every value comes back byte for byte, both
// as the shell's variable and in the environment a child process gets.
func roundTrip(t testing.TB, shell string, values []string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secrets.env")
	if err := os.WriteFile(file, secretsEnv(t, values), 0o600); err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString(`set -eu; set -a; . "$1"; set +a; printf '%s\0'`)
	for i := range values {
		fmt.Fprintf(&script, ` "$BATON_V%d"`, i)
	}
	script.WriteString("; exec env -0")
	cmd := exec.Command(shell, "-c", script.String(), "sh", file)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell, err, stderr.String())
	}
	fields := strings.Split(string(out), "\x00")
	if len(fields) < len(values) {
		t.Fatalf("%s printed %d values, want %d", shell, len(fields), len(values))
	}
	exported := map[string]string{}
	for _, kv := range fields[len(values):] {
		if k, v, ok := strings.Cut(kv, "="); ok {
			exported[k] = v
		}
	}
	for i, want := range values {
		if got := fields[i]; got != want {
			t.Fatalf("%s: value %d came back as %q, want %q\nquoted as: %s", shell, i, got, want, secretsEnv(t, []string{want}))
		}
		if got, ok := exported[fmt.Sprintf("BATON_V%d", i)]; !ok || got != want {
			t.Fatalf("%s: value %d exported as %q (%v), want %q", shell, i, got, ok, want)
		}
	}
}

func shells(t testing.TB) []string {
	out := []string{"/bin/sh"}
	if bash, err := exec.LookPath("bash"); err == nil {
		out = append(out, bash)
	}
	return out
}

// pieces are the fragments random values are built from: every character
// a shell treats specially, multi-byte and invalid UTF-8, and line breaks.
var pieces = []string{
	"'", `"`, "`", "$", `\`, "\n", "\r", "\t", " ", "$(id)", "${HOME}", "'\"'\"'", "\\'", "''",
	"é", "東京", "🙂", "\u200b", "\xff", "\x80", "\xc3", "%", "!", "#", "~", "*", "?", "[", "]",
	"{", "}", ";", "&", "|", "<", ">", "(", ")", "=", "-", "--", "\x01", "\x1b[31m", "\x7f",
	"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "EOF", "\\n", "$'x'",
}

func randomValue(r *rand.Rand) string {
	if r.IntN(25) == 0 {
		return ""
	}
	n := 1 + r.IntN(24)
	if r.IntN(100) == 0 {
		n = 300 + r.IntN(1500)
	}
	var b strings.Builder
	for range n {
		if r.IntN(3) == 0 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		} else {
			b.WriteByte(byte(1 + r.IntN(255)))
		}
	}
	return b.String()
}

// TestSecretsQuotingRoundTrip writes 10,000 random values to secrets.env
// and reads them back through /bin/sh and bash, 500 per shell run.
func TestSecretsQuotingRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 6))
	values := make([]string, 10_000)
	for i := range values {
		values[i] = randomValue(r)
	}
	for _, sh := range shells(t) {
		for start := 0; start < len(values); start += 500 {
			roundTrip(t, sh, values[start:start+500])
		}
	}
}

// FuzzSecretsQuoting is the same check for one value at a time; run it
// with `go test ./internal/render -fuzz FuzzSecretsQuoting`.
func FuzzSecretsQuoting(f *testing.F) {
	for _, s := range []string{
		"", "plain", "it's", `"double"`, "`id`", "$HOME", "$(id)", `back\slash`, "new\nline",
		"trailing newline\n", "\n", "'", "''", "'\"'\"'", "Zürich ✓ 東京 🙂", "\xff\xfe", "%s%n", "-n",
		"=", "a=b", "#comment", "~root", "*", "\r\n", "\x01\x7f", trickyLabel, trickyToken, pemKey,
	} {
		f.Add(s)
	}
	sh := shells(f)
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsRune(v, 0) {
			if err := checkEnv("BATON_V0", v); err == nil {
				t.Fatal("a NUL byte was accepted")
			}
			return
		}
		for _, s := range sh {
			roundTrip(t, s, []string{v})
		}
		// The mask must hide the value, unless the value is a piece of the
		// file's own fixed text.
		fixed := string(secretsEnv(t, nil)) + "BATON_V0=" + mask + "\n"
		if len(v) >= 6 && !strings.Contains(fixed, v) {
			if shown := (File{Secret: true, Content: secretsEnv(t, []string{v})}).Shown(); strings.Contains(shown, v) {
				t.Fatalf("Shown reveals %q:\n%s", v, shown)
			}
		}
	})
}
