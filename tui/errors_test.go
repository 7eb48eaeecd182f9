package tui

import (
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
)

// TestErrorTextNamesFields checks that a domain error reaches the wizard
// with the wizard's field names, never a command-line flag.
func TestErrorTextNamesFields(t *testing.T) {
	err := plan.Destination{Kind: plan.DestS3, Bucket: "my-bucket", Key: "a.c1z", Credentials: plan.CredProfile}.Validate()
	got := errorText(err)
	if !strings.Contains(got, "hint: give it with AWS profile") || strings.Contains(got, "--") || strings.Contains(got, "{") {
		t.Errorf("errorText = %q", got)
	}
}
