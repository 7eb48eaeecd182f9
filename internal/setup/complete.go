package setup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/userdir"
)

// Choices are the answers about a setup beyond the connector's values, as
// a front end received them. A zero field keeps what the plan has, or
// takes the default.
type Choices struct {
	Profile string
	// Dest is "s3://BUCKET/KEY" or "local".
	Dest     string
	Region   string
	Endpoint string
	AWS      AWSChoice
	// Schedule is a preset or a cron expression (schedule.ParsePreset).
	Schedule        string
	InstallSchedule bool
	// Scheduler and System, when Scheduler is set, replace the plan's.
	Scheduler string
	System    bool
	// Out is the profile directory.
	Out string
	// Mode is plan.ModeSync or plan.ModeService; "" keeps the plan's.
	Mode     string
	ClientID string
	// Image runs the connector from a container image (docker mode).
	Image string
	// Target is TargetKubernetes for manifests; "" for this machine.
	Target string
	// DryRun changes nothing: a missing image is not pulled.
	DryRun bool
}

// AWSChoice is how the uploader gets its AWS credentials.
type AWSChoice struct {
	// Credentials is "", "default", or a plan.Cred* mode; "" keeps the
	// plan's, or what Profile or RoleARN imply.
	Credentials string
	Profile     string
	RoleARN     string
	ExternalID  string
}

// Mode is the credential mode the choice asks for, given the current one.
func (a AWSChoice) Mode(current, roleARN string) string {
	switch {
	case a.Credentials == "default":
		return plan.CredDefault
	case a.Credentials != "":
		return a.Credentials
	case a.Profile != "":
		return plan.CredProfile
	case current == plan.CredDefault && roleARN != "":
		return plan.CredRole
	}
	return current
}

