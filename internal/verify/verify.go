// Package verify proves that a profile delivers when its scheduler runs
// it: it runs the generated sync.sh with exactly the environment cron (or
// the systemd unit) gives it, nothing of the caller's shell, then checks
// what arrived: the object in S3, compared byte for byte with the local
// sync file, or the finished sync file of a local destination. A failed
// run is explained by its innermost cause and a fix.
//
// The run writes where a scheduled run writes: cron's line appends to
// sync.log itself, and a unit's StandardOutput=append: file is opened the
// same way. verify follows that file for progress rather than capture the
// output, so that sync.sh sees the output it sees under its scheduler (it
// rotates sync.log when that is where its output goes).
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/upload"
)

// Options say which profile to run and as whom.
type Options struct {
	Plan *plan.Plan
	// Dir is the profile directory; "" means Plan.Output.Dir.
	Dir string
	// Account is the user the schedule runs as (see CurrentAccount).
	Account Account
	// Crontab is the account's crontab as `crontab -l` prints it, "" for
	// none: cron runs the block's line when it is installed, with the
	// NAME=VALUE settings above it.
	Crontab string
	// Extra is added to the scheduler's environment. Only tests set it,
	// to AWS_EC2_METADATA_DISABLED=true, so that the AWS SDK never looks
	// for credentials at the instance metadata address.
	Extra []string
	// Progress, when set, gets each line the run appends to its log, the
	// connector's progress, and each step of the proof, as they happen.
	Progress func(line string)
	Now      func() time.Time
	// StopGrace is how long a stopped run has between SIGTERM and SIGKILL;
	// 10 s when zero.
	StopGrace time.Duration
}

// Result says what a verified run delivered, or why it did not.
type Result struct {
	Profile   string `json:"profile"`
	Scheduler string `json:"scheduler"`
	// Command, EnvNames and WorkDir say how the run was started: the
	// variables are named, not shown.
	Command  []string      `json:"command"`
	EnvNames []string      `json:"env"`
	WorkDir  string        `json:"workDir"`
	Log      string        `json:"log"`
	ExitCode int           `json:"exitCode"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNs"`

	Delivered bool `json:"delivered"`
	// Dest is s3://bucket/key, or the local sync file.
	Dest      string `json:"dest,omitempty"`
	SyncID    string `json:"syncId,omitempty"`
	Resources int64  `json:"resources,omitempty"`
	Size      int64  `json:"size,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	// Checked says how the delivered bytes were compared with the local
	// file: ByStoreChecksum, ByReadBack, or LocalFile.
	Checked string    `json:"checked,omitempty"`
	At      time.Time `json:"at,omitzero"`

	Failure *Failure `json:"failure,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	// Lines are what the run appended to its log.
	Lines []string `json:"-"`
}

// LocalFile is Result.Checked for a local destination.
const LocalFile = "local file"

// Failure explains a run that did not deliver.
type Failure struct {
	// Reason is what sync.sh reported ("sync failed: …"), or what the
	// proof found.
	Reason string `json:"reason"`
	// Error is the innermost error: the connector's, or the upload's.
	Error string `json:"error,omitempty"`
	// Cause names the kind of failure (credentials, network, …) and
	// Explanation says it in a sentence, for connector failures.
	Cause       string `json:"cause,omitempty"`
	Explanation string `json:"explanation,omitempty"`
	Fix         string `json:"fix,omitempty"`
}

// Line is the one-line outcome: "Delivered: s3://bucket/key, sync ID, N
// resources, verified SHA at HH:MM", or "Not delivered: reason".
func (r Result) Line() string {
	if r.Delivered {
		return fmt.Sprintf("Delivered: %s, sync %s, %d resources, verified %s at %s",
			r.Dest, r.SyncID, r.Resources, shortSum(r.SHA256), r.At.Format("15:04"))
	}
	if r.Failure == nil {
		return "Not delivered"
	}
	return "Not delivered: " + r.Failure.Reason
}

// Details are the lines under Line for a failure: the innermost error,
// the likely cause and the fix.
func (r Result) Details() []string {
	f := r.Failure
	if r.Delivered || f == nil {
		return nil
	}
	var out []string
	if f.Error != "" && f.Error != f.Reason {
		out = append(out, "Error: "+f.Error)
	}
	if f.Explanation != "" {
		out = append(out, "Likely cause: "+f.Explanation)
	}
	if f.Fix != "" {
		out = append(out, "Fix: "+f.Fix)
	}
	return out
}

func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// ErrNotDelivered is wrapped by the error Run returns when the run or its
// proof failed; Result.Failure says why.
var ErrNotDelivered = errors.New("not delivered")

