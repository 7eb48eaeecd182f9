// Package container runs a connector from its container image with the
// docker CLI: the argv of a one-shot sync, the env file that carries its
// values (never the command line), the schema read from the image, and a
// preflight that says plainly why docker cannot run it.
package container

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// OutDir is where the container sees the host's work directory.
const OutDir = "/out"

// Run describes one `docker run` of a connector image.
type Run struct {
	Image string
	// Name is the container's name (see NewName), so that a run whose
	// docker CLI was killed can still be stopped with Remove.
	Name string
	// UID and GID are the user the connector runs as, so that the sync file
	// in the mounted directory belongs to the caller.
	UID, GID int
	// EnvFile holds the connector's values; see WriteEnvFile.
	EnvFile string
	// WorkDir is the host directory mounted at /out.
	WorkDir string
	// File is the sync file's name inside WorkDir, e.g. "sync.c1z".
	File string
	// Args come between the image and --file (a subcommand, if any);
	// ExtraArgs go last (flags such as --skip-entitlements-and-grants).
	Args      []string
	ExtraArgs []string
}

// Argv returns docker's argv, without the docker command itself:
// run --rm --name NAME --user UID:GID --env-file FILE -v WORKDIR:/out IMAGE
// [ARGS] --file /out/FILE --log-format json [EXTRA]. No value is on it.
func (r Run) Argv() ([]string, error) {
	if err := CheckImage(r.Image); err != nil {
		return nil, err
	}
	if err := checkName(r.Name); err != nil {
		return nil, err
	}
	if r.EnvFile == "" || !filepath.IsAbs(r.EnvFile) {
		return nil, fmt.Errorf("build docker command: env file %q is not an absolute path", r.EnvFile)
	}
	if err := checkMount(r.WorkDir); err != nil {
		return nil, err
	}
	if r.File == "" || strings.ContainsRune(r.File, '/') {
		return nil, fmt.Errorf("build docker command: sync file name %q: want a plain file name", r.File)
	}
	args := []string{
		"run", "--rm", "--name", r.Name,
		"--user", fmt.Sprintf("%d:%d", r.UID, r.GID),
		"--env-file", r.EnvFile,
		"-v", r.WorkDir + ":" + OutDir,
		r.Image,
	}
	args = append(args, r.Args...)
	args = append(args, "--file", OutDir+"/"+r.File, "--log-format", "json")
	return append(args, r.ExtraArgs...), nil
}

// checkMount refuses host paths that -v cannot carry: it splits its
// argument on ':'.
func checkMount(dir string) error {
	if dir == "" || !filepath.IsAbs(dir) {
		return fmt.Errorf("build docker command: work directory %q is not an absolute path", dir)
	}
	if strings.ContainsAny(dir, ":\n") {
		return fmt.Errorf("build docker command: work directory %q contains ':', which docker -v cannot mount", dir)
	}
	return nil
}

// containerName is what docker accepts as a container name.
var containerName = lazyre.New(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func checkName(name string) error {
	if !containerName().MatchString(name) {
		return fmt.Errorf("build docker command: container name %q: want letters, digits and _.- (see container.NewName)", name)
	}
	return nil
}

// NamePrefix starts the name of every container baton-setup runs.
const NamePrefix = "baton-setup-"

// NewName returns a fresh container name, baton-setup-<16 hex digits>.
func NewName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return NamePrefix + hex.EncodeToString(b[:])
}

// removeTimeout bounds Remove: a docker CLI whose engine hangs must not
// hold up a cancelled run for long.
const removeTimeout = 20 * time.Second

// Remove stops and removes the named container (docker rm -f), for a run
// that was cancelled or timed out: killing docker's CLI does not stop the
// container it started. A container that is already gone is not an error.
// It takes at most 20 seconds, whatever ctx allows.
func Remove(ctx context.Context, dockerPath, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	_, errText, err := docker(ctx, dockerPath, "rm", "--force", name)
	if err != nil && !strings.Contains(strings.ToLower(errText), "no such container") {
		return fmt.Errorf("remove container %s: %w: %s", name, err, lastLine(errText))
	}
	return nil
}

// runNamed runs `docker run --rm --name NAME ARGS…` and removes the
// container when ctx ends first, since CommandContext kills only the CLI.
func runNamed(ctx context.Context, dockerPath string, args ...string) (stdout, stderr string, err error) {
	name := NewName()
	stdout, stderr, err = docker(ctx, dockerPath, append([]string{"run", "--rm", "--name", name}, args...)...)
	if ctx.Err() != nil {
		_ = Remove(ctx, dockerPath, name)
	}
	return stdout, stderr, err
}

// ConnectorName guesses the connector's name from its image reference:
// public.ecr.aws/conductorone/baton-okta:latest is okta. It returns "" when
// the image's last path element does not name a baton connector.
func ConnectorName(image string) string {
	ref := image
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	if i := strings.IndexByte(ref, ':'); i >= 0 {
		ref = ref[:i]
	}
	name, ok := strings.CutPrefix(ref, "baton-")
	if !ok || name == "" || name == "setup" {
		return ""
	}
	return name
}