// Complete fills in what the plan still lacks for c: the profile's name,
// the mode and its credentials, the destination with the uploader's
// credentials, the schedule, docker mode and the output directory. It
// returns cautions the user should read.
func Complete(ctx context.Context, env Env, g *Gathered, c Choices) ([]string, error) {
	p := g.Plan
	var notes []string
	// Before the generic checks, so that the message names service mode.
	if err := CheckScheduled(p); err != nil {
		return nil, err
	}
	if err := RequireValues(p); err != nil {
		return nil, err
	}
	if c.Profile != "" {
		p.Profile = c.Profile
	} else if p.Profile == "" {
		p.Profile = p.Connector.Name
	}
	if err := plan.ValidateProfile(p.Profile); err != nil {
		return nil, err
	}
	service := c.Mode == plan.ModeService || (c.Mode == "" && p.Mode == plan.ModeService)
	if service {
		if err := completeService(env, g, c); err != nil {
			return nil, err
		}
		if err := completeOutDir(env, p, c); err != nil {
			return nil, err
		}
		return notes, nil
	}
	if g.ClientSecret != "" {
		return nil, plan.SettingErrorf(plan.SettingClientSecret, "only service mode takes a client secret")
	}
	p.Mode, p.Service = plan.ModeSync, plan.Service{}
	delete(p.Secrets, plan.SecretClientSecret)
	dest := p.Destination
	if c.Dest != "" {
		var err error
		if dest, err = plan.ParseDest(c.Dest); err != nil {
			return nil, err
		}
	}
	if c.Region != "" {
		dest.Region = c.Region
	}
	if c.Endpoint != "" {
		dest.Endpoint = c.Endpoint
	}
	if dest.Kind == plan.DestS3 && dest.Endpoint == "" {
		// Checked against now, the schedule must upload there too.
		if e, name := upload.EnvEndpoint(env.Getenv); e != "" {
			dest.Endpoint = e
			notes = append(notes, fmt.Sprintf("note: the S3 endpoint %s comes from %s in this shell; it is saved in the plan so that the schedule uses it too", e, name))
		}
	}
	if dest.Kind == "" {
		return nil, plan.SettingErrorf(plan.SettingDest, "no destination given").
			WithHint("give %s: s3://BUCKET/KEY, or local for manual upload", plan.Placeholder)
	}
	if dest.Kind == plan.DestS3 {
		if err := ApplyCredentials(env, c.AWS, StaticKeys{ID: g.AWSKeyID, Secret: g.AWSSecret, KeepSaved: g.KeepSaved}, &dest); err != nil {
			return nil, err
		}
	}
	if err := dest.Validate(); err != nil {
		return nil, err
	}
	if dest.Kind == plan.DestS3 && c.Target != TargetKubernetes {
		if why := upload.ShellOnly(dest.Credentials, env.Getenv); why != "" {
			return nil, plan.SettingErrorf(plan.SettingAWSCredentials, "refuse the AWS credentials: %s", why).
				WithHint("save a source the schedule has: a profile from ~/.aws (%s), a role (%s), static keys kept in secrets.env (%s static), or an instance or task role (unset those variables to use it)",
					plan.Ref(plan.SettingAWSProfile), plan.Ref(plan.SettingRoleARN), plan.Ref(plan.SettingAWSCredentials))
		}
	}
	for _, w := range CredentialWarnings(ctx, env, dest) {
		notes = append(notes, "warning: "+w)
	}
	p.Destination = dest
	if c.Scheduler == "" && p.Schedule.Cron == "" && env.Platform == "darwin" {
		// A new profile on macOS: launchd is its own scheduler, and cron
		// needs Full Disk Access for some paths there.
		p.Schedule.Scheduler = SchedulerLaunchd
	}
	spec := c.Schedule
	if spec == "" {
		spec = p.Schedule.Cron
	}
	if spec == "" {
		spec = "hourly"
	}
	randomMinute := env.RandomMinute
	if randomMinute == nil {
		randomMinute = schedule.RandomMinute
	}
	var err error
	if p.Schedule.Cron, err = schedule.ParsePreset(spec, randomMinute); err != nil {
		return nil, plan.AsSetting(plan.SettingSchedule, err)
	}
	p.Schedule.Install = c.InstallSchedule
	if c.Scheduler != "" {
		p.Schedule.Scheduler, p.Schedule.System = c.Scheduler, c.System
	}
	if p.Schedule.Scheduler == SchedulerCron {
		p.Schedule.Scheduler = ""
	}
	if c.Image != "" {
		p.Connector.Image = c.Image
		// The image holds the connector; the local binary only gave the schema.
		p.Connector.Args = nil
	}
	if p.Connector.Image != "" && c.Target != TargetKubernetes {
		n, err := completeDocker(ctx, env, p, c.DryRun)
		if err != nil {
			return nil, err
		}
		notes = append(notes, n...)
	}
	if err := completeOutDir(env, p, c); err != nil {
		return nil, err
	}
	return notes, nil
}

// completeOutDir sets the profile directory: the choice, else the saved
// plan's (unless the profile was renamed), else the default for its name.
func completeOutDir(env Env, p *plan.Plan, c Choices) error {
	if err := checkHome(env); err != nil {
		return err
	}
	out := c.Out
	if out == "" && p.Output.Dir != "" && c.Profile == "" {
		out = p.Output.Dir
	}
	if out == "" {
		var err error
		if out, err = DefaultOutDir(env, p.Profile); err != nil {
			return err
		}
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return plan.AsSetting(plan.SettingOutDir, err)
	}
	p.Output.Dir = abs
	return nil
}

// DefaultOutDir is where a profile lives unless the user says otherwise.
func DefaultOutDir(env Env, name string) (string, error) {
	root, err := env.ConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w", err)
	}
	return profile.Dir(root, name), nil
}

