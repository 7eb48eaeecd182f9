// Package kube renders a Plan as Kubernetes manifests for `baton-setup
// generate --target kubernetes`: a Secret, a ServiceAccount and either a
// CronJob (scheduled syncs uploaded to S3) or, in service mode, a
// Deployment, with a README.txt on how to apply and check them. The
// manifests are text templates; this package never links the Kubernetes
// API types, which only the tests use to check the output.
package kube

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/templates"
)

// Targets of `generate --target`.
const (
	TargetHost       = "host"
	TargetKubernetes = "kubernetes"
)

// Defaults of the generate flags.
const (
	DefaultNamespace = "baton"
	// DefaultUploaderImage is what the Dockerfile at the top of the
	// baton-setup source builds when tagged as its README says.
	DefaultUploaderImage = "baton-setup:latest"
	// Subdir is the directory, inside the profile's output directory, that
	// receives the manifests.
	Subdir = "kubernetes"
	// TimeZone is the CronJob's zone: stated, so the schedule does not
	// depend on the controller manager's.
	TimeZone = "Etc/UTC"
)

// RolePlaceholder stands in for the IRSA role ARN until the user puts in
// the real one.
const RolePlaceholder = "arn:aws:iam::ACCOUNT_ID:role/REPLACE_ME"

// Options are the facts a render needs besides the plan.
type Options struct {
	// Namespace of every object; DefaultNamespace when empty.
	Namespace string
	// ConnectorImage overrides the connector's image. Otherwise it is the
	// plan's docker-mode image, or the catalog's image for the connector.
	ConnectorImage string
	// UploaderImage is a baton-setup image; DefaultUploaderImage when
	// empty. The built-in demo connector runs from it too.
	UploaderImage string
	// Timeout bounds a whole run (activeDeadlineSeconds); one hour when 0.
	Timeout time.Duration
	// DryRun works out the changes and writes nothing.
	DryRun bool
	Now    func() time.Time
}

// KV is one label.
type KV struct{ Key, Value string }

// Data feeds the templates.
type Data struct {
	Profile       string
	ConnectorName string
	Dir           string
	Namespace     string
	// Name is every object's name: a CronJob's may have 52 characters.
	Name           string
	SecretName     string
	AWSSecretName  string
	Labels         []KV
	SelectorLabels []KV
	Service        bool

	ConnectorImage string
	ConnectorArgs  []string
	UploaderImage  string
	UploadArgs     []string
	// UsesSetupImage is set when a container runs the baton-setup image,
	// which users build themselves.
	UsesSetupImage bool
	// Env holds plain values, set in the pod spec; Secrets go to the Secret.
	Env        []render.EnvLine
	Secrets    []render.EnvLine
	AWSSecrets []render.EnvLine

	// IRSA annotates the ServiceAccount with RoleARN, which is
	// RolePlaceholder when the plan names no role for the pod.
	IRSA            bool
	RoleARN         string
	RolePlaceholder bool
	// AssumeRole is a role the upload assumes on top of the pod's, because
	// it needs an external ID, which IRSA cannot give.
	AssumeRole string

	Dest            plan.Destination
	Schedule        string
	TimeZone        string
	Description     string
	DeadlineSeconds int
}

// envName is what a container accepts as a variable name and what
// connectors use.
var envName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// dns1123Label is a namespace name (RFC 1123 label).
var dns1123Label = lazyre.New(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidateNamespace checks a namespace name: an RFC 1123 label.
func ValidateNamespace(ns string) error {
	if len(ns) > 63 || !dns1123Label().MatchString(ns) {
		return fmt.Errorf("namespace %q: use up to 63 lower-case letters, digits or '-', starting and ending with a letter or digit", ns)
	}
	return nil
}

// ObjectName returns the name of the profile's objects: "baton-" and the
// profile, made a valid CronJob name (an RFC 1123 label of at most 52
// characters, since Jobs add 11). A long name is cut and given a hash so
// that two profiles never share one.
func ObjectName(profile string) string {
	name := "baton-" + strings.ReplaceAll(profile, "_", "-")
	name = strings.TrimRight(name, "-")
	if len(name) <= 52 && name == "baton-"+profile {
		return name
	}
	sum := sha256.Sum256([]byte(profile))
	suffix := hex.EncodeToString(sum[:])[:6]
	if len(name) > 45 {
		name = strings.TrimRight(name[:45], "-")
	}
	return name + "-" + suffix
}

// labelValue makes s a valid label value: letters, digits, '-', '_' and
// '.', at most 63, starting and ending alphanumeric.
func labelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	out := string(b)
	if len(out) > 63 {
		out = out[:63]
	}
	return strings.Trim(out, "-_.")
}

