package container

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"time"
)

// The causes a preflight tells apart; test for them with errors.Is.
var (
	ErrNoCLI        = errors.New("the docker CLI is not installed")
	ErrEngineDown   = errors.New("the engine is not running")
	ErrSocketDenied = errors.New("permission denied on the engine's socket")
	ErrImageAccess  = errors.New("the image does not exist or needs a login")
	ErrImageTag     = errors.New("the image has no such tag")
	ErrRateLimit    = errors.New("the registry's pull rate limit was reached")
	ErrNetwork      = errors.New("the registry cannot be reached")
	ErrDiskFull     = errors.New("no space left for the image")
	ErrPlatform     = errors.New("the image is not built for this machine")
	ErrDocker       = errors.New("the command failed")
)

// Error is a docker failure in plain words, with docker's own last line and
// how to fix it.
type Error struct {
	Cause  error
	Detail string
	Fix    string
}

func (e *Error) Error() string {
	if e.Fix == "" {
		return e.Problem()
	}
	return e.Problem() + "\nfix: " + e.Fix
}

// Problem is the error without its fix line.
func (e *Error) Problem() string {
	if e.Detail == "" {
		return "docker: " + e.Cause.Error()
	}
	return "docker: " + e.Cause.Error() + " (" + e.Detail + ")"
}

// Unwrap returns the cause, one of the Err* values.
func (e *Error) Unwrap() error { return e.Cause }

// explain maps what docker printed on a failure to a cause and a fix; nil
// when the text is not one it knows.
func explain(stderr, image string) *Error {
	low := strings.ToLower(stderr)
	detail := lastLine(stderr)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(low, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("permission denied while trying to connect to the docker daemon"):
		return &Error{ErrSocketDenied, detail, "add yourself to the docker group (sudo usermod -aG docker $USER) and log in again, or use rootless docker"}
	case has("cannot connect to the docker daemon", "is the docker daemon running", "error during connect"):
		return &Error{ErrEngineDown, detail, "start it (sudo systemctl start docker, or open Docker Desktop), then run this again"}
	case has("toomanyrequests", "pull rate limit"):
		return &Error{ErrRateLimit, detail, "wait and retry, or docker login to the registry for a higher limit"}
	case has("manifest unknown", "manifest for") && has("not found"):
		return &Error{ErrImageTag, detail, "check the tag of " + image + "; the catalog's images use :latest"}
	case has("pull access denied", "repository does not exist", "unauthorized", "denied: requested access", "authentication required"):
		return &Error{ErrImageAccess, detail, "check the image name " + image + ", or docker login to its registry"}
	case has("no such host", "i/o timeout", "tls handshake timeout", "connection refused", "network is unreachable", "context deadline exceeded", "connection reset"):
		return &Error{ErrNetwork, detail, "check this machine's network, proxy and DNS for the registry of " + image}
	case has("no space left on device"):
		return &Error{ErrDiskFull, detail, "free disk space (docker system prune removes unused images) and run this again"}
	case has("exec format error", "does not match the detected host platform", "no matching manifest"):
		return &Error{ErrPlatform, detail, "use an image built for this machine's architecture"}
	}
	return nil
}

// Preflight checks that docker can run image: the CLI answers, its engine
// is up and reachable, and the image is present or can be pulled (it is
// pulled then, so that the first scheduled run does not wait for it). Each
// failure is an *Error that names the cause and the fix.
func Preflight(ctx context.Context, dockerPath, image string) error {
	dockerPath, err := lookDocker(dockerPath)
	if err != nil {
		return err
	}
	present, err := Present(ctx, dockerPath, image)
	if err != nil || present {
		return err
	}
	return Pull(ctx, dockerPath, image)
}

// Present makes Preflight's checks of docker and its engine, then reports
// whether image is on this machine (docker image inspect) without pulling
// it, for dry runs. An empty dockerPath means the docker on PATH.
func Present(ctx context.Context, dockerPath, image string) (bool, error) {
	if err := CheckImage(image); err != nil {
		return false, err
	}
	dockerPath, err := lookDocker(dockerPath)
	if err != nil {
		return false, err
	}
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, stderr, err := docker(vctx, dockerPath, "version", "--format", "{{.Server.Version}}"); err != nil {
		var execErr *exec.Error
		var pathErr *fs.PathError
		if errors.As(err, &execErr) || errors.As(err, &pathErr) {
			return false, &Error{ErrNoCLI, err.Error(), "install Docker Engine (https://docs.docker.com/engine/install/), or regenerate so that sync.sh finds docker"}
		}
		if e := explain(stderr, image); e != nil {
			return false, e
		}
		return false, &Error{ErrDocker, "docker version: " + orErr(stderr, err), "check that `docker version` shows a Server section"}
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, _, err = docker(ictx, dockerPath, "image", "inspect", "--format", "{{.Id}}", image)
	return err == nil, nil
}

// Pull pulls image, with docker's failure explained.
func Pull(ctx context.Context, dockerPath, image string) error {
	if err := CheckImage(image); err != nil {
		return err
	}
	if _, stderr, err := docker(ctx, dockerPath, "pull", "--quiet", image); err != nil {
		if e := explain(stderr, image); e != nil {
			return e
		}
		return &Error{ErrDocker, "docker pull " + image + ": " + orErr(stderr, err), "run docker pull " + image + " to see why"}
	}
	return nil
}

// lookDocker returns dockerPath, or the docker on PATH when it is empty.
func lookDocker(dockerPath string) (string, error) {
	if dockerPath != "" {
		return dockerPath, nil
	}
	p, err := exec.LookPath("docker")
	if err != nil {
		return "", &Error{ErrNoCLI, "", "install Docker Engine (https://docs.docker.com/engine/install/), or run the connector binary instead of its image"}
	}
	return p, nil
}

func orErr(stderr string, err error) string {
	if l := lastLine(stderr); l != "" {
		return l
	}
	return err.Error()
}
