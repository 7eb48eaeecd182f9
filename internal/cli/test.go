package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// TestOptions are the inputs of `baton-setup test`.
type TestOptions struct {
	Factory *Factory

	Connector connectorFlags
	// Profile tests a saved setup with the values of its secrets file.
	Profile string
	JSON    bool
	Quick   bool
	Timeout time.Duration
	// DockerImage runs the connector from this image (docker mode).
	DockerImage string
}

func newTestCmd(f *Factory, runF func(context.Context, *TestOptions) error) *cobra.Command {
	opts := &TestOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "test --connector NAME [--set field=value]... | --profile NAME",
		Short: "Run one test sync and report what it found",
		Long: `Run the connector once into a temporary file, show its progress, and read the
result back. Exits 0 only when the connector exits 0, logs "Sync complete." and
the file holds a finished sync; 3 when such a sync looks wrong: it found
nothing, found no users although the connector has a user type, or the
connector logged errors.

Secret values come from the connector's own BATON_* variables or --secret-file,
never from --set. --profile tests a saved setup as it is, with the values of
its secrets file; --set and the variables override them.`,
		Example: `  BATON_API_KEY=... baton-setup test --connector demo --set tenant=acme
  baton-setup test --profile demo
  baton-setup test --connector okta --set domain=example.okta.com --json
  BATON_API_TOKEN=... baton-setup test --connector okta --set domain=example.okta.com \
    --docker-image public.ecr.aws/conductorone/baton-okta:latest`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTimeout(opts.Timeout); err != nil {
				return err
			}
			if opts.Profile != "" {
				if opts.Connector.PlanFile != "" {
					return flagErrorf("--profile and --plan exclude each other: a profile has its own plan")
				}
				if err := plan.ValidateProfile(opts.Profile); err != nil {
					return &FlagError{err: err}
				}
			}
			if opts.DockerImage != "" {
				if err := container.CheckImage(opts.DockerImage); err != nil {
					return flagErrorf("--docker-image: %w", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return testRun(cmd.Context(), opts)
		},
	}
	opts.Connector.register(cmd.Flags())
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "test a saved profile with its secrets file")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON event per line on stdout")
	cmd.Flags().BoolVar(&opts.Quick, "quick", false, "sync resources only, to check credentials quickly")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "stop the connector after this long")
	cmd.Flags().StringVar(&opts.DockerImage, "docker-image", "", "docker mode: run this connector image instead of the binary; values go in a temporary env file, never on docker's command line")
	return cmd
}

// Event is one line of `test --json` output.
type Event struct {
	Type         string    `json:"type"`
	Time         time.Time `json:"time"`
	Phase        string    `json:"phase,omitempty"`
	ResourceType string    `json:"resourceType,omitempty"`
	Count        int64     `json:"count,omitempty"`
	Synced       int64     `json:"synced,omitempty"`
	Total        int64     `json:"total,omitempty"`
	Message      string    `json:"message,omitempty"`
	Cause        string    `json:"cause,omitempty"`
	Hint         string    `json:"hint,omitempty"`
	ExitCode     *int      `json:"exitCode,omitempty"`
	// Kind and Details belong to the warnings that make a finished sync
	// doubtful (testsync.Warning).
	Kind     string         `json:"kind,omitempty"`
	Details  []string       `json:"details,omitempty"`
	Summary  *c1z.Summary   `json:"summary,omitempty"`
	Warnings int            `json:"warnings,omitempty"`
	Outcome  string         `json:"outcome,omitempty"`
	Elapsed  *time.Duration `json:"elapsedNs,omitempty"`
}

// Outcomes of a finished test sync, in the summary event.
const (
	outcomeOK      = "ok"
	outcomeWarning = "warning"
)

// watchedWriter remembers the first write error, such as EPIPE once the
// reader of a pipe is gone (test | head), and reports it once.
type watchedWriter struct {
	w       io.Writer
	err     error
	onError func()
}

func (ww *watchedWriter) Write(p []byte) (int, error) {
	if ww.err != nil {
		return 0, ww.err
	}
	n, err := ww.w.Write(p)
	if err != nil {
		ww.err = err
		if ww.onError != nil {
			ww.onError()
		}
	}
	return n, err
}