// quote writes s as a YAML double-quoted scalar. JSON strings are YAML, and
// they escape newlines and control characters.
func quote(s string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// quoteExpanded quotes s for a field the kubelet expands: a container's
// command, args and env[].value, where "$(NAME)" is replaced by the
// variable NAME, a Secret's value included, and "$$" becomes "$". Every '$'
// is doubled, so the container sees s exactly.
func quoteExpanded(s string) (string, error) {
	return quote(strings.ReplaceAll(s, "$", "$$"))
}

func execute(name string, d *Data) ([]byte, error) {
	return render.ExecuteFS(templates.Kubernetes, "kubernetes/"+name, template.FuncMap{"q": quote, "qx": quoteExpanded}, d)
}

// Dir returns the directory the manifests of a plan go to.
func Dir(p *plan.Plan) string { return filepath.Join(p.Output.Dir, Subdir) }

// connectorImage picks the image that runs the connector and the arguments
// that come before baton-setup's own.
func connectorImage(p *plan.Plan, opts Options, uploader string) (string, []string, error) {
	switch {
	case opts.ConnectorImage != "":
		return opts.ConnectorImage, nil, nil
	case p.Connector.Image != "":
		return p.Connector.Image, nil, nil
	case p.Connector.Name == discover.DemoName:
		// The demo connector is a subcommand of baton-setup itself.
		return uploader, []string{discover.DemoSubcommand}, nil
	}
	if e, ok := catalog.Lookup(p.Connector.Name); ok && e.Image != "" {
		return e.Image + ":latest", nil, nil
	}
	return "", nil, plan.SettingErrorf(plan.SettingImage, "find the %s connector's image: it is not in the catalog", p.Connector.Name).WithHint("give its container image with %s", plan.Placeholder)
}

func secretLine(name, value string) (render.EnvLine, error) {
	if !envName().MatchString(name) {
		return render.EnvLine{}, fmt.Errorf("render manifests: %q is not a usable environment variable name", name)
	}
	if strings.ContainsRune(value, 0) || !utf8.ValidString(value) {
		return render.EnvLine{}, fmt.Errorf("render manifests: the value of %s holds a NUL byte or is not UTF-8 text, which an environment variable cannot carry", name)
	}
	return render.EnvLine{Name: name, Value: value}, nil
}

// serviceModeVars switch a connector into a long-running service; a
// scheduled sync must never set them.
var serviceModeVars = map[string]bool{"BATON_CLIENT_ID": true, "BATON_CLIENT_SECRET": true}

// NewData checks the plan against the target and makes the templates'
// view of it.
func NewData(p *plan.Plan, opts Options) (*Data, error) {
	if err := p.Validate(); err != nil {
		return nil, plan.AsSetting(plan.SettingValue, err)
	}
	service := p.Mode == plan.ModeService
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if err := ValidateNamespace(ns); err != nil {
		return nil, plan.AsSetting(plan.SettingNamespace, err)
	}
	uploader := opts.UploaderImage
	if uploader == "" {
		uploader = DefaultUploaderImage
	}
	if err := container.CheckImage(uploader); err != nil {
		return nil, plan.SettingErrorf(plan.SettingUploaderImage, "uploader %w", err)
	}
	img, args, err := connectorImage(p, opts, uploader)
	if err != nil {
		return nil, err
	}
	if err := container.CheckImage(img); err != nil {
		return nil, plan.SettingErrorf(plan.SettingImage, "connector %w", err)
	}
	if p.Output.Dir == "" || !filepath.IsAbs(p.Output.Dir) {
		return nil, fmt.Errorf("render manifests: output directory %q is not absolute", p.Output.Dir)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Hour
	}
	if timeout < time.Second {
		return nil, plan.SettingErrorf(plan.SettingTimeout, "render manifests: timeout %s is shorter than a second", timeout)
	}
	name := ObjectName(p.Profile)
	component := "sync"
	if service {
		component = "service"
	}
	d := &Data{
		Profile:       p.Profile,
		ConnectorName: p.Connector.Name,
		Dir:           Dir(p),
		Namespace:     ns,
		Name:          name,
		SecretName:    name,
		AWSSecretName: name + "-aws",
		Labels: []KV{
			{"app.kubernetes.io/name", labelValue("baton-" + strings.TrimPrefix(p.Connector.Name, "baton-"))},
			{"app.kubernetes.io/instance", name},
			{"app.kubernetes.io/component", component},
			{"app.kubernetes.io/managed-by", "baton-setup"},
		},
		SelectorLabels: []KV{
			{"app.kubernetes.io/instance", name},
			{"app.kubernetes.io/component", component},
		},
		Service:         service,
		ConnectorImage:  img,
		UploaderImage:   uploader,
		DeadlineSeconds: int(timeout / time.Second),
		TimeZone:        TimeZone,
		Dest:            p.Destination,
	}
	d.UsesSetupImage = !service || img == uploader
	for _, e := range p.ConnectorEnv() {
		if serviceModeVars[e.Name] {
			return nil, plan.SettingErrorf(plan.SettingValue, "render manifests: %s is set as a connector value; ConductorOne's client credentials belong to service mode only", e.Name)
		}
		line, err := secretLine(e.Name, e.Value)
		if err != nil {
			return nil, err
		}
		if e.Secret {
			d.Secrets = append(d.Secrets, line)
		} else {
			d.Env = append(d.Env, line)
		}
	}
	if service {
		return d, serviceData(d, p, args)
	}
	return d, syncData(d, p, args)
}

func serviceData(d *Data, p *plan.Plan, args []string) error {
	if p.Service.ClientID == "" || p.Secrets[plan.SecretClientSecret].IsZero() {
		return plan.SettingErrorf(plan.SettingClientID, "render manifests: service mode needs the ConductorOne client ID and client secret")
	}
	for _, kv := range [][2]string{
		{"BATON_CLIENT_ID", p.Service.ClientID},
		{plan.SecretClientSecret, p.Secrets[plan.SecretClientSecret].Reveal()},
	} {
		line, err := secretLine(kv[0], kv[1])
		if err != nil {
			return err
		}
		d.Secrets = append(d.Secrets, line)
	}
	d.ConnectorArgs = append(append(d.ConnectorArgs, args...), "--log-format", "json")
	return nil
}

func syncData(d *Data, p *plan.Plan, args []string) error {
	dest := p.Destination
	if dest.Kind != plan.DestS3 {
		return plan.SettingErrorf(plan.SettingDest, "render manifests: the kubernetes target needs an s3:// destination (got %s): a pod's files are gone when it ends", dest).WithHint("give %s s3://BUCKET/KEY", plan.Placeholder)
	}
	if err := dest.Validate(); err != nil {
		return err
	}
	spec, err := schedule.Normalize(p.Schedule.Cron)
	if err != nil {
		return plan.SettingErrorf(plan.SettingSchedule, "render manifests: %w", err)
	}
	d.Schedule = spec
	d.Description = strings.Replace(schedule.Describe(spec), "(server time)", "("+TimeZone+")", 1)
	d.ConnectorArgs = append(append(d.ConnectorArgs, args...), "--file", "/out/sync.c1z", "--log-format", "json")
	d.UploadArgs = []string{"upload", "--file", "/out/sync.c1z", "--dest", dest.String()}
	if dest.Region != "" {
		d.UploadArgs = append(d.UploadArgs, "--region", dest.Region)
	}
	if dest.Endpoint != "" {
		d.UploadArgs = append(d.UploadArgs, "--endpoint", dest.Endpoint)
	}
	switch dest.Credentials {
	case plan.CredProfile:
		return plan.SettingErrorf(plan.SettingAWSProfile, "render manifests: AWS profile %s lives in this machine's AWS config, which a pod does not have", dest.AWSProfile).WithHint("use an IAM role for the pod's ServiceAccount (the default), or static keys")
	case plan.CredStatic:
		// Long-term keys go into a Secret of their own for the upload
		// container, instead of a role annotation on the ServiceAccount.
		if dest.AccessKeyID.IsZero() || dest.SecretAccessKey.IsZero() {
			return plan.SettingErrorf(plan.SettingAWSKeys, "render manifests: static AWS keys need both the access key ID and the secret access key")
		}
		for _, kv := range [][2]string{{"AWS_ACCESS_KEY_ID", dest.AccessKeyID.Reveal()}, {"AWS_SECRET_ACCESS_KEY", dest.SecretAccessKey.Reveal()}} {
			line, err := secretLine(kv[0], kv[1])
			if err != nil {
				return err
			}
			d.AWSSecrets = append(d.AWSSecrets, line)
		}
		if dest.RoleARN != "" {
			d.UploadArgs = append(d.UploadArgs, "--role-arn", dest.RoleARN)
			if dest.ExternalID != "" {
				d.UploadArgs = append(d.UploadArgs, "--external-id", dest.ExternalID)
			}
		}
		return nil
	}
	// The pod gets its identity from the ServiceAccount (IRSA). A role with
	// an external ID is meant to be assumed, not worn, so the upload assumes
	// it on top of the pod's own.
	d.IRSA = true
	switch {
	case dest.RoleARN != "" && dest.ExternalID == "":
		d.RoleARN = dest.RoleARN
	case dest.RoleARN != "":
		d.AssumeRole = dest.RoleARN
		d.UploadArgs = append(d.UploadArgs, "--role-arn", dest.RoleARN, "--external-id", dest.ExternalID)
		fallthrough
	default:
		d.RoleARN, d.RolePlaceholder = RolePlaceholder, true
	}
	return nil
}

// Files renders the manifests and README.txt. secret.yaml is the only
// file with secret values; all are 0600, in a 0700 directory.
func Files(p *plan.Plan, opts Options) ([]render.File, *Data, error) {
	d, err := NewData(p, opts)
	if err != nil {
		return nil, nil, err
	}
	names := []string{"secret.yaml", "serviceaccount.yaml", "cronjob.yaml", "README.txt"}
	if d.Service {
		names[2] = "deployment.yaml"
	}
	files := make([]render.File, 0, len(names))
	for _, n := range names {
		content, err := execute(n+".tmpl", d)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, render.File{
			Name: n, Path: filepath.Join(d.Dir, n), Mode: 0o600,
			Secret: n == "secret.yaml", Content: content,
		})
	}
	return files, d, nil
}

