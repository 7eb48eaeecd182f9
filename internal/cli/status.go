package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schedule"
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
	return cmd
}

// ProfileStatus is one line of `status`.
type ProfileStatus struct {
	Profile    string    `json:"profile"`
	LastRun    time.Time `json:"lastRun,omitzero"`
	LastResult string    `json:"lastResult,omitempty"`
	// LastLine is sync.log's last line, as the run left it.
	LastLine   string    `json:"lastLine,omitempty"`
	LastUpload time.Time `json:"lastUpload,omitzero"`
	Object     string    `json:"object,omitempty"`
	// ObjectModified is the object's LastModified from S3 (HeadObject).
	ObjectModified time.Time `json:"objectModified,omitzero"`
	// AgeSeconds is how old the delivered sync is: the object's age, or
	// the last upload's when S3 was not asked.
	AgeSeconds int64     `json:"ageSeconds,omitempty"`
	NextRun    time.Time `json:"nextRun,omitzero"`
	Stale      bool      `json:"stale"`
	Problem    string    `json:"problem,omitempty"`
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

// lastRun reads the newest run's start time and outcome from sync.log.
// Connector output in the log can hold lines of any length; only the start
// of each line is looked at.
func lastRun(path string) (time.Time, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, "", err
	}
	defer f.Close()
	var started time.Time
	result := ""
	err = eachLine(f, 4096, func(line string) {
		ts, rest, ok := strings.Cut(line, " ")
		if !ok {
			return
		}
		_, msg, ok := strings.Cut(rest, ": ")
		if !ok {
			return
		}
		switch {
		case msg == "sync started":
			if t, err := time.Parse(time.RFC3339, ts); err == nil {
				started, result = t, "running or interrupted"
			}
		case strings.HasPrefix(msg, "sync failed: "):
			result = "failed: " + strings.TrimPrefix(msg, "sync failed: ")
		case strings.HasPrefix(msg, "uploaded to "), strings.HasPrefix(msg, "upload ") && strings.Contains(msg, "by hand"):
			result = "ok"
		case strings.HasPrefix(msg, "previous run still active"):
			result = "skipped: previous run still active"
		}
	})
	return started, result, err
}

// eachLine calls fn with every line of r, without its line ending and cut
// to at most max bytes, however long the line is.
func eachLine(r io.Reader, max int, fn func(string)) error {
	br := bufio.NewReader(r)
	var line []byte
	open := false // part of a line has been read
	for {
		chunk, err := br.ReadSlice('\n')
		if room := max - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			open = true
			continue
		}
		if err == nil || len(chunk) > 0 || open {
			fn(strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"))
			line, open = line[:0], false
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
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
	now := f.Now()
	out := []ProfileStatus{}
	for _, info := range list {
		out = append(out, profileStatus(ctx, f, opts, info, now))
	}
	if opts.JSON {
		return json.NewEncoder(f.IO.Out).Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no profiles in %s; run baton-setup to create one\n", root)
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tLAST RUN\tRESULT\tLAST UPLOAD\tOBJECT AGE\tNEXT RUN\t")
	stale := 0
	for _, s := range out {
		up, age := "-", "-"
		if !s.LastUpload.IsZero() {
			up = ago(now, s.LastUpload)
		}
		if !s.ObjectModified.IsZero() {
			age = ago(now, s.ObjectModified)
		}
		next := when(s.NextRun)
		if s.Mode == plan.ModeService {
			next, age = "service (always on)", "-"
		}
		var flags []string
		if s.Stale {
			stale++
			flags = append(flags, "! older than 2h")
		}
		if s.Problem != "" {
			flags = append(flags, "! "+s.Problem)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Profile, when(s.LastRun), s.LastResult, up, age, next, strings.Join(flags, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if stale > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d profile(s) have not delivered a sync in the last two hours; see their sync.log, or run baton-setup doctor --profile NAME\n", stale)
	}
	return nil
}

func profileStatus(ctx context.Context, f *Factory, opts *StatusOptions, info profile.Info, now time.Time) ProfileStatus {
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
	st.LastRun, st.LastResult, err = lastRun(logFile)
	if errors.Is(err, fs.ErrNotExist) {
		st.LastResult = "never ran"
	}
	st.LastLine = lastLine(logFile)
	if next, err := schedule.Next(p.Schedule.Cron, now, 1); err == nil && len(next) == 1 {
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
	st.Stale = delivered.IsZero() || now.Sub(delivered) > staleAfter
	return st
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
	d := now.Sub(t).Round(time.Minute)
	if d < time.Minute {
		return "just now"
	}
	return d.String() + " ago"
}