// Run runs the profile's sync.sh as its scheduler will and proves what it
// delivered. The error is nil only for a proven delivery.
func Run(ctx context.Context, opts Options) (Result, error) {
	r := &run{opts: opts, now: opts.Now}
	if r.now == nil {
		r.now = time.Now
	}
	r.start, r.wall = r.now(), time.Now()
	err := r.do(ctx)
	r.res.Started, r.res.Duration = r.start, r.now().Sub(r.start)
	if err != nil {
		if r.res.Failure == nil {
			r.res.Failure = &Failure{Reason: firstLine(err.Error()), Fix: hintOf(err.Error())}
		}
		r.res.Delivered = false
		return r.res, fmt.Errorf("verify profile %s: %w: %s", opts.Plan.Profile, ErrNotDelivered, r.res.Failure.Reason)
	}
	return r.res, nil
}

// run is one Run's state.
type run struct {
	opts  Options
	now   func() time.Time
	start time.Time
	// wall is when the run started by the clock files are stamped with,
	// whatever Options.Now says.
	wall    time.Time
	res     Result
	secrets map[string]plan.Secret
}

// since is the earliest modification time of a file this run wrote. The
// kernel stamps files from a clock that may trail time.Now by a tick.
func (r *run) since() time.Time { return r.wall.Add(-50 * time.Millisecond) }

func (r *run) progress(line string) {
	if r.opts.Progress != nil {
		r.opts.Progress(r.redact(line))
	}
}

func (r *run) redact(s string) string { return plan.Redact(s, r.secrets) }

func (r *run) fail(f Failure) error {
	f.Reason, f.Error, f.Fix = r.redact(f.Reason), r.redact(f.Error), r.redact(f.Fix)
	r.res.Failure = &f
	return errors.New(f.Reason)
}

func (r *run) do(ctx context.Context) error {
	p := r.opts.Plan.Clone()
	if r.opts.Dir != "" {
		p.Output.Dir = r.opts.Dir
	}
	dir := p.Output.Dir
	r.res.Profile, r.res.Log = p.Profile, render.LogFile(p)
	if p.Mode == plan.ModeService {
		return r.fail(Failure{Reason: "a service-mode profile has no scheduled run to prove",
			Fix: "check the service with: systemctl status " + render.ServiceUnit(p.Profile)})
	}
	script := render.SyncScript(p)
	if _, err := os.Stat(script); err != nil {
		return r.fail(Failure{Reason: "no sync.sh in " + dir,
			Fix: "generate the profile first (a Kubernetes profile runs in its cluster: check its CronJob with kubectl)"})
	}
	// sync.sh reports an unreadable secrets.env itself; here the values
	// only keep secrets out of what is shown, and give static upload keys
	// to the proof.
	raw, _ := profile.ReadEnvFile(filepath.Join(dir, "secrets.env"))
	r.secrets = map[string]plan.Secret{}
	for k, v := range raw {
		r.secrets[k] = plan.NewSecret(v)
	}

	var j job
	var err error
	switch p.Schedule.Scheduler {
	case "", render.SchedulerCron:
		j, err = cronJob(p, r.opts.Account, r.opts.Crontab)
	case render.SchedulerSystemd:
		j, err = systemdJob(p, dir, r.opts.Account)
	default:
		err = fmt.Errorf("scheduler %q: want cron or systemd", p.Schedule.Scheduler)
	}
	if err != nil {
		return r.fail(Failure{Reason: firstLine(err.Error()), Fix: "regenerate the profile with baton-setup generate"})
	}
	j.env = append(j.env, r.opts.Extra...)
	r.res.Scheduler, r.res.Command, r.res.WorkDir, r.res.Notes, r.res.Log = j.scheduler, j.argv, j.dir, j.notes, j.log
	if j.log == "" {
		r.res.Notes = append(r.res.Notes, "the entry keeps no log: cron mails its output, or drops it")
	}
	for _, kv := range j.env {
		name, _, _ := strings.Cut(kv, "=")
		r.res.EnvNames = append(r.res.EnvNames, name)
	}
	slices.Sort(r.res.EnvNames)
	r.res.EnvNames = slices.Compact(r.res.EnvNames)

	r.progress(fmt.Sprintf("running %s as %s runs it: %s, with only %s, in %s",
		script, j.scheduler, shellescape.QuoteCommand(j.argv), strings.Join(r.res.EnvNames, ", "), j.dir))
	code, err := r.execute(ctx, j, p)
	r.res.ExitCode = code
	if err != nil {
		return err
	}
	if code != 0 {
		return r.fail(r.explain(p, code))
	}
	if containsAny(r.res.Lines, "previous run still active") {
		return r.fail(Failure{Reason: "another run of this profile was still active, so this run did nothing",
			Fix: "wait until it ends, then verify again"})
	}
	return r.prove(ctx, p, j)
}

