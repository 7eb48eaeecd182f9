package templates

import (
	"io/fs"
	"strings"
	"testing"
	"text/template"
)

// TestTemplatesParse checks every embedded template on its own; the golden
// tests in internal/render check what each one renders.
func TestTemplatesParse(t *testing.T) {
	names, err := fs.Glob(FS, "*.tmpl")
	if err != nil || len(names) < 6 {
		t.Fatalf("embedded templates: %v, %v", names, err)
	}
	for _, name := range names {
		data, _ := fs.ReadFile(FS, name)
		text := string(data)
		if _, err := template.New(name).Funcs(template.FuncMap{"q": strings.TrimSpace, "x": strings.TrimSpace}).Option("missingkey=error").Parse(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(text, "\r") || !strings.HasSuffix(text, "\n") {
			t.Errorf("%s: want LF line endings and a final newline", name)
		}
		for i, line := range strings.Split(text, "\n") {
			if strings.TrimRight(line, " \t") != line {
				t.Errorf("%s:%d: trailing white space", name, i+1)
			}
		}
	}
}
