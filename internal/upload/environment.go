package upload

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/plan"
)

// EnvEndpoint is the S3 endpoint the AWS SDK would take from the
// environment, and the variable it comes from: AWS_ENDPOINT_URL_S3, then
// AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
// baton-setup takes it as the endpoint setting itself, and saves it, since
// a scheduled run does not have this environment.
func EnvEndpoint(getenv func(string) string) (endpoint, variable string) {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return "", ""
	}
	for _, name := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name
		}
	}
	return "", ""
}

// ShellOnly says why the upload's credentials, in credential mode mode,
// would come from variables of the caller's environment, which cron and
// systemd do not pass on to a scheduled run. It returns "" when nothing
// points that way. The default chain (and a role assumed on top of it)
// reads keys, a profile name, a web identity token and container
// credentials from the environment; a named profile only where the shared
// files are; static keys are saved in secrets.env.
func ShellOnly(mode string, getenv func(string) string) string {
	var names []string
	switch mode {
	case plan.CredDefault, plan.CredRole:
		names = append(chainVars, fileVars...)
	case plan.CredProfile:
		names = fileVars
	}
	cfgFile, credFile := awsconf.Files(func(string) string { return "" })
	defaults := map[string]string{"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": credFile}
	var found []string
	for _, name := range names {
		// A file variable naming the file a scheduled run reads anyway is
		// harmless.
		if v := getenv(name); v != "" && v != defaults[name] {
			found = append(found, name)
		}
	}
	if len(found) == 0 {
		return ""
	}
	return fmt.Sprintf("the upload would find its AWS credentials through %s, set in this shell only; a scheduled run does not have %s", strings.Join(found, " and "), pronoun(len(found)))
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// chainVars lead the default chain to credentials; fileVars move the
// shared config and credentials files away from ~/.aws.
var (
	chainVars = []string{
		"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	}
	fileVars = []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"}
)

// ShellOnlyHint says what works unattended instead.
const ShellOnlyHint = "save a source the schedule has: a named profile from ~/.aws (the profile credential mode), a role to assume, static keys kept in secrets.env, or an instance or task role (unset the variables here to check it)"

// Source names where the credentials came from, for people.
func Source(creds aws.CredentialsProvider) string {
	ps, ok := creds.(aws.CredentialProviderSource)
	if !ok {
		return "an unknown provider"
	}
	sources := ps.ProviderSources()
	names := map[aws.CredentialSource]string{
		aws.CredentialSourceCode:                 "static keys",
		aws.CredentialSourceEnvVars:              "environment variables (AWS_ACCESS_KEY_ID)",
		aws.CredentialSourceEnvVarsSTSWebIDToken: "a web identity token named by environment variables",
		aws.CredentialSourceSTSAssumeRole:        "an assumed role",
		aws.CredentialSourceProfile:              "the shared credentials files",
		aws.CredentialSourceProfileSourceProfile: "a source profile in the shared config",
		aws.CredentialSourceProfileNamedProvider: "a credential source named in the shared config",
		aws.CredentialSourceProfileSTSWebIDToken: "a web identity token named in the shared config",
		aws.CredentialSourceProfileSSO:           "an SSO session",
		aws.CredentialSourceSSO:                  "an SSO session",
		aws.CredentialSourceProfileProcess:       "a credential process",
		aws.CredentialSourceProcess:              "a credential process",
		aws.CredentialSourceHTTP:                 "the container credentials endpoint",
		aws.CredentialSourceIMDS:                 "the instance profile (instance metadata)",
		aws.CredentialSourceProfileLogin:         "an aws login session",
		aws.CredentialSourceLogin:                "an aws login session",
	}
	var out []string
	for _, s := range sources {
		if n, ok := names[s]; ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "an unknown provider"
	}
	return strings.Join(out, ", then ")
}

// fromEnvironment reports whether the credentials came from variables of
// the caller's environment.
func fromEnvironment(creds aws.CredentialsProvider) bool {
	ps, ok := creds.(aws.CredentialProviderSource)
	if !ok {
		return false
	}
	for _, s := range ps.ProviderSources() {
		if s == aws.CredentialSourceEnvVars || s == aws.CredentialSourceEnvVarsSTSWebIDToken {
			return true
		}
	}
	return false
}

// ResolveSource loads the configuration as the upload would and retrieves
// its credentials, to say where they come from.
func ResolveSource(ctx context.Context, opts ClientOptions) (string, bool, error) {
	cfg, err := LoadConfig(ctx, opts)
	if err != nil {
		return "", false, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return "", false, Explain(fmt.Errorf("find AWS credentials: %w", err))
	}
	return Source(cfg.Credentials), fromEnvironment(cfg.Credentials), nil
}