// completeService puts service mode, the client ID and the client secret
// into the plan. Each comes from the choice, else its BATON_* variable,
// else the profile being regenerated (plan.json, service.env).
func completeService(env Env, g *Gathered, c Choices) error {
	p := g.Plan
	p.Mode = plan.ModeService
	p.Destination, p.Schedule = plan.Destination{}, plan.Schedule{}
	switch {
	case c.ClientID != "":
		p.Service.ClientID = c.ClientID
	case g.KeepSaved && p.Service.ClientID != "":
	case env.Getenv("BATON_CLIENT_ID") != "":
		p.Service.ClientID = env.Getenv("BATON_CLIENT_ID")
	}
	if p.Service.ClientID == "" {
		return plan.SettingErrorf(plan.SettingClientID, "service mode needs the ConductorOne client ID").
			WithHint("give it with %s: NAME@TENANT-HOST/SUFFIX", plan.Placeholder)
	}
	if err := plan.ValidateClientID(p.Service.ClientID); err != nil {
		return err
	}
	secret := g.ClientSecret
	if secret == "" && g.KeepSaved {
		secret = p.Secrets[plan.SecretClientSecret].Reveal()
	}
	if secret == "" {
		secret = env.Getenv(plan.SecretClientSecret)
	}
	if secret == "" {
		secret = p.Secrets[plan.SecretClientSecret].Reveal()
	}
	if secret == "" && p.Output.Dir != "" {
		// Regenerating keeps the secret already in place.
		if saved, err := profile.ReadEnvFile(filepath.Join(p.Output.Dir, servicemode.EnvFile)); err == nil {
			secret = saved[plan.SecretClientSecret]
		}
	}
	if secret == "" {
		return plan.SettingErrorf(plan.SettingClientSecret, "client secret: not set").
			WithHint("set %s in the environment, or read it from a file or standard input (%s); never put it on the command line", plan.SecretClientSecret, plan.Placeholder)
	}
	if err := plan.ValidateClientSecret(secret); err != nil {
		return err
	}
	if p.Secrets == nil {
		p.Secrets = map[string]plan.Secret{}
	}
	p.Secrets[plan.SecretClientSecret] = plan.NewSecret(secret)
	return nil
}

// StaticKeys are static upload keys read from value files; either may be
// empty. KeepSaved prefers keys the destination already has over the
// environment's.
type StaticKeys struct {
	ID, Secret string
	KeepSaved  bool
}

// ApplyCredentials sets the destination's credentials from the choice,
// keeping what the destination had (from a saved plan) for anything not
// given. Static keys come from keys, then AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY.
func ApplyCredentials(env Env, a AWSChoice, keys StaticKeys, d *plan.Destination) error {
	if a.RoleARN != "" {
		d.RoleARN, d.ExternalID = a.RoleARN, a.ExternalID
	}
	d.Credentials = a.Mode(d.Credentials, d.RoleARN)
	if a.Profile != "" {
		d.AWSProfile = a.Profile
	}
	if d.Credentials != plan.CredProfile {
		d.AWSProfile = ""
	}
	if d.Credentials != plan.CredStatic {
		d.AccessKeyID, d.SecretAccessKey = plan.Secret{}, plan.Secret{}
		return nil
	}
	id, secret := env.Getenv("AWS_ACCESS_KEY_ID"), env.Getenv("AWS_SECRET_ACCESS_KEY")
	if keys.KeepSaved && !d.AccessKeyID.IsZero() && !d.SecretAccessKey.IsZero() {
		id, secret = "", ""
	}
	if keys.ID != "" {
		id = keys.ID
	}
	if keys.Secret != "" {
		secret = keys.Secret
	}
	if id != "" {
		d.AccessKeyID = plan.NewSecret(id)
	}
	if secret != "" {
		d.SecretAccessKey = plan.NewSecret(secret)
	}
	if d.AccessKeyID.IsZero() || d.SecretAccessKey.IsZero() {
		return plan.SettingErrorf(plan.SettingAWSKeys, "static credentials need both keys").
			WithHint("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or read them from files (%s)", plan.Placeholder)
	}
	return nil
}

