package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestGenerateKubernetes runs `generate --target kubernetes` on the built
// binary: a dry run that writes nothing, the real run with its files and
// modes, --json, and the flag errors.
func TestGenerateKubernetes(t *testing.T) {
	home := t.TempDir()
	out := filepath.Join(home, "profile")
	kdir := filepath.Join(out, "kubernetes")
	// No docker on PATH: the kubernetes target must not need it, even with
	// --docker-image.
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=/usr/bin:/bin"
		}
	}
	args := []string{"generate", "--target", "kubernetes", "--connector", "demo",
		"--set", "tenant=acme", "--set", "user-count=50",
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1",
		"--schedule", "17 * * * *", "--out", out, "--namespace", "identity",
		"--uploader-image", "registry.example.com/baton-setup:v1"}

	r := run(t, env, home, bin, append(args, "--dry-run")...)
	if r.code != 0 {
		t.Fatalf("dry run exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("dry run created %s", out)
	}
	for _, want := range []string{"would write " + filepath.Join(kdir, "cronjob.yaml"), `BATON_API_KEY: "••••"`, "kubectl apply -f " + kdir} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Error("dry run printed the secret")
	}

	r = run(t, env, home, bin, args...)
	if r.code != 0 {
		t.Fatalf("generate exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Error("generate printed the secret")
	}
	if !strings.Contains(r.stdout, "File name to exactly: baton/demo/sync.c1z") {
		t.Errorf("ConductorOne File name hint missing:\n%s", r.stdout)
	}
	for _, d := range []string{out, kdir} {
		if got := testenv.Mode(t, d); got != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, got)
		}
	}
	entries, err := os.ReadDir(kdir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "README.txt cronjob.yaml secret.yaml serviceaccount.yaml" {
		t.Errorf("files %v", names)
	}
	for _, name := range names {
		path := filepath.Join(kdir, name)
		if got := testenv.Mode(t, path); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, got)
		}
		data, _ := os.ReadFile(path)
		if (name == "secret.yaml") != strings.Contains(string(data), canary) {
			t.Errorf("%s: holds the secret = %v", name, !(name == "secret.yaml"))
		}
	}
	// The host target's files are not written.
	if _, err := os.Stat(filepath.Join(out, "sync.sh")); !os.IsNotExist(err) {
		t.Errorf("sync.sh written for the kubernetes target: %v", err)
	}

	var secret corev1.Secret
	unmarshal(t, filepath.Join(kdir, "secret.yaml"), &secret)
	if secret.StringData["BATON_API_KEY"] != canary || secret.Namespace != "identity" {
		t.Errorf("Secret: namespace %q, BATON_API_KEY set = %v", secret.Namespace, secret.StringData["BATON_API_KEY"] == canary)
	}
	var cj batchv1.CronJob
	unmarshal(t, filepath.Join(kdir, "cronjob.yaml"), &cj)
	if cj.Spec.Schedule != "17 * * * *" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("CronJob schedule %q, concurrencyPolicy %q", cj.Spec.Schedule, cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != "registry.example.com/baton-setup:v1" ||
		pod.InitContainers[0].Args[0] != "demo-connector" {
		t.Errorf("init containers %+v: want the demo connector from the baton-setup image", pod.InitContainers)
	}

	// Unchanged on a second run; --json says so.
	r = run(t, env, home, bin, append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("--json exit %d\nstderr: %s", r.code, r.stderr)
	}
	var res struct {
		Dir     string `json:"dir"`
		Changes []struct {
			Name   string `json:"name"`
			Action string `json:"action"`
		} `json:"changes"`
		Schedule struct {
			Spec string `json:"spec"`
		} `json:"schedule"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	if res.Dir != kdir || len(res.Changes) != 4 || res.Schedule.Spec != "17 * * * *" {
		t.Errorf("--json result %+v", res)
	}
	for _, c := range res.Changes {
		if c.Action != "unchanged" {
			t.Errorf("%s: %s on an identical regeneration", c.Name, c.Action)
		}
	}
	if strings.Contains(r.stdout, canary) {
		t.Error("--json printed the secret")
	}

	// The image may come from --docker-image without docker installed.
	r = run(t, env, home, bin, append(args, "--docker-image", "registry.example.com/baton-demo:2", "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, `image: "registry.example.com/baton-demo:2"`) {
		t.Errorf("--docker-image: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"target", []string{"--target", "k8s"}, `--target "k8s": want host or kubernetes`},
		{"namespace", []string{"--namespace", "Not_A_Label"}, "--namespace"},
		{"cron flags", []string{"--install-cron"}, "--target host"},
		{"local", []string{"--dest", "local"}, "needs an s3:// destination"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env, home, bin, append(append([]string(nil), args...), tc.extra...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want 2 with %q\nstderr: %s", r.code, tc.want, r.stderr)
			}
		})
	}
}

func unmarshal(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestKubernetesCatalogOnly writes a fleet's manifests for a connector that
// is neither installed here nor pulled: the catalog gives its settings and
// its image, and nothing runs.
func TestKubernetesCatalogOnly(t *testing.T) {
	home := t.TempDir()
	out := filepath.Join(home, "okta")
	empty := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_TOKEN="+canary)
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + empty // no baton-okta, no docker, no podman
		}
	}
	r := run(t, env, home, bin, "generate", "--target", "kubernetes", "--connector", "okta", "--set", "domain=acme.okta.com",
		"--dest", "s3://acme-bucket/baton/okta/sync.c1z", "--region", "us-east-1", "--out", out)
	if r.code != 0 {
		t.Fatalf("generate exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "baton-okta is not installed here; using the catalog's fields") {
		t.Errorf("no note that the catalog's fields were used:\n%s", r.stderr)
	}
	var cj batchv1.CronJob
	unmarshal(t, filepath.Join(out, "kubernetes", "cronjob.yaml"), &cj)
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != "public.ecr.aws/conductorone/baton-okta:latest" {
		t.Errorf("connector container: %+v", pod.InitContainers)
	}
	var secret corev1.Secret
	unmarshal(t, filepath.Join(out, "kubernetes", "secret.yaml"), &secret)
	if secret.StringData["BATON_API_TOKEN"] != canary {
		t.Errorf("secret holds %v", secret.StringData)
	}

	// Without --target kubernetes, a connector that is not installed is
	// bad input, named as such.
	r = run(t, env, home, bin, "generate", "--connector", "okta", "--set", "domain=acme.okta.com", "--dest", "local", "--out", filepath.Join(home, "local"))
	if r.code != 2 || !strings.Contains(r.stderr, "baton-okta") {
		t.Errorf("generate of an absent connector: exit %d\n%s", r.code, r.stderr)
	}
}
