package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/conductorone/baton-setup/internal/container"
)

// containerRun prepares a docker-mode run: the values go into an env file
// in a private directory of workDir, the sync file into workDir/out (the
// only directory the container sees), docker's own environment carries no
// BATON_* variable, and the container gets a fresh name (returned) by which
// a stopped run removes it.
func containerRun(opts Options, workDir, tmpDir string) (args, env []string, file, envDir, name string, err error) {
	out := filepath.Join(workDir, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		return nil, nil, "", "", "", err
	}
	envFile, err := container.WriteEnvFile(workDir, opts.Env)
	if err != nil {
		return nil, nil, "", "", "", err
	}
	name = container.NewName()
	args, err = container.Run{
		Image: opts.Image, Name: name, UID: os.Getuid(), GID: os.Getgid(),
		EnvFile: envFile, WorkDir: out, File: "sync.c1z",
		Args: opts.Args, ExtraArgs: opts.ExtraArgs,
	}.Argv()
	if err != nil {
		return nil, nil, "", "", "", err
	}
	base := opts.BaseEnv
	if base == nil {
		base = os.Environ()
	}
	for _, kv := range Environ(base, []EnvVar{{Name: "TMPDIR", Value: tmpDir}}) {
		if !strings.HasPrefix(kv, "BATON_") {
			env = append(env, kv)
		}
	}
	return args, env, filepath.Join(out, "sync.c1z"), filepath.Dir(envFile), name, nil
}

// stopContainer removes a stopped run's container. Signals reach only
// docker's CLI: SIGINT is passed on to the container, but once the CLI is
// killed the container runs on, holding the connector's credentials and
// its output pipe.
func stopContainer(ctx context.Context, docker, name string) {
	_ = container.Remove(ctx, docker, name)
}