// CredentialWarnings are the cautions for a destination's credential
// mode: static keys, and profiles that expire.
func CredentialWarnings(ctx context.Context, env Env, d plan.Destination) []string {
	switch d.Credentials {
	case plan.CredStatic:
		return []string{upload.StaticWarning}
	case plan.CredProfile:
		p, err := awsconf.Find(ctx, env.Getenv, d.AWSProfile)
		if err != nil {
			return []string{err.Error()}
		}
		if w := p.Warning(); w != "" {
			return []string{"AWS profile " + d.AWSProfile + ": " + w}
		}
	}
	return nil
}

// completeDocker records where docker is (cron's PATH is minimal), checks
// that the values can go into docker's env file, and that docker can run
// the image, pulling it when missing; a dry run only says it would pull.
func completeDocker(ctx context.Context, env Env, p *plan.Plan, dryRun bool) ([]string, error) {
	docker, err := env.Discover.LookPath("docker")
	if err != nil {
		return nil, fmt.Errorf("docker mode: the docker CLI is not installed: %w", err)
	}
	if p.Connector.Docker, err = filepath.Abs(docker); err != nil {
		return nil, fmt.Errorf("docker mode: %w", err)
	}
	// sync.sh writes the values into docker's env file at run time.
	if err := container.CheckEnv(p.ConnectorEnv()); err != nil {
		return nil, plan.AsSetting(plan.SettingValue, err)
	}
	if !dryRun {
		return nil, container.Preflight(ctx, p.Connector.Docker, p.Connector.Image)
	}
	present, err := container.Present(ctx, p.Connector.Docker, p.Connector.Image)
	if err != nil || present {
		return nil, err
	}
	return []string{fmt.Sprintf("dry run: would pull %s (docker image inspect finds no copy on this machine)", p.Connector.Image)}, nil
}

// ErrServiceMode is returned for a plan that sets ConductorOne's client
// credentials, which belong to service mode, not to a scheduled sync.
var ErrServiceMode = fmt.Errorf("refuse scheduled sync: client-id and client-secret (BATON_CLIENT_ID, BATON_CLIENT_SECRET) are ConductorOne service-mode credentials; with them the connector runs as a long-lived service that takes tasks from ConductorOne instead of writing a sync file for the schedule to upload")

// CheckScheduled refuses a plan that would turn the connector into a
// service. It names service mode, so the user knows what to do instead.
func CheckScheduled(p *plan.Plan) error {
	for _, name := range []string{"client-id", "client-secret"} {
		if p.Value(name) != "" {
			return &plan.SettingError{Setting: plan.SettingValue, Err: ErrServiceMode,
				Hint: "for a scheduled sync, leave them unset (unset BATON_CLIENT_ID BATON_CLIENT_SECRET); for service mode, run the connector itself as a long-running service (for example a systemd service with Restart=always) with those two variables set, without sync.sh"}
		}
	}
	return nil
}

// checkHome refuses to set up a profile with a HOME that belongs to
// another user, as under a plain sudo: the profile (by default in that
// home) and its entry in the profile registry would be the caller's files
// inside that home, and its schedule the caller's, so files, owner and
// schedule would not agree.
func checkHome(env Env) error {
	home := env.Getenv("HOME")
	if home == "" {
		return nil
	}
	owner, ok := userdir.Owner(home)
	if !ok || owner == os.Geteuid() {
		return nil
	}
	return plan.SettingErrorf(plan.SettingOutDir, "HOME (%s) belongs to uid %d, but baton-setup runs as uid %d: the profile and its registration would be uid %d's files in that home, scheduled for uid %d", home, owner, os.Geteuid(), os.Geteuid(), os.Geteuid()).
		WithHint("run it as the user who owns %s, or with sudo -H (sudo --set-home) to set up a profile of uid %d", home, os.Geteuid())
}
