package discover

import (
	"context"
	"fmt"
	"strings"
)

// Version asks a connector for its own version: the SDK's --version prints
// "<name> version <version>" ("dev" when the build did not set one). Like
// Schema it needs no credentials and runs without BATON_* variables.
func Version(ctx context.Context, f Found) (string, error) {
	out, errText, err := runQuiet(ctx, f, "--version")
	if err != nil {
		if errText != "" {
			return "", fmt.Errorf("ask %s for its version: %w: %s", f.Name, err, lastLine(errText))
		}
		return "", fmt.Errorf("ask %s for its version: %w", f.Name, err)
	}
	return ParseVersion(out), nil
}

// ParseVersion reads the version from --version output: the word after
// " version " on the first line, or the whole first line.
func ParseVersion(out string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	if _, v, ok := strings.Cut(line, " version "); ok {
		line = v
	}
	return strings.TrimSpace(line)
}
