package setup

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// AbsolutePaths makes the plan's path values absolute against wd, the
// directory the user gave them in: the connector never runs there (a test
// sync runs in a temporary directory, a scheduled one in the profile's
// work/), so a relative path would name another file or none. A value is a
// path when its field takes a file, or when it names a file that exists
// relative to wd. It returns the fields it changed.
func AbsolutePaths(p *plan.Plan, wd string) []string {
	sch := p.Connector.Schema
	if sch == nil || wd == "" {
		return nil
	}
	var changed []string
	for _, f := range sch.Active(p.AuthMethod) {
		v := p.Value(f.Name)
		if v == "" || filepath.IsAbs(v) || !looksLikePath(f, v, wd) {
			continue
		}
		p.SetValue(f, filepath.Join(wd, v))
		changed = append(changed, f.Name)
	}
	return changed
}

func looksLikePath(f schema.Field, v, wd string) bool {
	if f.Kind == schema.KindFile {
		return true
	}
	if f.Kind != schema.KindString || strings.Contains(v, "://") || strings.ContainsAny(v, "\n\x00") {
		return false
	}
	st, err := os.Stat(filepath.Join(wd, v))
	// A bare word that happens to name a directory here is more likely a
	// setting (a tenant, a schema) than a path.
	return err == nil && (st.Mode().IsRegular() || strings.ContainsRune(v, filepath.Separator))
}

// fileVar is a ${NAME} reference in a file a connector reads.
var fileVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// maxScanBytes bounds how much of a settings file is searched for ${NAME}.
const maxScanBytes = 1 << 20

// CheckFileVars refuses a plan whose files, named by path settings, read
// ${NAME} variables that the profile does not carry: the connector gets
// them from the caller's shell during a test, and a scheduled run would
// not have them.
func CheckFileVars(p *plan.Plan) error {
	sch := p.Connector.Schema
	if sch == nil {
		return nil
	}
	carried := map[string]bool{}
	for _, e := range p.ConnectorEnv() {
		carried[e.Name] = true
	}
	for _, f := range sch.Active(p.AuthMethod) {
		path := p.Value(f.Name)
		if path == "" || !filepath.IsAbs(path) || (f.Kind != schema.KindFile && f.Kind != schema.KindString) {
			continue
		}
		data, err := readHead(path)
		if err != nil {
			continue
		}
		var missing []string
		for _, m := range fileVar.FindAllSubmatch(data, -1) {
			if name := string(m[1]); !carried[name] && !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			refs := make([]string, len(missing))
			for i, n := range missing {
				refs[i] = "${" + n + "}"
			}
			return plan.SettingErrorf(plan.SettingExtraEnv, "%s (setting %s) reads %s from the environment, which the profile does not carry, so a scheduled run would not have it", path, f.Name, strings.Join(refs, ", ")).
				WithHint("carry each in the profile: %s NAME, or %s NAME for a secret", plan.Placeholder, plan.Ref(plan.SettingSecretEnv))
		}
	}
	return nil
}

// readHead reads the start of a regular file.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return io.ReadAll(io.LimitReader(f, maxScanBytes))
}