// execute starts the job in a session of its own and follows its log
// until it exits; a cancelled ctx stops the whole session.
func (r *run) execute(ctx context.Context, j job, p *plan.Plan) (int, error) {
	logF := newFollower(j.log, func(l string) {
		r.res.Lines = append(r.res.Lines, l)
		r.progress(l)
	})
	var prog synclog.Progress
	connF := newFollower(filepath.Join(p.Output.Dir, "work", "connector.log"), func(l string) {
		before := prog
		before.Types = slices.Clone(before.Types)
		prog.Apply(synclog.ParseString(l))
		for _, pl := range prog.Since(before) {
			r.progress("connector: " + pl)
		}
	})
	// connector.log is rewritten by the run; until then it is the last
	// run's.
	connF.since = r.since()

	cmd := exec.Command(j.argv[0], j.argv[1:]...)
	cmd.Env, cmd.Dir = j.env, j.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var own bytes.Buffer
	cmd.Stdout, cmd.Stderr = &own, &own
	if j.stdout != "" {
		f, err := os.OpenFile(j.stdout, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return -1, r.fail(Failure{Reason: "cannot open the unit's log: " + err.Error()})
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return -1, r.fail(Failure{Reason: fmt.Sprintf("cannot start %s: %v", j.argv[0], err)})
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	grace := r.opts.StopGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	var kill <-chan time.Time
	stop := ctx.Done()
	var waitErr error
	exited := false
	sid := cmd.Process.Pid
	// The shell may exit before what it started: a stopped run ends when
	// its whole session has, or when the grace period is over.
	for !exited || (kill != nil && len(sessionPIDs(sid)) > 0) {
		select {
		case waitErr = <-done:
			exited, done = true, nil
		case <-tick.C:
			logF.poll()
			connF.poll()
		case <-stop:
			stop = nil
			signalSession(sid, syscall.SIGTERM)
			kill = time.After(grace)
		case <-kill:
			signalSession(sid, syscall.SIGKILL)
			kill = nil
		}
	}
	// Whatever the job left running in its session goes with it.
	for i := 0; i < 50 && len(sessionPIDs(sid)) > 0; i++ {
		signalSession(sid, syscall.SIGKILL)
		time.Sleep(20 * time.Millisecond)
	}
	logF.close()
	connF.close()
	for _, l := range strings.Split(strings.TrimRight(own.String(), "\n"), "\n") {
		if l != "" {
			r.res.Lines = append(r.res.Lines, l)
			r.progress(l)
		}
	}
	if ctx.Err() != nil {
		return -1, r.fail(Failure{Reason: "stopped before the run finished", Fix: "run verify again and let it finish"})
	}
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(waitErr, &exit):
		code = exit.ExitCode()
	case waitErr != nil:
		return -1, r.fail(Failure{Reason: "run " + j.argv[0] + ": " + waitErr.Error()})
	}
	return code, nil
}

// prove checks what a run that exited 0 left: a new, finished sync.c1z,
// and for S3 the same bytes in the bucket.
func (r *run) prove(ctx context.Context, p *plan.Plan, j job) error {
	out := filepath.Join(p.Output.Dir, "sync.c1z")
	st, err := os.Stat(out)
	if err != nil || st.ModTime().Before(r.since()) {
		return r.fail(Failure{Reason: "sync.sh exited 0 but this run left no new " + out,
			Fix: "read what it printed, above"})
	}
	r.progress("checking " + out)
	tmp, err := os.MkdirTemp("", "baton-verify-")
	if err != nil {
		return r.fail(Failure{Reason: "cannot make a temporary directory: " + err.Error()})
	}
	defer os.RemoveAll(tmp)
	sum, err := c1z.Summarize(ctx, out, tmp)
	if err != nil {
		return r.fail(Failure{Reason: out + " holds no finished sync", Error: err.Error(),
			Fix: "read " + filepath.Join(p.Output.Dir, "work", "connector.log") + " for what the connector did"})
	}
	size, digest, err := hashFile(out)
	if err != nil {
		return r.fail(Failure{Reason: err.Error()})
	}
	r.res.SyncID, r.res.Resources, r.res.Size = sum.SyncID, sum.Resources, size
	r.res.SHA256 = fmt.Sprintf("%x", digest)
	if p.Destination.Kind != plan.DestS3 {
		r.res.Dest, r.res.Checked = out, LocalFile
	} else {
		d := p.Destination
		r.res.Dest = d.String()
		r.progress("reading " + d.String() + " back as the schedule's upload sees it")
		proof, err := r.proveObject(ctx, p, j, out)
		if err != nil {
			return err
		}
		if proof.SHA256 != r.res.SHA256 || proof.Size != size {
			return r.fail(Failure{Reason: fmt.Sprintf("%s holds %d bytes with SHA-256 %s, the local sync file %d bytes with %s",
				d.String(), proof.Size, shortSum(proof.SHA256), size, shortSum(r.res.SHA256)),
				Fix: "another upload may have replaced it since; verify again"})
		}
		r.res.Checked = proof.Method
	}
	r.res.At, r.res.Delivered = r.now(), true
	return nil
}

// proveObject runs `baton-setup verify object` (the baton-setup sync.sh
// calls) in the job's environment, with the upload's flags and static
// keys, so that it reaches the store with the schedule's credentials and
// endpoint, never the caller's.
func (r *run) proveObject(ctx context.Context, p *plan.Plan, j job, file string) (ObjectProof, error) {
	self, err := profile.ScriptSetup(render.SyncScript(p))
	if err != nil {
		return ObjectProof{}, r.fail(Failure{Reason: firstLine(err.Error()), Fix: "regenerate the profile with baton-setup generate"})
	}
	d := p.Destination
	args := []string{"verify", "object", "--file", file, "--dest", d.String()}
	for _, f := range []struct{ flag, value string }{
		{"--region", d.Region}, {"--endpoint", d.Endpoint}, {"--aws-credentials", d.Credentials},
		{"--aws-profile", d.AWSProfile}, {"--role-arn", d.RoleARN}, {"--external-id", d.ExternalID},
	} {
		if f.value != "" {
			args = append(args, f.flag, f.value)
		}
	}
	env := slices.Clone(j.env)
	if d.Credentials == plan.CredStatic {
		env = append(env, "AWS_ACCESS_KEY_ID="+r.secrets[upload.StaticKeyIDVar].Reveal(),
			"AWS_SECRET_ACCESS_KEY="+r.secrets[upload.StaticSecretVar].Reveal())
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env, cmd.Dir = env, j.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return ObjectProof{}, r.fail(Failure{
			Reason: "cannot read " + d.String() + " back with the schedule's credentials",
			Error:  strings.TrimPrefix(firstLine(msg), "error: "),
			Fix:    hintOf(msg),
		})
	}
	var proof ObjectProof
	if err := json.Unmarshal(stdout.Bytes(), &proof); err != nil {
		return ObjectProof{}, r.fail(Failure{Reason: "read the object check's answer: " + err.Error()})
	}
	return proof, nil
}

// explain turns a failed run into its reason, innermost cause and fix: the
// last "sync failed:" line, and for a connector that failed in this run
// the diagnosis of its log, as the test sync gives it.
func (r *run) explain(p *plan.Plan, code int) Failure {
	f := Failure{Reason: fmt.Sprintf("sync.sh exited with status %d", code)}
	for i := len(r.res.Lines) - 1; i >= 0; i-- {
		if _, after, ok := strings.Cut(r.res.Lines[i], "sync failed: "); ok {
			f.Reason = after
			break
		}
	}
	if e, hint := lastError(r.res.Lines); e != "" {
		f.Error, f.Fix = e, hint
	}
	connLog := filepath.Join(p.Output.Dir, "work", "connector.log")
	out := filepath.Join(p.Output.Dir, "sync.c1z")
	since := r.since()
	ranConnector := modifiedSince(connLog, since) && !modifiedSince(out, since)
	if !ranConnector {
		if f.Fix == "" && r.res.Log != "" {
			f.Fix = "read " + r.res.Log + " for the lines before it"
		}
		return f
	}
	tail := tailLines(connLog, 200)
	exit := 1
	if m := exitStatus().FindStringSubmatch(f.Reason); m != nil {
		fmt.Sscan(m[1], &exit)
	}
	failure, d := synclog.Refine(synclog.ExtractFailure(tail), tail, exit, strings.Contains(f.Reason, "longer than"))
	if failure.Message != "" {
		f.Error = failure.Message
	}
	f.Cause, f.Explanation, f.Fix = string(d.Cause), d.Summary, d.Hint
	if f.Fix == "" {
		f.Fix = "read " + connLog
	}
	return f
}
