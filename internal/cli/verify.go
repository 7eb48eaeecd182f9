package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/doctor"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/verify"
)

// VerifyOptions are the inputs of `baton-setup verify`.
type VerifyOptions struct {
	Factory *Factory

	Profile string
	Dir     string
	JSON    bool
}

func newVerifyCmd(f *Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify --profile NAME | --dir DIR",
		Short: "Run a profile's sync.sh as its schedule will, and prove the delivery",
		Long: `Run the profile's sync.sh exactly as its scheduler will: for cron, /bin/sh -c
with the crontab line, and only HOME and LOGNAME (from the passwd entry),
SHELL=/bin/sh, PATH=/usr/bin:/bin and the settings your crontab makes above
the entry, in HOME; for a systemd timer, the service's command, environment
and working directory. Nothing of this shell's environment reaches the run.

Then prove what arrived: for an S3 destination, the object is compared with
the local sync file (size and SHA-256, from the store's checksum or read
back), using the schedule's own credentials and endpoint; for a local
destination, the file must hold a finished sync. A failed run is explained:
the line sync.sh failed with, the innermost error, and a fix.

The run appends to sync.log as a scheduled run does. Progress goes to
stderr; the outcome to stdout. Exit 0 when delivered, 1 when not.`,
		Example: `  baton-setup verify --profile demo
  baton-setup verify --dir /srv/baton/okta --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkProfileFlags(opts.Profile, opts.Dir); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile name")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "profile directory (for one written with generate --out)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the outcome as JSON")
	cmd.AddCommand(newVerifyObjectCmd(f, nil))
	return cmd
}

func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	f := opts.Factory
	p, dir, err := loadProfile(f, opts.Profile, opts.Dir)
	if err == nil {
		err = checkPlanDir(p, dir)
	}
	if err != nil {
		return err
	}
	res, err := proveProfile(ctx, f, p, dir, progressTo(f.IO.ErrOut))
	return reportVerify(f, res, err, opts.JSON)
}

// loadProfile reads the plan of the profile named, wherever it was
// written, or of the one in dir, and returns it with its directory.
func loadProfile(f *Factory, name, dir string) (*plan.Plan, string, error) {
	if dir == "" {
		root, err := f.ConfigDir()
		if err != nil {
			return nil, "", fmt.Errorf("find config directory: %w", err)
		}
		p, err := profile.LoadPlan(root, name)
		if err != nil {
			return nil, "", profileError(err)
		}
		dir = profile.Locate(root, name)
		if p.Profile != name {
			return nil, "", fmt.Errorf("load profile %s: %s is for profile %q", name, filepath.Join(dir, "plan.json"), p.Profile)
		}
		return p, dir, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", &FlagError{err: fmt.Errorf("--dir %s: %w", dir, err)}
	}
	p, err := plan.Load(filepath.Join(abs, "plan.json"))
	if err != nil {
		err = fmt.Errorf("%w\nhint: write the profile first with baton-setup generate (or the wizard), or point --dir at its directory", err)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", &FlagError{err: err}
		}
		return nil, "", err
	}
	return p, abs, nil
}

// checkProfileFlags rejects a command line that names no profile, or two.
func checkProfileFlags(name, dir string) error {
	if (name == "") == (dir == "") {
		return flagErrorf("give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR")
	}
	if name != "" {
		if err := plan.ValidateProfile(name); err != nil {
			return &FlagError{err: err}
		}
	}
	return nil
}

// checkPlanDir refuses a profile moved away from where its sync.sh says
// it lives.
func checkPlanDir(p *plan.Plan, dir string) error {
	if filepath.Clean(p.Output.Dir) != filepath.Clean(dir) {
		return fmt.Errorf("load profile %s: plan.json says the profile lives in %s, not in %s, and sync.sh holds that path\nhint: regenerate it where it is: baton-setup generate --plan %s --out %s", p.Profile, p.Output.Dir, dir, filepath.Join(dir, "plan.json"), dir)
	}
	return nil
}

// proveProfile runs verify for the profile in dir as the current user,
// with the crontab as it is now. It is what verify, generate --verify,
// doctor --run and the wizard's last screen run.
func proveProfile(ctx context.Context, f *Factory, p *plan.Plan, dir string, progress func(string)) (verify.Result, error) {
	account := f.Account
	if account == nil {
		account = verify.CurrentAccount
	}
	acct, err := account()
	if err != nil {
		return verify.Result{}, err
	}
	table := ""
	if f.Crontab != nil {
		// No readable crontab means no settings above the entry.
		table, _ = f.Crontab.Read(ctx)
	}
	return verify.Run(ctx, verify.Options{Plan: p, Dir: dir, Account: acct, Crontab: table, Progress: progress, Now: f.Now})
}

// progressTo prints progress lines, indented, as they come.
func progressTo(w io.Writer) func(string) {
	return func(l string) { fmt.Fprintln(w, "  "+l) }
}

// reportVerify prints the outcome and turns a failed proof into exit 1.
func reportVerify(f *Factory, res verify.Result, err error, asJSON bool) error {
	if err != nil && !errors.Is(err, verify.ErrNotDelivered) {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(f.IO.ErrOut, "note: "+n)
	}
	if asJSON {
		if werr := writeJSON(f.IO.Out, res); werr != nil {
			return werr
		}
	} else {
		printVerify(f.IO.Out, res)
	}
	if err != nil {
		return &silentError{code: exitError}
	}
	return nil
}

func printVerify(w io.Writer, res verify.Result) {
	fmt.Fprintln(w, res.Line())
	for _, d := range res.Details() {
		fmt.Fprintln(w, "  "+d)
	}
}

// verifyCheck is doctor --run: the proof as one more check.
func verifyCheck(ctx context.Context, f *Factory, p *plan.Plan, dir string) doctor.Result {
	res, err := proveProfile(ctx, f, p, dir, progressTo(f.IO.ErrOut))
	r := doctor.Result{Name: "a run as the schedule runs it delivers", OK: err == nil}
	switch {
	case err == nil:
		r.Name += ": " + strings.TrimPrefix(res.Line(), "Delivered: ")
	case res.Failure != nil:
		lines := []string{res.Line()}
		for _, d := range res.Details() {
			if !strings.HasPrefix(d, "Fix: ") {
				lines = append(lines, d)
			}
		}
		r.Err, r.Fix = strings.Join(lines, "\n"), res.Failure.Fix
	default:
		r.Err = err.Error()
	}
	return r
}

// verifyGenerated is generate --verify: the outcome of generate, then the
// proof of the profile it wrote (in one JSON object with --json).
func verifyGenerated(ctx context.Context, opts *GenerateOptions, p *plan.Plan, res setup.Result) error {
	f := opts.Factory
	if !opts.JSON {
		res.Print(f.IO.Out, selfCommand(res))
		fmt.Fprintln(f.IO.Out)
		fmt.Fprintln(f.IO.ErrOut, "verifying: running sync.sh as its schedule will")
	}
	vres, err := proveProfile(ctx, f, p, res.Dir, progressTo(f.IO.ErrOut))
	if err != nil && !errors.Is(err, verify.ErrNotDelivered) {
		return err
	}
	if !opts.JSON {
		return reportVerify(f, vres, err, false)
	}
	for _, n := range append(res.Notes, vres.Notes...) {
		fmt.Fprintln(f.IO.ErrOut, n)
	}
	if werr := writeJSON(f.IO.Out, struct {
		setup.Result
		Verify verify.Result `json:"verify"`
	}{res, vres}); werr != nil {
		return werr
	}
	if err != nil {
		return &silentError{code: exitError}
	}
	return nil
}

// VerifyObjectOptions are the inputs of the hidden `baton-setup verify
// object`, which verify runs in the schedule's environment.
type VerifyObjectOptions struct {
	Factory *Factory

	s3Flags
	File string
}

func newVerifyObjectCmd(f *Factory, runF func(context.Context, *VerifyObjectOptions) error) *cobra.Command {
	opts := &VerifyObjectOptions{Factory: f}
	cmd := &cobra.Command{
		Use:    "object --file PATH --dest s3://BUCKET/KEY",
		Short:  "Compare an S3 object with a local file, as JSON (verify runs it)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return flagErrorf("--file is required")
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return verifyObjectRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.File, "file", "", "the local sync file")
	opts.s3Flags.register(cmd)
	return cmd
}

// verifyObjectRun reaches the store the way upload does: the same flags,
// credentials and region lookup.
func verifyObjectRun(ctx context.Context, opts *VerifyObjectOptions) error {
	f := opts.Factory
	dest, err := s3Destination(f, opts.s3Flags)
	if err != nil {
		return err
	}
	co := clientOptions(f, dest)
	if _, err := upload.ResolveRegion(ctx, &co, dest.Bucket, f.NewS3); err != nil && co.Region == "" {
		return err
	}
	api, err := f.NewS3(ctx, co)
	if err != nil {
		return err
	}
	obj, ok := api.(verify.ObjectAPI)
	if !ok {
		return errors.New("check s3: this S3 client cannot read objects back")
	}
	proof, err := verify.ProveObject(ctx, obj, dest.Bucket, dest.Key, opts.File)
	if err != nil {
		return err
	}
	return writeJSON(f.IO.Out, proof)
}