// imageRef is loose on purpose (registries differ), but keeps out white
// space, quotes, shell syntax and anything docker would read as a flag.
var imageRef = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$`)

// CheckImage refuses what cannot be an image reference. It is the one check
// for every image the user names: docker mode, the kubernetes target's
// connector image and its uploader image.
func CheckImage(image string) error {
	switch {
	case image == "":
		return errors.New("check image: no image given")
	case len(image) > 1024 || !imageRef().MatchString(image):
		return fmt.Errorf("check image %q: not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)", image)
	}
	return nil
}

// maxEnvLine is bufio.Scanner's default token size, the longest line
// docker's env-file reader accepts.
const maxEnvLine = 64 * 1024

// CheckEnv reports a value that docker's --env-file cannot carry. The file
// is read line by line with each NAME=value taken literally (no quotes, no
// escapes), so a line break cannot be written, a trailing carriage return
// would be dropped, and the text must be UTF-8.
func CheckEnv(env []plan.EnvVar) error {
	for _, e := range env {
		switch {
		case e.Name == "" || strings.ContainsAny(e.Name, "= \t\r\n#"):
			return fmt.Errorf("write env file: %q is not a usable variable name", e.Name)
		case strings.ContainsAny(e.Value, "\r\n"):
			return fmt.Errorf("write env file: the value of %s has a line break, which docker's --env-file cannot hold\nhint: put the text in a file and give the connector its path, or run the connector without docker", e.Name)
		case strings.ContainsRune(e.Value, 0):
			return fmt.Errorf("write env file: the value of %s contains a NUL byte, which no environment variable can hold", e.Name)
		case !utf8.ValidString(e.Value):
			return fmt.Errorf("write env file: the value of %s is not valid UTF-8, which docker's --env-file requires", e.Name)
		case len(e.Name)+1+len(e.Value) >= maxEnvLine:
			return fmt.Errorf("write env file: the value of %s is longer than docker's --env-file accepts (64 KiB a line)", e.Name)
		}
	}
	return nil
}

// WriteEnvFile writes env in docker's env-file format into a new private
// directory (0700) under dir, as a 0600 file, and returns its path. Remove
// the directory, filepath.Dir of the path, when the run is over; docker
// reads the file only when it creates the container.
func WriteEnvFile(dir string, env []plan.EnvVar) (string, error) {
	if err := CheckEnv(env); err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, e := range env {
		b.WriteString(e.Name + "=" + e.Value + "\n")
	}
	private, err := os.MkdirTemp(dir, "docker-env-*")
	if err != nil {
		return "", fmt.Errorf("write env file: %w", err)
	}
	path := filepath.Join(private, "connector.env")
	if err := renameio.WriteFile(path, b.Bytes(), 0o600); err != nil {
		_ = os.RemoveAll(private)
		return "", fmt.Errorf("write env file: %w", err)
	}
	return path, nil
}

// ErrNoSchema is wrapped by SchemaFromImage's error when the image ran but
// did not describe its settings: no `config` command and no usable --help,
// or output that is not a schema. Callers may fall back to the catalog.
var ErrNoSchema = errors.New("the image does not describe its settings")

// SchemaFromImage runs the image's `config` command (no credentials, no
// network) and parses the schema it prints. Images of connectors too old
// for `config` (baton-sdk before v0.2.68) are read from --help. The image is
// pulled when missing, so give ctx a deadline that allows for it.
func SchemaFromImage(ctx context.Context, dockerPath, image string) (*schema.Schema, error) {
	if err := CheckImage(image); err != nil {
		return nil, err
	}
	out, errText, err := runNamed(ctx, dockerPath, "--network", "none", image, "config")
	switch {
	case err != nil && strings.Contains(errText, `unknown command "config"`):
		help, helpErr, herr := runNamed(ctx, dockerPath, "--network", "none", image, "--help")
		if herr != nil {
			return nil, fmt.Errorf("read schema of %s: %w: it has no `config` command and `--help` failed: %w: %s", image, ErrNoSchema, herr, lastLine(helpErr))
		}
		return schema.ParseHelp(help), nil
	case err != nil:
		if e := explain(errText, image); e != nil {
			return nil, fmt.Errorf("read schema of %s: %w", image, e)
		}
		return nil, fmt.Errorf("read schema of %s: %w: %s", image, err, lastLine(errText))
	}
	s, err := schema.Parse([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("read schema of %s: %w: %w", image, ErrNoSchema, err)
	}
	return s, nil
}

// docker runs the CLI with a clean environment for the connector: no
// BATON_* variable of ours may reach a container through docker's own
// environment.
func docker(ctx context.Context, dockerPath string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, dockerPath, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Dir = os.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("`docker %s` did not finish: %w", args[0], ctx.Err())
	}
	return out.String(), strings.TrimSpace(errb.String()), err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Output runs one command of the image with env in a temporary env file
// (removed before it returns) and returns its standard output, e.g. the
// `capabilities` a quick test sync reads.
func Output(ctx context.Context, dockerPath, image string, env []plan.EnvVar, args ...string) ([]byte, error) {
	if err := CheckImage(image); err != nil {
		return nil, err
	}
	envFile, err := WriteEnvFile(os.TempDir(), env)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(filepath.Dir(envFile))
	argv := append([]string{"--env-file", envFile, image}, args...)
	out, errText, err := runNamed(ctx, dockerPath, argv...)
	if err != nil {
		if e := explain(errText, image); e != nil {
			return nil, e
		}
		return nil, fmt.Errorf("run %s %s: %w: %s", image, strings.Join(args, " "), err, lastLine(errText))
	}
	return []byte(out), nil
}
