package plan

import (
	"errors"
	"fmt"
	"strings"
)

// Setting names one thing the user decides about a setup. Errors about a
// setting carry it, so that each front end can name it its own way: the
// commands by their flag, the wizard by its field.
type Setting string

// The settings of a setup.
const (
	SettingConnector      Setting = "connector"
	SettingValue          Setting = "value"       // a connector value; SettingError.Field names it
	SettingValueFile      Setting = "value-file"  // a connector value read from a file
	SettingValueStdin     Setting = "value-stdin" // a connector value read from standard input
	SettingAuthMethod     Setting = "auth-method" // the connector's field group
	SettingPlanFile       Setting = "plan-file"   // a saved plan to start from
	SettingProfile        Setting = "profile"     // the profile's name
	SettingDest           Setting = "destination" // where the sync goes: bucket and key, or local
	SettingRegion         Setting = "region"      // the bucket's region
	SettingEndpoint       Setting = "endpoint"    // an S3-compatible endpoint
	SettingAWSCredentials Setting = "aws-credentials"
	SettingAWSProfile     Setting = "aws-profile"
	SettingRoleARN        Setting = "role-arn"
	SettingExternalID     Setting = "external-id"
	SettingAWSKeys        Setting = "aws-keys" // static access keys
	SettingSchedule       Setting = "schedule"
	SettingScheduler      Setting = "scheduler" // what runs sync.sh
	SettingOutDir         Setting = "output-dir"
	SettingMode           Setting = "mode"
	SettingClientID       Setting = "client-id"
	SettingClientSecret   Setting = "client-secret"
	SettingImage          Setting = "image" // the connector's container image
	SettingNamespace      Setting = "namespace"
	SettingUploaderImage  Setting = "uploader-image"
	SettingTimeout        Setting = "timeout"
	SettingExtraEnv       Setting = "extra-env"  // a variable the profile carries besides the settings
	SettingSecretEnv      Setting = "secret-env" // the same, secret
)

// SettingError is a problem with one setting the user gave: which one (and
// for a connector value, which field), what is wrong, and what to do.
//
// Err never names a flag or a form field. Hint may name settings by
// placeholders, {setting} for this one and {NAME} for the Setting NAME,
// where a front end puts its own name for them.
type SettingError struct {
	Setting Setting
	// Field is the connector field (or variable) a value setting is about,
	// or the value a setting was given when the message is about it.
	Field string
	Err   error
	Hint  string
	// Refused says the setting is well formed but cannot be used here (a
	// directory another user may change): a failure rather than bad input.
	Refused bool
}

// Placeholder in SettingError.Hint for the front end's name of the setting.
const Placeholder = "{setting}"

// Ref is the placeholder of another setting in a hint.
func Ref(s Setting) string { return "{" + string(s) + "}" }

// Error reads the error with each setting named by its plain name.
func (e *SettingError) Error() string {
	return e.Message(func(s Setting) string { return string(s) })
}

// Unwrap returns the underlying error.
func (e *SettingError) Unwrap() error { return e.Err }

// Message reads the error with each setting called name(setting): as the
// prefix of a field-specific error, and in the hint.
func (e *SettingError) Message(name func(Setting) string) string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(name(e.Setting) + " " + e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	if e.Hint != "" {
		hint := strings.ReplaceAll(e.Hint, Placeholder, name(e.Setting))
		for strings.Contains(hint, "{") {
			i := strings.Index(hint, "{")
			j := strings.Index(hint[i:], "}")
			if j < 0 {
				break
			}
			hint = hint[:i] + name(Setting(hint[i+1:i+j])) + hint[i+j+1:]
		}
		b.WriteString("\nhint: " + hint)
	}
	return b.String()
}

// SettingErrorf builds a SettingError about s.
func SettingErrorf(s Setting, format string, args ...any) *SettingError {
	return &SettingError{Setting: s, Err: fmt.Errorf(format, args...)}
}

// WithHint adds what to do.
func (e *SettingError) WithHint(format string, args ...any) *SettingError {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithField says which connector field (or given value) the error is about.
func (e *SettingError) WithField(field string) *SettingError {
	e.Field = field
	return e
}

// AsSetting wraps err as a problem with s unless it already names a setting.
func AsSetting(s Setting, err error) error {
	if err == nil {
		return nil
	}
	var se *SettingError
	if errors.As(err, &se) {
		return err
	}
	return &SettingError{Setting: s, Err: err}
}

// SettingErrors lists the setting errors in err's tree.
func SettingErrors(err error) []*SettingError {
	var out []*SettingError
	var walk func(error)
	walk = func(e error) {
		if se, ok := e.(*SettingError); ok {
			out = append(out, se)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			if c := u.Unwrap(); c != nil {
				walk(c)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}
