package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// These tests run the project's own image and the generated Kubernetes
// pod on a real engine (testenv.NewEngine: podman with runc). No registry
// is reachable, so every image is built here from the test binary.

// setupImage builds the project's image with the top-level Dockerfile's
// BINARY=prebuilt path: the test binary as bin/baton-setup in a build
// context of its own, which also gets the repository's .dockerignore, so
// that an ignore rule that kept the binary out would fail the build.
// distroless cannot be pulled here either, so BASE is a stand-in built
// FROM scratch with what the run stage relies on from distroless: the
// host's CA certificates and a /tmp of mode 1777.
func setupImage(t *testing.T, e *testenv.Engine) string {
	t.Helper()
	const base, name = "localhost/distroless-standin:test", "localhost/baton-setup:test"
	e.BuildImage(t, base, "FROM scratch\nCOPY rootfs/ /\n", map[string]testenv.ImageFile{
		"rootfs/tmp": {Dir: 0o777 | os.ModeSticky},
		"rootfs/etc/ssl/certs/ca-certificates.crt": {Src: "/etc/ssl/certs/ca-certificates.crt"},
	})
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctxDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(ctxDir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(bin, filepath.Join(ctxDir, "bin", "baton-setup")); err != nil {
		t.Fatal(err)
	}
	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, ".dockerignore"), ignore, 0o644); err != nil {
		t.Fatal(err)
	}
	e.BuildFrom(t, name, filepath.Join(root, "Dockerfile"), ctxDir, "BINARY=prebuilt", "BASE="+base)
	return name
}

