package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/setup"
)

// Exit codes, the only place they are decided. They are listed in README.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	// exitWarning: a test sync finished but looks wrong (testsync.Judge).
	exitWarning   = 3
	exitCancelled = 130
)

// FlagError is bad or missing input; it exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// checkTimeout is the one rule for --timeout on every command: at least a
// second. There is no "no limit": a connector that hangs would hold a test,
// the wizard or every scheduled run after it for ever.
func checkTimeout(d time.Duration) error {
	if d < time.Second {
		return flagErrorf("--timeout %s: must be at least 1s (there is no unlimited; give a long one, such as 24h)", d)
	}
	return nil
}

// flagErrorf builds a FlagError.
func flagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// errCancelled is returned when the user stops the program.
var errCancelled = errors.New("cancelled")

// silentError has been reported already; it only sets the exit code.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// settingFlags names each setting by the flag that gives it.
var settingFlags = map[plan.Setting]string{
	plan.SettingConnector:      "--connector",
	plan.SettingValue:          "--set",
	plan.SettingValueFile:      "--secret-file",
	plan.SettingValueStdin:     "--secret-stdin",
	plan.SettingAuthMethod:     "--auth-method",
	plan.SettingPlanFile:       "--plan",
	plan.SettingProfile:        "--profile",
	plan.SettingDest:           "--dest",
	plan.SettingRegion:         "--region",
	plan.SettingEndpoint:       "--endpoint",
	plan.SettingAWSCredentials: "--aws-credentials",
	plan.SettingAWSProfile:     "--aws-profile",
	plan.SettingRoleARN:        "--role-arn",
	plan.SettingExternalID:     "--external-id",
	plan.SettingAWSKeys:        "--secret-file " + setup.AWSKeyIDName + "=PATH and --secret-file " + setup.AWSSecretName + "=PATH",
	plan.SettingSchedule:       "--schedule",
	plan.SettingScheduler:      "--scheduler",
	plan.SettingOutDir:         "--out",
	plan.SettingMode:           "--mode",
	plan.SettingClientID:       "--client-id",
	plan.SettingClientSecret:   "--secret-file " + setup.ClientSecretName + "=PATH or --secret-stdin " + setup.ClientSecretName,
	plan.SettingImage:          "--docker-image",
	plan.SettingNamespace:      "--namespace",
	plan.SettingUploaderImage:  "--uploader-image",
	plan.SettingTimeout:        "--timeout",
	plan.SettingExtraEnv:       "--env",
	plan.SettingSecretEnv:      "--secret-env",
}

func flagName(s plan.Setting) string {
	if f, ok := settingFlags[s]; ok {
		return f
	}
	return string(s)
}

// describe reads err the way the command line names things: every setting
// in it by its flag, and missing values with the flag or variable that
// gives each. usage reports an error in the user's input.
func describe(err error) (text string, usage bool) {
	text = err.Error()
	var flagErr *FlagError
	usage = errors.As(err, &flagErr)
	var missing *setup.MissingError
	if errors.As(err, &missing) {
		text = strings.Replace(text, missing.Error(), missingText(missing), 1)
		usage = true
	}
	for _, se := range plan.SettingErrors(err) {
		text = strings.Replace(text, se.Error(), se.Message(flagName), 1)
		usage = usage || !se.Refused
	}
	return text, usage
}

// missingText names each missing value with the flag or variable that
// gives it; secrets never by --set.
func missingText(m *setup.MissingError) string {
	lines := []string{"missing required values:"}
	for _, f := range m.Fields {
		if f.Secret {
			lines = append(lines, fmt.Sprintf("  %s (secret: set %s in the environment or use --secret-file %s=PATH)", f.Name, f.EnvName(), f.Name))
		} else {
			lines = append(lines, fmt.Sprintf("  %s (--set %s=VALUE or %s)", f.Name, f.Name, f.EnvName()))
		}
	}
	return strings.Join(lines, "\n")
}
