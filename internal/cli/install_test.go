package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/iostreams"
)

// installWorld is a machine whose only tools are the given scripts, with
// GOBIN and HOME in temporary directories.
type installWorld struct {
	tools, gobin string
	f            *Factory
	out, errOut  interface{ String() string }
}

func newInstallWorld(t *testing.T, scripts map[string]string) *installWorld {
	t.Helper()
	w := &installWorld{tools: t.TempDir(), gobin: t.TempDir()}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(w.tools, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	env := map[string]string{"PATH": w.tools, "GOBIN": w.gobin, "HOME": home}
	look := func(name string) (string, error) {
		p := filepath.Join(w.tools, name)
		if _, err := os.Stat(p); err != nil {
			return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
		}
		return p, nil
	}
	ios, _, out, errOut := iostreams.Test()
	w.out, w.errOut = out, errOut
	w.f = &Factory{
		IO: ios,
		Discover: discover.Env{
			Self: os.Executable, LookPath: look, Getenv: func(k string) string { return env[k] },
			HomeDir: func() (string, error) { return home, nil },
		},
		Getenv: func(k string) string { return env[k] },
		Environ: func() []string {
			return []string{"PATH=/usr/bin:/bin", "GOBIN=" + w.gobin, "HOME=" + home, "BATON_API_KEY=k-secret"}
		},
		Now: time.Now,
	}
	return w
}

// goScript is a fake `go` that logs its arguments and drops baton-okta into
// $GOBIN.
const goScript = `if [ "$1" = list ]; then
	echo '{"Path": "github.com/conductorone/baton-okta", "Version": "v0.5.26"}'
	exit 0
fi
echo "go: downloading $2" >&2
[ -z "$BATON_API_KEY" ] || echo "leaked BATON_API_KEY"
printf '#!/bin/sh\necho fake\n' > "$GOBIN/baton-okta" && chmod 755 "$GOBIN/baton-okta"
`

func TestInstallCommand(t *testing.T) {
	tests := []struct {
		name       string
		scripts    map[string]string
		args       []string
		code       int
		wantOut    []string
		wantErr    []string
		notErr     []string
		wantBinary bool
	}{
		{
			name:    "dry run prints and does not run",
			scripts: map[string]string{"go": goScript},
			args:    []string{"okta", "--dry-run"},
			wantErr: []string{"$ go install github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26"},
			notErr:  []string{"go: downloading"},
		},
		{
			name:       "go install streams and finds the binary",
			scripts:    map[string]string{"go": goScript},
			args:       []string{"baton-okta"},
			wantErr:    []string{"$ go install github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26", "go: downloading github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26"},
			notErr:     []string{"leaked", "@main"},
			wantOut:    []string{"installed baton-okta v0.5.26 at "},
			wantBinary: true,
		},
		{
			name:    "brew is preferred and its failure is explained",
			scripts: map[string]string{"go": goScript, "brew": "echo 'Error: tap failed' >&2; exit 1\n"},
			args:    []string{"okta"},
			code:    exitError,
			wantErr: []string{"$ brew install conductorone/baton/baton-okta", "Error: tap failed", "exit status 1", "hint: run it yourself"},
		},
		{
			name:    "method not on this machine",
			scripts: map[string]string{"go": goScript},
			args:    []string{"okta", "--method", "docker"},
			code:    exitError,
			wantErr: []string{"docker is not installed on this machine", "docker pull public.ecr.aws/conductorone/baton-okta:latest"},
		},
		{
			name:    "no tool at all lists the commands",
			args:    []string{"okta"},
			code:    exitError,
			wantErr: []string{"none of brew, go or docker", "brew install conductorone/baton/baton-okta", "go install github.com/conductorone/baton-okta"},
		},
		{
			name:    "docker pull sets up docker mode",
			scripts: map[string]string{"docker": "echo \"latest: Pulling from $2\"\n"},
			args:    []string{"okta", "--method=docker"},
			wantErr: []string{"latest: Pulling from public.ecr.aws/conductorone/baton-okta:latest"},
			wantOut: []string{"generate --docker-image public.ecr.aws/conductorone/baton-okta:latest"},
		},
		{name: "unknown connector", args: []string{"okt"}, code: exitUsage, wantErr: []string{"install okt: not a connector in the catalog", "did you mean okta?"}},
		{name: "bad method", args: []string{"okta", "--method", "apt"}, code: exitUsage, wantErr: []string{"want brew, go or docker"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInstallWorld(t, tt.scripts)
			code := run(w.f, append([]string{"install"}, tt.args...))
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, w.out.String(), w.errOut.String())
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(w.out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, w.out.String())
				}
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(w.errOut.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, w.errOut.String())
				}
			}
			for _, s := range tt.notErr {
				if strings.Contains(w.errOut.String(), s) {
					t.Errorf("stderr has %q:\n%s", s, w.errOut.String())
				}
			}
			_, err := os.Stat(filepath.Join(w.gobin, "baton-okta"))
			if got := err == nil; got != tt.wantBinary {
				t.Errorf("baton-okta in GOBIN: %v, want %v", got, tt.wantBinary)
			}
			if tt.wantBinary && !strings.Contains(w.out.String(), filepath.Join(w.gobin, "baton-okta")) {
				t.Errorf("stdout does not name the installed path:\n%s", w.out.String())
			}
		})
	}
}