// finishedSync writes a demo sync of users users into a new directory
// that every user may read.
func finishedSync(t *testing.T, users int) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "sync.c1z")
	code, out, err := testenv.DemoSync(context.Background(), bin, file, []string{fmt.Sprintf("BATON_USER_COUNT=%d", users)})
	if err != nil || code != 0 {
		t.Fatalf("demo sync: exit %d, %v\n%s", code, err, tail(string(out), 5))
	}
	for path, mode := range map[string]os.FileMode{dir: 0o755, file: 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

// TestSetupImage runs `inspect` and `upload` in the image the top-level
// Dockerfile builds, as its non-root user, the upload over the host's
// network to the S3 server on 127.0.0.1.
func TestSetupImage(t *testing.T) {
	e := testenv.NewEngine(t)
	image := setupImage(t, e)
	if user := strings.TrimSpace(e.Podman(t, "image", "inspect", "--format", "{{.Config.User}}", image)); user != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", user)
	}
	file := finishedSync(t, 40)
	data := filepath.Dir(file) + ":/data:ro"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	out, err := e.Run(ctx, t.TempDir(), "run", "--rm", "-v", data, image, "inspect", "--json", "/data/sync.c1z")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"resources"`) || !strings.Contains(out, `"user"`) {
		t.Errorf("inspect --json in the image:\n%s", out)
	}

	s3 := testenv.NewS3(t, "image-bucket")
	envFile := filepath.Join(t.TempDir(), "aws.env")
	if err := os.WriteFile(envFile, []byte(strings.Join(s3.KeyEnv(), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = e.Run(ctx, t.TempDir(), "run", "--rm", "--network", "host", "--env-file", envFile, "-v", data, image,
		"upload", "--file", "/data/sync.c1z", "--dest", "s3://image-bucket/baton/demo/sync.c1z", "--endpoint", s3.URL, "--region", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	obj := s3.Get(t, "image-bucket", "baton/demo/sync.c1z")
	local, _ := os.ReadFile(file)
	if len(obj) == 0 || string(obj) != string(local) {
		t.Errorf("bucket holds %d bytes, want the %d of the sync file\n%s", len(obj), len(local), out)
	}
	e.NoContainers(t)
}

// TestKubernetesPod runs one run of the generated CronJob on the engine:
// its pod template, played by `podman kube play`, runs the connector image
// in the init container into the emptyDir, then the baton-setup image's
// upload, which sends the file to the S3 server.
func TestKubernetesPod(t *testing.T) {
	e := testenv.NewEngine(t)
	testenv.RequireTool(t, "catatonit") // podman's pause process for a pod's infra container
	connector := e.DemoImage(t, bin)
	uploader := setupImage(t, e)
	s3 := testenv.NewS3(t, "sync-bucket")
	home := t.TempDir()
	out := filepath.Join(home, "profile")
	kdir := filepath.Join(out, "kubernetes")
	r := run(t, append(testenv.CleanEnv(home), "BATON_API_KEY="+canary), home, bin, "generate", "--target", "kubernetes",
		"--connector", "demo", "--set", "tenant=acme", "--set", "user-count=30",
		"--docker-image", connector, "--uploader-image", uploader,
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL, "--out", out)
	if r.code != 0 {
		t.Fatalf("generate exit %d\nstderr: %s", r.code, r.stderr)
	}
	var secret corev1.Secret
	unmarshal(t, filepath.Join(kdir, "secret.yaml"), &secret)
	var cj batchv1.CronJob
	unmarshal(t, filepath.Join(kdir, "cronjob.yaml"), &cj)

	play := func(t *testing.T, apiKey string) (string, error) {
		t.Helper()
		file := filepath.Join(t.TempDir(), "pod.yaml")
		data, err := yaml.Marshal(podOf(t, cj, secret, s3, apiKey))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		t.Cleanup(func() {
			if _, err := e.Run(context.Background(), t.TempDir(), "kube", "down", file); err != nil {
				t.Error(err)
			}
			// podman keeps an emptyDir as a named volume after the pod.
			var vols []string
			for _, v := range cj.Spec.JobTemplate.Spec.Template.Spec.Volumes {
				vols = append(vols, v.Name)
			}
			if _, err := e.Run(context.Background(), t.TempDir(), append([]string{"volume", "rm", "--force"}, vols...)...); err != nil {
				t.Error(err)
			}
			e.NoContainers(t)
		})
		w := testenv.WatchProcesses(canary)
		// An empty directory: kube play builds an image from a directory
		// named like it, when there is one.
		_, err = e.Run(ctx, t.TempDir(), "kube", "play", file)
		if err == nil {
			err = waitExited(ctx, t, e, cj.Name+"-upload")
		}
		polls, leaks := w.Stop()
		if polls < 10 {
			t.Errorf("the process watch polled only %d times", polls)
		}
		for _, l := range leaks {
			t.Errorf("secret on a command line: %s", l)
		}
		return e.Logs(ctx, cj.Name+"-upload"), err
	}

	t.Run("connector fails", func(t *testing.T) {
		// The init container fails, so the upload never starts. When
		// baton-sdk v0.25.0 exits 0 without a sync file instead (see
		// testenv.RefusedKey), the upload starts and refuses.
		logs, err := play(t, "invalid")
		raced := err != nil && strings.Contains(err.Error(), "upload exited with code 1") && strings.Contains(logs, "sync.c1z")
		if err == nil || (!strings.Contains(err.Error(), "exited with code 16") && !raced) {
			t.Errorf("kube play: %v\n%s", err, logs)
		}
		if status := strings.TrimSpace(e.Podman(t, "ps", "--all", "--filter", "name="+cj.Name+"-upload", "--format", "{{.Status}}")); status != "Created" && !raced {
			t.Errorf("upload container %q, want Created (never started)", status)
		}
		if s3.Get(t, "sync-bucket", "baton/demo/sync.c1z") != nil {
			t.Error("an object exists after a failed sync")
		}
	})

	t.Run("sync and upload", func(t *testing.T) {
		logs, err := play(t, canary)
		if err != nil {
			t.Fatalf("%v\nupload container's log:\n%s", err, logs)
		}
		obj := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z")
		if obj == nil {
			t.Fatalf("no object uploaded\nupload container's log:\n%s", logs)
		}
		got := filepath.Join(t.TempDir(), "got.c1z")
		if err := os.WriteFile(got, obj, 0o600); err != nil {
			t.Fatal(err)
		}
		if sum, err := c1z.Summarize(context.Background(), got, t.TempDir()); err != nil || sum.Count("user") != 30 {
			t.Errorf("uploaded sync: %+v, %v", sum, err)
		}
		if strings.Contains(logs, canary) {
			t.Error("the upload container logged the secret")
		}
	})
}

// podOf turns the CronJob's pod template into a Pod that podman kube play
// runs. It changes only what podman or the missing cluster cannot do, each
// marked: the Secret's values become env (podman reads a Secret from the
// same file differently from Kubernetes), the upload gets static keys for
// the S3 server (IRSA needs a cluster), and the pod uses the host's
// network to reach that server on 127.0.0.1.
func podOf(t *testing.T, cj batchv1.CronJob, secret corev1.Secret, s3 *testenv.S3, apiKey string) corev1.Pod {
	t.Helper()
	tmpl := cj.Spec.JobTemplate.Spec.Template
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: cj.Name, Labels: tmpl.Labels},
		Spec:       *tmpl.Spec.DeepCopy(),
	}
	pod.Spec.HostNetwork = true // converted: the S3 server listens on 127.0.0.1
	convert := func(c *corev1.Container) {
		var from []corev1.EnvFromSource
		for _, f := range c.EnvFrom {
			if f.SecretRef == nil || f.SecretRef.Name != secret.Name {
				from = append(from, f)
				continue
			}
			// Converted: the Secret's values as env.
			for k, v := range secret.StringData {
				if k == "BATON_API_KEY" {
					v = apiKey
				}
				c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
			}
		}
		c.EnvFrom = from
	}
	for i := range pod.Spec.InitContainers {
		convert(&pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		convert(c)
		if c.Name == "upload" {
			// Converted: static keys for the S3 server instead of IRSA.
			for _, kv := range s3.KeyEnv() {
				k, v, _ := strings.Cut(kv, "=")
				c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
			}
		}
	}
	return pod
}

// waitExited waits for the named container to exit and fails when it
// exited non-zero.
func waitExited(ctx context.Context, t *testing.T, e *testenv.Engine, name string) error {
	t.Helper()
	for {
		out, err := e.Run(ctx, t.TempDir(), "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name)
		if err != nil {
			return err
		}
		if status, code, _ := strings.Cut(strings.TrimSpace(out), " "); status == "exited" {
			if code != "0" {
				return fmt.Errorf("container %s exited with code %s", name, code)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %s: %w", name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
