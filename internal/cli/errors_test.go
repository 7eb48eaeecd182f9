package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/setup"
)

// TestDescribe checks that the command line names settings by their flags,
// wherever the setting error sits in the chain, and decides the exit code.
func TestDescribe(t *testing.T) {
	profileErr := plan.Destination{Kind: plan.DestS3, Bucket: "my-bucket", Key: "a.c1z", Credentials: plan.CredProfile}.Validate()
	refused := &plan.SettingError{Setting: plan.SettingOutDir, Err: errors.New("refuse to write into /x"), Hint: "choose another directory with {setting}", Refused: true}
	for _, tt := range []struct {
		err   error
		want  string
		usage bool
	}{
		{profileErr, "AWS credentials profile: name the profile\nhint: give it with --aws-profile", true},
		{fmt.Errorf("generate: %w", errors.Join(profileErr, plan.SettingErrorf(plan.SettingRegion, "region %q: bad", "x"))),
			"generate: AWS credentials profile: name the profile\nhint: give it with --aws-profile\nregion \"x\": bad", true},
		{plan.SettingErrorf(plan.SettingValue, "no such field").WithField("nope"), "--set nope: no such field", true},
		{refused, "refuse to write into /x\nhint: choose another directory with --out", false},
		{&setup.MissingError{Fields: []schema.Field{{Name: "tenant"}}}, "missing required values:\n  tenant (--set tenant=VALUE or BATON_TENANT)", true},
		{errors.New("upload failed"), "upload failed", false},
	} {
		got, usage := describe(tt.err)
		if got != tt.want || usage != tt.usage {
			t.Errorf("describe(%v) = %q, %v; want %q, %v", tt.err, got, usage, tt.want, tt.usage)
		}
	}
}
