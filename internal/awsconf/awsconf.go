// Package awsconf lists the named profiles of the AWS shared config and
// credentials files, with what matters for an unattended uploader: its
// region, and whether its credentials expire (SSO).
package awsconf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// Profile is one named profile.
type Profile struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	// SSO is set for IAM Identity Center profiles (sso_start_url or
	// sso_session), whose tokens expire and need a browser login.
	SSO bool `json:"sso,omitempty"`
	// RoleARN is the role the profile assumes, if any.
	RoleARN string `json:"roleArn,omitempty"`
	// Process is set when a credential_process supplies the keys.
	Process bool `json:"process,omitempty"`
	// Err is why the SDK could not load the profile, or "".
	Err string `json:"error,omitempty"`
}

// SSOWarning is shown for SSO profiles.
const SSOWarning = "SSO credentials expire (hours at most) and need a browser login to renew, so scheduled uploads fail once they do; prefer an instance or task role, a role to assume, or static keys"

// Warning is the caution to show when the profile is chosen, or "".
func (p Profile) Warning() string {
	switch {
	case p.Err != "":
		return "the profile does not load: " + p.Err
	case p.SSO:
		return SSOWarning
	}
	return ""
}

// Describe is a short note for a list of profiles.
func (p Profile) Describe() string {
	var parts []string
	if p.Region != "" {
		parts = append(parts, p.Region)
	}
	switch {
	case p.SSO:
		parts = append(parts, "SSO: expires")
	case p.RoleARN != "":
		parts = append(parts, "assumes "+p.RoleARN)
	case p.Process:
		parts = append(parts, "credential_process")
	}
	if p.Err != "" {
		parts = append(parts, "does not load")
	}
	return strings.Join(parts, ", ")
}

// Files returns the shared config and credentials files the SDK reads:
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
// ~/.aws/credentials.
func Files(getenv func(string) string) (configFile, credentialsFile string) {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	configFile, credentialsFile = getenv("AWS_CONFIG_FILE"), getenv("AWS_SHARED_CREDENTIALS_FILE")
	if configFile == "" {
		configFile = filepath.Join(home, ".aws", "config")
	}
	if credentialsFile == "" {
		credentialsFile = filepath.Join(home, ".aws", "credentials")
	}
	return configFile, credentialsFile
}

// List returns the profiles of both files, sorted with "default" first,
// each loaded by the SDK to learn its region and kind.
func List(ctx context.Context, getenv func(string) string) ([]Profile, error) {
	cfgFile, credFile := Files(getenv)
	// The SDK's INI reader is internal, so only the section names are read
	// here; the SDK itself loads each profile below.
	fromConfig, err := sectionNames(cfgFile, true)
	if err != nil {
		return nil, err
	}
	fromCreds, err := sectionNames(credFile, false)
	if err != nil {
		return nil, err
	}
	names := append(fromConfig, fromCreds...)
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "default":
			return -1
		case b == "default":
			return 1
		}
		return strings.Compare(a, b)
	})
	names = slices.Compact(names)
	out := make([]Profile, 0, len(names))
	for _, name := range names {
		out = append(out, load(ctx, name, cfgFile, credFile))
	}
	return out, nil
}

// Find returns the named profile, or an error that lists the known ones.
func Find(ctx context.Context, getenv func(string) string, name string) (Profile, error) {
	all, err := List(ctx, getenv)
	if err != nil {
		return Profile{}, err
	}
	var names []string
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	cfgFile, credFile := Files(getenv)
	if len(names) == 0 {
		return Profile{}, fmt.Errorf("find AWS profile %s: %s and %s define no profiles", name, cfgFile, credFile)
	}
	return Profile{}, fmt.Errorf("find AWS profile %s: not in %s or %s; known profiles: %s", name, cfgFile, credFile, strings.Join(names, ", "))
}

func load(ctx context.Context, name, cfgFile, credFile string) Profile {
	p := Profile{Name: name}
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{cfgFile}, []string{credFile}
	})
	if err != nil {
		p.Err = firstLine(err.Error())
		// An SSO profile can fail to load for an unrelated reason; its
		// kind still decides the warning.
		return p
	}
	p.Region, p.RoleARN, p.Process = sc.Region, sc.RoleARN, sc.CredentialProcess != ""
	p.SSO = sc.SSOStartURL != "" || sc.SSOSessionName != "" || sc.SSOSession != nil
	return p
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// sectionNames reads the profile names of one file: "[profile NAME]" and
// "[default]" in the config file, "[NAME]" in the credentials file. A
// missing file has none.
func sectionNames(path string, isConfig bool) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read AWS profiles: %w", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
			continue
		}
		name := strings.TrimSpace(line[1 : len(line)-1])
		if isConfig {
			switch {
			case name == "default":
			case strings.HasPrefix(name, "profile ") || strings.HasPrefix(name, "profile\t"):
				name = strings.TrimSpace(name[len("profile"):])
			default:
				// sso-session and services sections are not profiles.
				continue
			}
		}
		if name != "" {
			names = append(names, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read AWS profiles from %s: %w", path, err)
	}
	return names, nil
}
