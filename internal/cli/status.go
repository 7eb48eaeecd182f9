package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/runlog"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/upload"
)

// staleAfter is when a delivered object counts as old: ConductorOne reads
// hourly and only alerts after three failed reads.
const staleAfter = 2 * time.Hour

// StatusOptions are the inputs of `baton-setup status`.
type StatusOptions struct {
	Factory *Factory

	// Offline skips the S3 HeadObject calls.
	Offline bool
	JSON    bool
	// Wide shows every cell whole instead of fitting 100 columns.
	Wide bool
	// Dir is one profile's directory, instead of every profile.
	Dir string
}

func newStatusCmd(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each profile's last run, last upload and next run",
		Long: `One line per profile: the last run and its result (from sync.log), the last
upload (from last-upload.json), the age of the object in S3 (HeadObject; not
with --offline) and the next scheduled run. Profiles whose object is more than
two hours old are flagged: ConductorOne reads hourly and alerts only after
three failures. Service-mode profiles have no schedule or object: the
connector reports to ConductorOne itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "do not ask S3 for each object's age")
	// --remote was needed before HeadObject became the default.
	cmd.Flags().Bool("remote", true, "ask S3 for each object's age (the default)")
	_ = cmd.Flags().MarkHidden("remote")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	cmd.Flags().BoolVar(&opts.Wide, "wide", false, "show every cell whole (the table fits 100 columns without it)")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "only the profile in this directory")
	return cmd
}

// ProfileStatus is one line of `status`.
type ProfileStatus struct {
	Profile    string    `json:"profile"`
	LastRun    time.Time `json:"lastRun,omitzero"`
	LastResult string    `json:"lastResult,omitempty"`
	// Warnings are what the last run warned of.
	Warnings []string `json:"warnings,omitempty"`
	// Scheduled names what runs the profile (crontab, systemd timer,
	// launchd agent); empty when nothing does.
	Scheduled string `json:"scheduled,omitempty"`
	// LastLine is sync.log's last line, as the run left it.
	LastLine   string    `json:"lastLine,omitempty"`
	LastUpload time.Time `json:"lastUpload,omitzero"`
	Object     string    `json:"object,omitempty"`
	// ObjectModified is the object's LastModified from S3 (HeadObject).
	ObjectModified time.Time `json:"objectModified,omitzero"`
	// AgeSeconds is how old the delivered sync is: the object's age, or
	// the last upload's when S3 was not asked.
	AgeSeconds int64 `json:"ageSeconds,omitempty"`
	// NextRun is set only when something runs the profile.
	NextRun time.Time `json:"nextRun,omitzero"`
	Stale   bool      `json:"stale"`
	Problem string    `json:"problem,omitempty"`
	// Mode is "sync" or "service"; a service has no schedule or object.
	Mode string `json:"mode"`
}

// lastLine returns the file's last non-empty line.
func lastLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return lines[len(lines)-1]
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	root, err := f.ConfigDir()
	if err != nil {
		return fmt.Errorf("find config directory: %w", err)
	}
	list, err := profile.List(root)
	if err != nil {
		return err
	}
	if opts.Dir != "" {
		dir, err := filepath.Abs(opts.Dir)
		if err != nil {
			return &FlagError{err: fmt.Errorf("--dir %s: %w", opts.Dir, err)}
		}
		p, err := plan.Load(filepath.Join(dir, "plan.json"))
		if err != nil {
			return profileError(err)
		}
		list = []profile.Info{{Name: p.Profile, Dir: dir, Connector: p.Connector.Name, Destination: p.Destination.String(), Schedule: p.Schedule.Cron}}
	}
	now := f.Now()
	table := ""
	if f.Crontab != nil {
		// No crontab means nothing in it.
		table, _ = f.Crontab.Read(ctx)
	}
	out := []ProfileStatus{}
	for _, info := range list {
		out = append(out, profileStatus(ctx, f, opts, info, now, table))
	}
	if opts.JSON {
		return json.NewEncoder(f.IO.Out).Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no profiles in %s; run baton-setup to create one\n", root)
		return nil
	}
	printStatus(f.IO.Out, out, now, opts.Wide)
	stale := 0
	for _, st := range out {
		if st.Stale {
			stale++
		}
	}
	if stale > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d profile(s) have not delivered a sync in the last two hours; see their sync.log, or run baton-setup doctor --profile NAME\n", stale)
	}
	return nil
}

// printStatus draws the table: within 100 columns unless wide, where a
// long result or problem is cut with an ellipsis (--json and --wide keep
// it whole).
func printStatus(w io.Writer, out []ProfileStatus, now time.Time, wide bool) {
	cut := func(s string, n int) string {
		if wide || len([]rune(s)) <= n {
			return s
		}
		return string([]rune(s)[:n-1]) + "…"
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tLAST RUN\tRESULT\tUPLOADED\tOBJECT\tNEXT RUN\t")
	for _, s := range out {
		up, age := "-", "-"
		if !s.LastUpload.IsZero() {
			up = ago(now, s.LastUpload)
		}
		if !s.ObjectModified.IsZero() {
			age = ago(now, s.ObjectModified)
		}
		next := "not scheduled"
		switch {
		case s.Mode == plan.ModeService:
			next, age = "service", "-"
		case s.Scheduled != "" && !s.NextRun.IsZero():
			next = "in " + until(now, s.NextRun)
		}
		result := s.LastResult
		if len(s.Warnings) > 0 && strings.HasPrefix(result, "ok") {
			result = "⚠ " + result
		}
		var flags []string
		if s.Stale {
			flags = append(flags, "! older than 2h")
		}
		if s.Problem != "" {
			flags = append(flags, "! "+s.Problem)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cut(s.Profile, 16), ago(now, s.LastRun), cut(result, 30), up, age, next, cut(strings.Join(flags, "; "), 24))
	}
	_ = tw.Flush()
}

func profileStatus(ctx context.Context, f *Factory, opts *StatusOptions, info profile.Info, now time.Time, table string) ProfileStatus {
	st := ProfileStatus{Profile: info.Name, Object: info.Destination, Mode: "sync"}
	p, err := plan.Load(filepath.Join(info.Dir, "plan.json"))
	if err != nil {
		st.Problem = err.Error()
		return st
	}
	if p.Mode == plan.ModeService {
		st.Mode, st.Object = plan.ModeService, ""
		return st
	}
	logFile := filepath.Join(info.Dir, "sync.log")
	run, err := runlog.Last(logFile)
	st.LastRun, st.LastResult, st.Warnings = run.Started, run.Text(), run.Warnings
	if errors.Is(err, fs.ErrNotExist) || (err == nil && run.Started.IsZero()) {
		st.LastResult = "never ran"
	}
	st.LastLine = lastLine(logFile)
	// A run is promised only when something will start it.
	st.Scheduled = scheduledBy(ctx, p, table)
	if next, err := schedule.Next(p.Schedule.Cron, now, 1); err == nil && len(next) == 1 && st.Scheduled != "" {
		st.NextRun = next[0]
	}
	if p.Destination.Kind != plan.DestS3 {
		return st
	}
	if s, err := upload.ReadState(filepath.Join(info.Dir, "last-upload.json")); err == nil {
		st.LastUpload = s.LastSuccess
	}
	delivered := st.LastUpload
	if !opts.Offline {
		// secrets.env may hold the AWS keys sync.sh uploads with.
		secrets, _ := profile.ReadEnvFile(filepath.Join(info.Dir, "secrets.env"))
		if t, err := objectModified(ctx, f, p.Destination, secrets); err != nil {
			st.Problem = err.Error()
		} else {
			st.ObjectModified, delivered = t, t
		}
	}
	if !delivered.IsZero() {
		st.AgeSeconds = int64(now.Sub(delivered) / time.Second)
	}
	// A profile that never delivered is not late: it says so elsewhere.
	st.Stale = !delivered.IsZero() && now.Sub(delivered) > staleAfter
	return st
}

// scheduledBy names what will start p's sync.sh: its block in the crontab
// table, an enabled systemd timer or a loaded launchd agent; "" for
// nothing.
func scheduledBy(ctx context.Context, p *plan.Plan, table string) string {
	switch p.Schedule.Scheduler {
	case setup.SchedulerSystemd:
		args := []string{"is-enabled", render.TimerUnit(p.Profile)}
		if !p.Schedule.System {
			args = append([]string{"--user"}, args...)
		}
		if out, err := exec.CommandContext(ctx, "systemctl", args...).Output(); err == nil && strings.TrimSpace(string(out)) == "enabled" {
			return "systemd timer"
		}
	case setup.SchedulerLaunchd:
		label := fmt.Sprintf("gui/%d/%s", os.Getuid(), render.LaunchdLabel(p.Profile))
		if exec.CommandContext(ctx, "launchctl", "print", label).Run() == nil {
			return "launchd agent"
		}
	default:
		if schedule.Count(table, p.Profile) > 0 {
			return "crontab"
		}
	}
	return ""
}

// objectModified asks S3 when the object ConductorOne reads was written.
func objectModified(ctx context.Context, f *Factory, d plan.Destination, secrets map[string]string) (time.Time, error) {
	sf := *f
	sf.Getenv = func(name string) string {
		if v, ok := secrets[name]; ok && (strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "BATON_SETUP_AWS_")) {
			return v
		}
		return f.Getenv(name)
	}
	co := clientOptions(&sf, d)
	co.MaxAttempts = 2
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	client, err := f.NewS3(ctx, co)
	if err != nil {
		return time.Time{}, err
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(d.Key)})
	if err != nil {
		if cause, _ := upload.Classify(err); cause == upload.CauseUnknown {
			var api interface{ ErrorCode() string }
			if errors.As(err, &api) && api.ErrorCode() == "NotFound" {
				return time.Time{}, fmt.Errorf("s3://%s/%s does not exist yet", d.Bucket, d.Key)
			}
		}
		return time.Time{}, fmt.Errorf("check s3://%s/%s: %w", d.Bucket, d.Key, upload.Explain(err))
	}
	return aws.ToTime(head.LastModified), nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Minute)
	if d < time.Minute {
		return "just now"
	}
	return short(d) + " ago"
}

func until(now, t time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	if d < time.Minute {
		return "under a minute"
	}
	return short(d)
}

// short writes a duration as 45m, 3h05m or 2d4h.
func short(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