func testRun(ctx context.Context, opts *TestOptions) error {
	f := opts.Factory
	opts.Connector.DockerImage = opts.DockerImage
	if opts.Profile != "" {
		root, err := f.ConfigDir()
		if err != nil {
			return fmt.Errorf("find config directory: %w", err)
		}
		if _, err := profile.LoadPlan(root, opts.Profile); err != nil {
			return profileError(err)
		}
		opts.Connector.Profile = opts.Profile
	}
	g, err := gatherPlan(ctx, f, opts.Connector)
	if err != nil {
		return err
	}
	p := g.Plan
	if err := setup.RequireValues(p); err != nil {
		return err
	}
	if opts.DockerImage != "" {
		// The image holds the connector; the local binary only gave the schema.
		p.Connector.Image, p.Connector.Args = opts.DockerImage, nil
	}
	if opts.Quick {
		if err := testsync.CheckQuick(p.Connector); err != nil {
			return &FlagError{err: fmt.Errorf("%w\nhint: run the full test, without --quick; it works with every connector", err)}
		}
	}
	if p.Connector.Image != "" {
		if err := container.CheckEnv(p.ConnectorEnv()); err != nil {
			return plan.AsSetting(plan.SettingValue, err)
		}
		if p.Connector.Docker == "" {
			p.Connector.Docker, _ = f.Discover.LookPath("docker")
		}
		if err := container.Preflight(ctx, p.Connector.Docker, p.Connector.Image); err != nil {
			return err
		}
	}
	// Once nobody reads the output (test | head), stop the connector and
	// clean up instead of syncing on.
	out, errOut := &watchedWriter{w: f.IO.Out}, &watchedWriter{w: f.IO.ErrOut}
	broken := func() bool { return out.err != nil || errOut.err != nil }
	emit := func(e Event) {
		e.Time = f.Now().UTC()
		if opts.JSON {
			b, _ := json.Marshal(e)
			fmt.Fprintln(out, string(b))
			return
		}
		printEvent(errOut, e)
	}
	if !opts.JSON {
		where := p.Connector.Path
		if p.Connector.Image != "" {
			where = "image " + p.Connector.Image
		}
		fmt.Fprintf(errOut, "testing %s connector (%s)\n", p.Connector.Name, where)
	}
	if broken() {
		return &silentError{code: exitError}
	}
	run, err := testsync.Start(ctx, p, testsync.Options{Timeout: opts.Timeout, Quick: opts.Quick, BaseEnv: f.Environ()})
	if err != nil {
		return err
	}
	defer run.Cleanup()
	out.onError, errOut.onError = run.Cancel, run.Cancel
	for ev := range run.Events() {
		switch ev.Kind {
		case synclog.KindPhase:
			emit(Event{Type: "phase", Phase: ev.Phase.String()})
		case synclog.KindProgress:
			emit(Event{Type: "progress", Phase: ev.Phase.String(), ResourceType: ev.ResourceType, Count: ev.Count, Synced: ev.Synced, Total: ev.Total})
		case synclog.KindWarning:
			emit(Event{Type: "warning", Message: ev.Msg})
		case synclog.KindDone:
			emit(Event{Type: "phase", Phase: synclog.PhaseDone.String()})
		}
	}
	o := testsync.Finish(ctx, run)
	elapsed := o.Result.Duration
	if broken() {
		// The deferred Cleanup removes the connector's temporary files.
		return &silentError{code: exitError}
	}
	if o.Result.Canceled {
		return errCancelled
	}
	if !o.OK() {
		code := o.Result.ExitCode
		msg := o.Result.Failure.Message
		if msg == "" {
			msg = o.Err.Error()
		}
		emit(Event{Type: "error", Message: msg, Cause: string(o.Diagnosis.Cause), Hint: o.Diagnosis.Hint, ExitCode: &code, Elapsed: &elapsed})
		if !opts.JSON {
			if o.Result.TimedOut {
				fmt.Fprintf(errOut, "test sync failed: %s\n", msg)
			} else {
				fmt.Fprintf(errOut, "test sync failed: %s (connector exit code %d)\n", msg, code)
			}
			if o.Diagnosis.Summary != "" {
				fmt.Fprintf(errOut, "cause: %s\n", o.Diagnosis.Summary)
			}
			if o.Diagnosis.Hint != "" {
				fmt.Fprintf(errOut, "hint: %s\n", o.Diagnosis.Hint)
			}
		}
		return &silentError{code: exitError}
	}
	outcome := outcomeOK
	if o.Warned() {
		outcome = outcomeWarning
	}
	for _, w := range o.Warnings {
		emit(Event{Type: "warning", Kind: w.Kind, Message: w.Message, Hint: w.Hint, Details: w.Details})
	}
	emit(Event{Type: "summary", Summary: o.Summary, Warnings: o.Result.Warnings, Outcome: outcome, Elapsed: &elapsed})
	if !opts.JSON {
		printSummary(out, o.Summary, elapsed)
		printWarnings(errOut, o.Warnings)
	}
	if o.Warned() {
		return &silentError{code: exitWarning}
	}
	return nil
}

// printWarnings ends a doubtful sync's report: each warning with its hint
// and the errors the connector logged.
func printWarnings(w io.Writer, ws []testsync.Warning) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintln(w, "⚠ the test sync finished with warnings:")
	for _, wn := range ws {
		fmt.Fprintf(w, "  ⚠ %s\n", wn.Message)
		for _, d := range wn.Details {
			fmt.Fprintf(w, "      %s\n", d)
		}
		if wn.Hint != "" {
			fmt.Fprintf(w, "    hint: %s\n", wn.Hint)
		}
	}
}

func printEvent(w io.Writer, e Event) {
	switch e.Type {
	case "phase":
		fmt.Fprintf(w, "phase: %s\n", e.Phase)
	case "progress":
		switch {
		case e.ResourceType != "" && e.Total > 0:
			fmt.Fprintf(w, "  %s %s: %d/%d\n", e.Phase, e.ResourceType, max(e.Synced, e.Count), e.Total)
		case e.ResourceType != "":
			fmt.Fprintf(w, "  %s %s: %d\n", e.Phase, e.ResourceType, e.Count)
		case e.Count > 0:
			fmt.Fprintf(w, "  %s: %d\n", e.Phase, e.Count)
		}
	case "warning":
		// A doubtful sync's own warnings are printed with the summary.
		if e.Kind == "" {
			fmt.Fprintf(w, "warning: %s\n", e.Message)
		}
	}
}

func printSummary(w io.Writer, s *c1z.Summary, elapsed time.Duration) {
	fmt.Fprintf(w, "sync finished in %s: %d resource types, %d resources, %d entitlements, %d grants\n",
		elapsed.Round(10*time.Millisecond), s.ResourceTypes, s.Resources, s.Entitlements, s.Grants)
	for _, t := range s.ByType {
		fmt.Fprintf(w, "  %-20s %8d resources %8d entitlements %8d grants\n", t.ResourceType, t.Resources, t.Entitlements, t.Grants)
	}
	fmt.Fprintf(w, "sync id %s, file format %s (%s), %d bytes\n", s.SyncID, s.Format, s.Engine, s.Size)
}