// Result says what was written, or would be in a dry run.
type Result struct {
	Dir     string          `json:"dir"`
	Files   []render.File   `json:"files"`
	Changes []render.Change `json:"changes"`
	DryRun  bool            `json:"dryRun,omitempty"`
	// Mode is "sync" (a CronJob) or "service" (a Deployment).
	Mode           string `json:"mode"`
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	ConnectorImage string `json:"connectorImage"`
	UploaderImage  string `json:"uploaderImage,omitempty"`
	// Schedule is set for a CronJob; its times are in TimeZone.
	Schedule *schedule.Preview `json:"schedule,omitempty"`
	TimeZone string            `json:"timeZone,omitempty"`
	// RolePlaceholder is set when serviceaccount.yaml needs the user's
	// IAM role ARN before it is applied.
	RolePlaceholder bool     `json:"rolePlaceholder,omitempty"`
	ApplyCommands   []string `json:"applyCommands"`
	Dest            string   `json:"dest,omitempty"`
	Key             string   `json:"key,omitempty"`
}

// Run renders the plan's manifests and writes them atomically into
// Dir(p), keeping earlier versions in its backup/ directory.
func Run(p *plan.Plan, opts Options) (Result, error) {
	files, d, err := Files(p, opts)
	if err != nil {
		return Result{}, err
	}
	masked, err := maskedSecret(d)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Dir: d.Dir, Files: files, DryRun: opts.DryRun, Mode: "sync",
		Namespace: d.Namespace, Name: d.Name, ConnectorImage: d.ConnectorImage,
		RolePlaceholder: d.RolePlaceholder,
		ApplyCommands: []string{
			"kubectl create namespace " + d.Namespace,
			"kubectl apply -f " + d.Dir,
		},
	}
	for i := range files {
		if files[i].Secret {
			files[i].Masked = masked
		}
	}
	if d.Service {
		res.Mode = "service"
	} else {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		pv, err := schedule.NewPreview(d.Schedule, now().In(time.UTC))
		if err != nil {
			return Result{}, err
		}
		// The CronJob names its zone; "server time" would mislead.
		pv.Description = d.Description
		res.Schedule, res.TimeZone = &pv, TimeZone
		res.UploaderImage, res.Dest, res.Key = d.UploaderImage, d.Dest.String(), d.Dest.Key
	}
	old := map[string][]byte{}
	for _, f := range files {
		if f.Secret {
			old[f.Path] = readIfRegular(f.Path)
		}
	}
	res.Changes, err = render.Write(d.Dir, files, render.WriteOptions{DryRun: opts.DryRun, Now: opts.Now})
	for i := range res.Changes {
		if c := &res.Changes[i]; files[i].Secret && c.Action == render.Update && !bytes.Equal(old[files[i].Path], files[i].Content) {
			// render's masking reads env files; this one is YAML.
			c.Diff = secretDiff(files[i], old[files[i].Path])
		}
	}
	return res, err
}
