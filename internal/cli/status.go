package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	Remote bool
	JSON   bool
}

func newStatusCmd(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each profile's last run, last upload and next run",
		Long: `One line per profile: the last run and its result (from sync.log), the last
upload and its age (from last-upload.json, or from S3 itself with --remote),
and the next scheduled run. Profiles whose object is more than two hours old
are flagged: ConductorOne reads hourly and alerts only after three failures.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Remote, "remote", false, "ask S3 for each object's age (HeadObject)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

// ProfileStatus is one line of `status`.
type ProfileStatus struct {
	Profile    string    `json:"profile"`
	LastRun    time.Time `json:"lastRun,omitempty"`
	LastResult string    `json:"lastResult,omitempty"`
	LastUpload time.Time `json:"lastUpload,omitempty"`
	Object     string    `json:"object,omitempty"`
	NextRun    time.Time `json:"nextRun,omitempty"`
	Stale      bool      `json:"stale"`
	Problem    string    `json:"problem,omitempty"`
}

// lastRun reads the newest run's start time and outcome from sync.log.
func lastRun(path string) (time.Time, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, "", err
	}
	defer f.Close()
	var started time.Time
	result := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ts, rest, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		_, msg, ok := strings.Cut(rest, ": ")
		if !ok {
			continue
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
	}
	return started, result, sc.Err()
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
		st := ProfileStatus{Profile: info.Name, Object: info.Destination}
		p, err := profile.LoadPlan(root, info.Name)
		if err != nil {
			st.Problem = err.Error()
			out = append(out, st)
			continue
		}
		st.LastRun, st.LastResult, err = lastRun(filepath.Join(info.Dir, "sync.log"))
		if errors.Is(err, fs.ErrNotExist) {
			st.LastResult = "never ran"
		}
		if next, err := schedule.Next(p.Schedule.Cron, now, 1); err == nil && len(next) == 1 {
			st.NextRun = next[0]
		}
		if p.Destination.Kind == plan.DestS3 {
			if s, err := upload.ReadState(filepath.Join(info.Dir, "last-upload.json")); err == nil {
				st.LastUpload = s.LastSuccess
			}
			if opts.Remote {
				if t, err := remoteAge(ctx, f, p.Destination); err != nil {
					st.Problem = err.Error()
				} else {
					st.LastUpload = t
				}
			}
			st.Stale = st.LastUpload.IsZero() || now.Sub(st.LastUpload) > staleAfter
		}
		out = append(out, st)
	}
	if opts.JSON {
		return json.NewEncoder(f.IO.Out).Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no profiles in %s; run baton-setup to create one\n", root)
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tLAST RUN\tRESULT\tLAST UPLOAD\tNEXT RUN\t")
	stale := 0
	for _, s := range out {
		up := "-"
		if !s.LastUpload.IsZero() {
			up = ago(now, s.LastUpload)
		}
		flag := ""
		if s.Stale {
			stale++
			flag = "! older than 2h"
		}
		if s.Problem != "" {
			flag = "! " + s.Problem
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Profile, when(s.LastRun), s.LastResult, up, when(s.NextRun), flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if stale > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d profile(s) have not delivered a sync in the last two hours; see their sync.log, or run baton-setup doctor --profile NAME\n", stale)
	}
	return nil
}

func remoteAge(ctx context.Context, f *Factory, d plan.Destination) (time.Time, error) {
	client, err := upload.NewClient(ctx, upload.ClientOptions{Region: d.Region, Endpoint: d.Endpoint, Getenv: f.Getenv})
	if err != nil {
		return time.Time{}, err
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(d.Key)})
	if err != nil {
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
