package templates

import (
	"io/fs"
	"strings"
	"testing"
	"text/template"
)

// TestKubernetesTemplatesParse checks the kubernetes templates on their
// own; the golden tests in internal/kube check what they render.
func TestKubernetesTemplatesParse(t *testing.T) {
	names, err := fs.Glob(Kubernetes, "kubernetes/*.tmpl")
	if err != nil || len(names) != 5 {
		t.Fatalf("embedded kubernetes templates: %v, %v", names, err)
	}
	for _, name := range names {
		data, _ := fs.ReadFile(Kubernetes, name)
		text := string(data)
		if _, err := template.New(name).Funcs(template.FuncMap{"q": strings.TrimSpace, "qx": strings.TrimSpace}).Option("missingkey=error").Parse(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(text, "\r") || strings.Contains(text, "\t") || !strings.HasSuffix(text, "\n") {
			t.Errorf("%s: want LF line endings, no tabs (YAML forbids them in indentation) and a final newline", name)
		}
		for i, line := range strings.Split(text, "\n") {
			if strings.TrimRight(line, " ") != line {
				t.Errorf("%s:%d: trailing white space", name, i+1)
			}
		}
	}
}
