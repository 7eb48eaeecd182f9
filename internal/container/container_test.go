package container_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/plan"
)

func TestArgv(t *testing.T) {
	r := container.Run{
		Image: "public.ecr.aws/conductorone/baton-okta:latest", Name: "baton-setup-0123456789abcdef", UID: 1000, GID: 1001,
		EnvFile: "/tmp/x/docker-env-1/connector.env", WorkDir: "/tmp/x/out", File: "sync.c1z",
		ExtraArgs: []string{"--skip-entitlements-and-grants"},
	}
	got, err := r.Argv()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run", "--rm", "--name", "baton-setup-0123456789abcdef", "--user", "1000:1001", "--env-file", "/tmp/x/docker-env-1/connector.env",
		"-v", "/tmp/x/out:/out", "public.ecr.aws/conductorone/baton-okta:latest",
		"--file", "/out/sync.c1z", "--log-format", "json", "--skip-entitlements-and-grants"}
	if !slices.Equal(got, want) {
		t.Errorf("argv:\n%q\nwant:\n%q", got, want)
	}

	tests := []struct {
		name   string
		change func(*container.Run)
		want   string
	}{
		{"flag as image", func(r *container.Run) { r.Image = "--privileged" }, "not an image reference"},
		{"shell text in image", func(r *container.Run) { r.Image = "okta;rm -rf /" }, "not an image reference"},
		{"relative work dir", func(r *container.Run) { r.WorkDir = "out" }, "not an absolute path"},
		{"colon in work dir", func(r *container.Run) { r.WorkDir = "/tmp/a:b" }, "docker -v cannot mount"},
		{"no env file", func(r *container.Run) { r.EnvFile = "" }, "env file"},
		{"file with a path", func(r *container.Run) { r.File = "../x.c1z" }, "plain file name"},
		{"no name", func(r *container.Run) { r.Name = "" }, "container name"},
		{"flag as name", func(r *container.Run) { r.Name = "--privileged" }, "container name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := r
			tt.change(&bad)
			if _, err := bad.Argv(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestWriteEnvFile(t *testing.T) {
	dir := t.TempDir()
	env := []plan.EnvVar{
		{Name: "BATON_TENANT", Value: "acme"},
		// Literal: docker's env-file has no quoting, so none is added.
		{Name: "BATON_API_KEY", Value: `  s3cr"et $HOME 'q' =x # not a comment`, Secret: true},
		{Name: "BATON_EMPTY", Value: ""},
	}
	path, err := container.WriteEnvFile(dir, env)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "BATON_TENANT=acme\nBATON_API_KEY=  s3cr\"et $HOME 'q' =x # not a comment\nBATON_EMPTY=\n"
	if string(data) != want {
		t.Errorf("env file:\n%s\nwant:\n%s", data, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %04o, want 0600", st.Mode().Perm())
	}
	parent := filepath.Dir(path)
	if st, _ := os.Stat(parent); st.Mode().Perm() != 0o700 || filepath.Dir(parent) != dir {
		t.Errorf("env file directory %s mode %04o, want a 0700 directory in %s", parent, st.Mode().Perm(), dir)
	}
}

func TestCheckEnv(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"newline", "-----BEGIN KEY-----\nabc\n-----END KEY-----", "has a line break, which docker's --env-file cannot hold"},
		{"carriage return", "abc\r", "has a line break"},
		{"nul", "a\x00b", "NUL byte"},
		{"not utf-8", "a\xffb", "not valid UTF-8"},
		{"too long", strings.Repeat("x", 64*1024), "longer than docker's --env-file accepts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []plan.EnvVar{{Name: "BATON_PRIVATE_KEY", Value: tt.value, Secret: true}}
			err := container.CheckEnv(env)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "BATON_PRIVATE_KEY") {
				t.Fatalf("err = %v, want %q naming the variable", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.value) {
				t.Error("the error shows the value")
			}
			dir := t.TempDir()
			if _, err := container.WriteEnvFile(dir, env); err == nil {
				t.Error("WriteEnvFile wrote a value docker cannot read")
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("a refused env file left %v", left)
			}
		})
	}
	if err := container.CheckEnv([]plan.EnvVar{{Name: "BATON_X", Value: "tabs\tand spaces are fine ünïcode"}}); err != nil {
		t.Errorf("a one-line value was refused: %v", err)
	}
}

// writeScript writes an executable shell script into a new directory.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPreflightMessages maps what a real docker CLI prints on each failure
// (captured from docker 28 and the registries' answers) to the cause.
func TestPreflightMessages(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   error
		text   string
	}{
		{"engine down", `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`,
			container.ErrEngineDown, "docker: the engine is not running"},
		{"socket denied", `echo "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.50/version\": dial unix /var/run/docker.sock: connect: permission denied" >&2; exit 1`,
			container.ErrSocketDenied, "sudo usermod -aG docker"},
		{"unknown failure", `echo "something odd" >&2; exit 1`, container.ErrDocker, "docker version: something odd"},
		{"no such repository", `case "$1" in version) exit 0 ;; image) exit 1 ;; esac
echo "Error response from daemon: pull access denied for nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied" >&2; exit 1`,
			container.ErrImageAccess, "check the image name nosuch:latest, or docker login"},
		{"no such tag", `case "$1" in version) exit 0 ;; image) exit 1 ;; esac
echo "Error response from daemon: manifest for nosuch:latest not found: manifest unknown: manifest unknown" >&2; exit 1`,
			container.ErrImageTag, "check the tag"},
		{"offline", `case "$1" in version) exit 0 ;; image) exit 1 ;; esac
echo "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: no such host" >&2; exit 1`,
			container.ErrNetwork, "network"},
		{"rate limit", `case "$1" in version) exit 0 ;; image) exit 1 ;; esac
echo "Error response from daemon: toomanyrequests: You have reached your pull rate limit." >&2; exit 1`,
			container.ErrRateLimit, "docker login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docker := writeScript(t, "docker", tt.script)
			err := container.Preflight(context.Background(), docker, "nosuch:latest")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v\nwant %v with %q", err, tt.want, tt.text)
			}
			if !strings.Contains(err.Error(), "\nfix: ") {
				t.Errorf("no fix line: %v", err)
			}
		})
	}

	t.Run("no cli", func(t *testing.T) {
		err := container.Preflight(context.Background(), filepath.Join(t.TempDir(), "docker"), "nosuch:latest")
		if !errors.Is(err, container.ErrNoCLI) {
			t.Errorf("err = %v, want ErrNoCLI", err)
		}
	})
	t.Run("present image is not pulled", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "argv")
		docker := writeScript(t, "docker", `echo "$*" >>`+log+`; case "$1" in pull) exit 1 ;; esac`)
		if err := container.Preflight(context.Background(), docker, "img:1"); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(log)
		want := "version --format {{.Server.Version}}\nimage inspect --format {{.Id}} img:1\n"
		if string(got) != want {
			t.Errorf("docker calls:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestNewName(t *testing.T) {
	a, b := container.NewName(), container.NewName()
	if a == b || !strings.HasPrefix(a, container.NamePrefix) || len(a) != len(container.NamePrefix)+16 {
		t.Errorf("names %q and %q", a, b)
	}
}

func TestConnectorName(t *testing.T) {
	for image, want := range map[string]string{
		"public.ecr.aws/conductorone/baton-okta:latest": "okta",
		"baton-demo:test": "demo",
		"localhost:5000/team/baton-google-workspace": "google-workspace",
		"ghcr.io/acme/baton-ldap@sha256:0123abcd":    "ldap",
		"ghcr.io/acme/okta-sync:1":                   "",
		"ghcr.io/acme/baton-setup:1":                 "",
		"baton-:1":                                   "",
	} {
		if got := container.ConnectorName(image); got != want {
			t.Errorf("ConnectorName(%q) = %q, want %q", image, got, want)
		}
	}
}
