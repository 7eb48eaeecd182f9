package kube

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aymanbagabas/go-udiff"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden from the current output")

// Values that break naive quoting. Every secret holds a canary, so a test
// can tell where each one ends up.
const (
	trickyLabel  = "it's \"quoted\" `id` $HOME: #not-a-comment\nsecond line ✓ 東京 100%"
	trickyToken  = "canary-token'\"$(id)`id`\\$HOME!*?~#;&|<>()[]{}=%: - yes"
	pemKey       = "-----BEGIN PRIVATE KEY-----\ncanary-pem-MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w\n-----END PRIVATE KEY-----\n"
	clientID     = "clever-fox-1234@acme.conductor.one/pcc"
	clientSecret = "secret-token:acme.conductor.one:v1:canary-client-secret"
	accessKey    = "AKIACANARYKEY12345"
	secretKey    = "canary/aws+secret/key0123456789"
)

var secretValues = []string{trickyToken, pemKey, clientSecret, accessKey, secretKey}

// golden compares got with testdata/<dir>/<name>.golden, or rewrites it
// with -update.
func golden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", dir, name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/kube -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; if the change is intended, run `go test ./internal/kube -update`:\n%s",
			name, path, udiff.Unified(path, "got", string(want), string(got)))
	}
}

func testPlan(dir string, dest plan.Destination) *plan.Plan {
	return testenv.OktaPlan(dir, dest, "17 * * * *", testenv.OktaValues{Label: trickyLabel, Token: trickyToken, PEM: pemKey})
}

type testCase struct {
	name string
	plan *plan.Plan
	opts Options
}

func cases(dir string) []testCase {
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "baton/okta/sync.c1z", Region: "us-east-1"}

	role := testPlan(dir, s3)
	role.Destination.RoleARN = "arn:aws:iam::123456789012:role/baton-upload"
	role.Destination.Credentials = plan.CredRole

	assume := testPlan(dir, s3)
	assume.Destination.RoleARN = "arn:aws:iam::123456789012:role/c1-datasource"
	assume.Destination.ExternalID = "c1-external-id-42"
	assume.Destination.Credentials = plan.CredRole

	static := testPlan(dir, s3)
	static.Destination.Credentials = plan.CredStatic
	static.Destination.AccessKeyID = plan.NewSecret(accessKey)
	static.Destination.SecretAccessKey = plan.NewSecret(secretKey)

	demo := testPlan(dir, plan.Destination{Kind: plan.DestS3, Bucket: "demo-bucket", Key: "demo/sync.c1z", Endpoint: "http://minio.minio.svc:9000"})
	demo.Profile = "demo_team"
	demo.Connector = plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup", Args: []string{"demo-connector"}, Schema: demo.Connector.Schema}
	demo.Schedule.Cron = "30 2 * * 1-5"

	service := testPlan(dir, plan.Destination{})
	service.Mode = plan.ModeService
	service.Service.ClientID = clientID
	service.Secrets[plan.SecretClientSecret] = plan.NewSecret(clientSecret)

	return []testCase{
		{"irsa", testPlan(dir, s3), Options{}},
		{"role", role, Options{Namespace: "identity", UploaderImage: "registry.example.com/baton-setup:v1.2.3"}},
		{"assume", assume, Options{Timeout: 90 * time.Minute}},
		{"static", static, Options{ConnectorImage: "registry.example.com/mirror/baton-okta:v0.5.26"}},
		{"demo", demo, Options{UploaderImage: "registry.example.com/baton-setup:dev"}},
		{"service", service, Options{}},
	}
}

const outDir = "/home/op/.config/baton-setup/okta-prod"

// TestGolden renders every case and compares each file with its golden.
func TestGolden(t *testing.T) {
	for _, tc := range cases(outDir) {
		t.Run(tc.name, func(t *testing.T) {
			files, _, err := Files(tc.plan, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Path != filepath.Join(outDir, "kubernetes", f.Name) {
					t.Errorf("path %s", f.Path)
				}
				if f.Mode != 0o600 {
					t.Errorf("%s: mode %04o, want 0600", f.Name, f.Mode)
				}
				if f.Secret != (f.Name == "secret.yaml") {
					t.Errorf("%s: Secret = %v", f.Name, f.Secret)
				}
				golden(t, tc.name, f.Name, f.Content)
			}
		})
	}
}

// documents splits a multi-document YAML file.
func documents(content []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(content, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

// decode strictly decodes YAML into an API type: an unknown or misspelt
// field fails, as it would with kubectl's server-side validation.
func decode(t *testing.T, name string, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, doc)
	}
}

type manifests struct {
	secrets  []corev1.Secret
	sa       corev1.ServiceAccount
	cronJob  *batchv1.CronJob
	deploy   *appsv1.Deployment
	files    map[string][]byte
	fileList []string
}

func decodeAll(t *testing.T, files []render.File) manifests {
	t.Helper()
	m := manifests{files: map[string][]byte{}}
	for _, f := range files {
		m.files[f.Name] = f.Content
		m.fileList = append(m.fileList, f.Name)
		switch f.Name {
		case "secret.yaml":
			for _, doc := range documents(f.Content) {
				var s corev1.Secret
				decode(t, f.Name, doc, &s)
				m.secrets = append(m.secrets, s)
			}
		case "serviceaccount.yaml":
			decode(t, f.Name, f.Content, &m.sa)
		case "cronjob.yaml":
			m.cronJob = &batchv1.CronJob{}
			decode(t, f.Name, f.Content, m.cronJob)
		case "deployment.yaml":
			m.deploy = &appsv1.Deployment{}
			decode(t, f.Name, f.Content, m.deploy)
		case "README.txt":
		default:
			t.Errorf("unexpected file %s", f.Name)
		}
	}
	return m
}

func checkMeta(t *testing.T, kind, apiVersion string, tm metav1.TypeMeta, name, ns, instance string, om interface {
	GetName() string
	GetNamespace() string
	GetLabels() map[string]string
}) {
	t.Helper()
	if tm.Kind != kind || tm.APIVersion != apiVersion {
		t.Errorf("%s: kind %s apiVersion %s", kind, tm.Kind, tm.APIVersion)
	}
	if om.GetName() != name || om.GetNamespace() != ns {
		t.Errorf("%s: name %q namespace %q, want %q %q", kind, om.GetName(), om.GetNamespace(), name, ns)
	}
	for _, msg := range validation.IsDNS1123Label(om.GetName()) {
		t.Errorf("%s name %q: %s", kind, om.GetName(), msg)
	}
	checkLabels(t, kind, om.GetLabels(), instance)
}

func checkLabels(t *testing.T, what string, labels map[string]string, name string) {
	t.Helper()
	if labels["app.kubernetes.io/instance"] != name || labels["app.kubernetes.io/managed-by"] != "baton-setup" {
		t.Errorf("%s labels: %v", what, labels)
	}
	for k, v := range labels {
		for _, msg := range validation.IsQualifiedName(k) {
			t.Errorf("%s label key %q: %s", what, k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			t.Errorf("%s label %s=%q: %s", what, k, v, msg)
		}
	}
}

func envValue(env []corev1.EnvVar, name string) (string, bool) {
	for _, e := range env {
		if e.Name == name {
			if e.ValueFrom != nil {
				return "", false
			}
			return e.Value, true
		}
	}
	return "", false
}

func hasSecretRef(from []corev1.EnvFromSource, name string) bool {
	for _, f := range from {
		if f.SecretRef != nil && f.SecretRef.Name == name {
			return true
		}
	}
	return false
}

func checkResources(t *testing.T, what string, r corev1.ResourceRequirements) {
	t.Helper()
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, ok := r.Requests[res]
		lim, ok2 := r.Limits[res]
		if !ok || !ok2 || req.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: %s request %v limit %v", what, res, r.Requests[res], r.Limits[res])
		}
	}
}

func checkContainerSecurity(t *testing.T, c corev1.Container) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container %s: securityContext %+v", c.Name, sc)
	}
}

func checkPodSecurity(t *testing.T, spec corev1.PodSpec) {
	t.Helper()
	sc := spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want non-root", sc)
	}
}

func mountPath(c corev1.Container, volume string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	return ""
}

// TestManifestsDecode decodes every manifest into the Kubernetes API types
// and checks what makes them work together.
func TestManifestsDecode(t *testing.T) {
	for _, tc := range cases(outDir) {
		t.Run(tc.name, func(t *testing.T) {
			files, d, err := Files(tc.plan, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			m := decodeAll(t, files)
			name, ns := d.Name, d.Namespace
			if tc.opts.Namespace != "" && ns != tc.opts.Namespace {
				t.Errorf("namespace %s, want %s", ns, tc.opts.Namespace)
			}

			// Secrets: the connector's, and the AWS keys apart.
			wantSecrets := 1
			if tc.plan.Destination.Credentials == plan.CredStatic {
				wantSecrets = 2
			}
			if len(m.secrets) != wantSecrets {
				t.Fatalf("%d Secrets, want %d", len(m.secrets), wantSecrets)
			}
			conn := m.secrets[0]
			checkMeta(t, "Secret", "v1", conn.TypeMeta, name, ns, name, &conn)
			want := map[string]string{"BATON_API_TOKEN": trickyToken, "BATON_PRIVATE_KEY": pemKey}
			if tc.plan.Mode == plan.ModeService {
				want["BATON_CLIENT_ID"] = clientID
				want["BATON_CLIENT_SECRET"] = clientSecret
			}
			if !mapsEqual(conn.StringData, want) {
				t.Errorf("connector Secret stringData = %q, want %q", conn.StringData, want)
			}
			if wantSecrets == 2 {
				aws := m.secrets[1]
				checkMeta(t, "Secret", "v1", aws.TypeMeta, name+"-aws", ns, name, &aws)
				if !mapsEqual(aws.StringData, map[string]string{"AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey}) {
					t.Errorf("AWS Secret stringData = %q", aws.StringData)
				}
			}

			// No secret value anywhere but secret.yaml.
			for fname, content := range m.files {
				if fname == "secret.yaml" {
					continue
				}
				for _, v := range secretValues {
					if bytes.Contains(content, []byte(strings.TrimSpace(v))) {
						t.Errorf("%s holds the secret value %q", fname, v)
					}
				}
				if bytes.Contains(content, []byte("canary")) {
					t.Errorf("%s holds a canary", fname)
				}
			}

			checkMeta(t, "ServiceAccount", "v1", m.sa.TypeMeta, name, ns, name, &m.sa)
			if tc.plan.Mode == plan.ModeService {
				checkDeployment(t, m, d, tc)
				return
			}
			checkCronJob(t, m, d, tc)
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func checkCronJob(t *testing.T, m manifests, d *Data, tc testCase) {
	t.Helper()
	if m.deploy != nil || m.cronJob == nil {
		t.Fatalf("files %v: want cronjob.yaml and no deployment.yaml", m.fileList)
	}
	cj := m.cronJob
	name, ns := d.Name, d.Namespace
	checkMeta(t, "CronJob", "batch/v1", cj.TypeMeta, name, ns, name, cj)
	if len(name) > 52 {
		t.Errorf("CronJob name %q is longer than 52 characters", name)
	}
	if cj.Spec.Schedule != tc.plan.Schedule.Cron {
		t.Errorf("schedule %q, want the plan's %q", cj.Spec.Schedule, tc.plan.Schedule.Cron)
	}
	if cj.Spec.TimeZone == nil || *cj.Spec.TimeZone != TimeZone {
		t.Errorf("timeZone %v", cj.Spec.TimeZone)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	job := cj.Spec.JobTemplate.Spec
	if job.BackoffLimit == nil || *job.BackoffLimit > 2 {
		t.Errorf("backoffLimit %v", job.BackoffLimit)
	}
	wantDeadline := int64(3600)
	if tc.opts.Timeout != 0 {
		wantDeadline = int64(tc.opts.Timeout / time.Second)
	}
	if job.ActiveDeadlineSeconds == nil || *job.ActiveDeadlineSeconds != wantDeadline {
		t.Errorf("activeDeadlineSeconds %v, want %d", job.ActiveDeadlineSeconds, wantDeadline)
	}
	pod := job.Template.Spec
	checkLabels(t, "pod template", job.Template.Labels, name)
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q, want Never", pod.RestartPolicy)
	}
	if pod.ServiceAccountName != m.sa.Name {
		t.Errorf("serviceAccountName %q, ServiceAccount %q", pod.ServiceAccountName, m.sa.Name)
	}
	checkPodSecurity(t, pod)
	if len(pod.InitContainers) != 1 || len(pod.Containers) != 1 {
		t.Fatalf("%d init containers and %d containers, want 1 and 1", len(pod.InitContainers), len(pod.Containers))
	}
	syncC, up := pod.InitContainers[0], pod.Containers[0]

	// The connector writes /out/sync.c1z to an emptyDir the upload reads.
	wantImage := "public.ecr.aws/conductorone/baton-okta:latest"
	switch {
	case tc.opts.ConnectorImage != "":
		wantImage = tc.opts.ConnectorImage
	case tc.plan.Connector.Name == "demo":
		wantImage = tc.opts.UploaderImage
	}
	if syncC.Image != wantImage {
		t.Errorf("init container image %q, want %q", syncC.Image, wantImage)
	}
	if i := slices.Index(syncC.Args, "--file"); i < 0 || i+1 >= len(syncC.Args) || syncC.Args[i+1] != "/out/sync.c1z" {
		t.Errorf("connector args %q: want --file /out/sync.c1z", syncC.Args)
	}
	if tc.plan.Connector.Name == "demo" && (len(syncC.Args) == 0 || syncC.Args[0] != "demo-connector") {
		t.Errorf("demo args %q: want demo-connector first", syncC.Args)
	}
	if i := slices.Index(up.Args, "--file"); up.Args[0] != "upload" || i < 0 || up.Args[i+1] != "/out/sync.c1z" {
		t.Errorf("upload args %q", up.Args)
	}
	if i := slices.Index(up.Args, "--dest"); i < 0 || up.Args[i+1] != tc.plan.Destination.String() {
		t.Errorf("upload args %q: want --dest %s", up.Args, tc.plan.Destination)
	}
	var out *corev1.Volume
	for i, v := range pod.Volumes {
		if v.EmptyDir == nil {
			t.Errorf("volume %s is not an emptyDir", v.Name)
		}
		if v.Name == "out" {
			out = &pod.Volumes[i]
		}
	}
	if out == nil || mountPath(syncC, "out") != "/out" || mountPath(up, "out") != "/out" {
		t.Errorf("the out emptyDir is not mounted at /out in both containers: %+v / %+v", syncC.VolumeMounts, up.VolumeMounts)
	}
	if syncC.WorkingDir != "/out" {
		t.Errorf("connector workingDir %q", syncC.WorkingDir)
	}

	// Secrets reach containers by name only.
	if !hasSecretRef(syncC.EnvFrom, d.SecretName) {
		t.Errorf("connector envFrom %+v: want secretRef %s", syncC.EnvFrom, d.SecretName)
	}
	if hasSecretRef(up.EnvFrom, d.SecretName) {
		t.Error("the upload container gets the connector's secrets")
	}
	static := tc.plan.Destination.Credentials == plan.CredStatic
	if hasSecretRef(up.EnvFrom, d.AWSSecretName) != static || hasSecretRef(syncC.EnvFrom, d.AWSSecretName) {
		t.Errorf("AWS Secret refs: upload %+v, connector %+v", up.EnvFrom, syncC.EnvFrom)
	}
	for _, c := range []corev1.Container{syncC, up} {
		for _, e := range c.Env {
			if e.ValueFrom != nil {
				continue
			}
			for _, v := range secretValues {
				if strings.Contains(e.Value, strings.TrimSpace(v)) {
					t.Errorf("%s: env %s holds a secret value inline", c.Name, e.Name)
				}
			}
		}
		checkResources(t, c.Name, c.Resources)
		checkContainerSecurity(t, c)
	}
	if v, ok := envValue(syncC.Env, "BATON_DOMAIN"); !ok || v != "example.okta.com" {
		t.Errorf("BATON_DOMAIN = %q, %v", v, ok)
	}
	if v, ok := envValue(syncC.Env, "BATON_LABEL"); !ok || expand(v, nil) != trickyLabel {
		t.Errorf("BATON_LABEL = %q, %v; want the value back unchanged", v, ok)
	}

	// Where the upload gets its AWS identity.
	dest := tc.plan.Destination
	ann := m.sa.Annotations["eks.amazonaws.com/role-arn"]
	roleArg := slices.Contains(up.Args, "--role-arn")
	switch {
	case static:
		if ann != "" || m.sa.AutomountServiceAccountToken == nil || *m.sa.AutomountServiceAccountToken {
			t.Errorf("static keys: annotation %q, automount %v", ann, m.sa.AutomountServiceAccountToken)
		}
	case dest.RoleARN != "" && dest.ExternalID == "":
		if ann != dest.RoleARN || roleArg {
			t.Errorf("role: annotation %q, upload args %q; want the role on the ServiceAccount only", ann, up.Args)
		}
	case dest.RoleARN != "":
		if ann != RolePlaceholder || !roleArg || !slices.Contains(up.Args, dest.ExternalID) {
			t.Errorf("role with external ID: annotation %q, upload args %q", ann, up.Args)
		}
	default:
		if ann != RolePlaceholder || roleArg {
			t.Errorf("no role: annotation %q, upload args %q", ann, up.Args)
		}
	}
}

func checkDeployment(t *testing.T, m manifests, d *Data, tc testCase) {
	t.Helper()
	if m.cronJob != nil || m.deploy == nil {
		t.Fatalf("files %v: want deployment.yaml and no cronjob.yaml", m.fileList)
	}
	dep := m.deploy
	checkMeta(t, "Deployment", "apps/v1", dep.TypeMeta, d.Name, d.Namespace, d.Name, dep)
	if dep.Spec.Selector == nil || len(dep.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("no selector")
	}
	for k, v := range dep.Spec.Selector.MatchLabels {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod template labels %v", k, v, dep.Spec.Template.Labels)
		}
	}
	pod := dep.Spec.Template.Spec
	checkPodSecurity(t, pod)
	if pod.ServiceAccountName != m.sa.Name {
		t.Errorf("serviceAccountName %q", pod.ServiceAccountName)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("containers %d, init %d", len(pod.Containers), len(pod.InitContainers))
	}
	c := pod.Containers[0]
	if c.Image != "public.ecr.aws/conductorone/baton-okta:latest" {
		t.Errorf("image %q", c.Image)
	}
	if slices.Contains(c.Args, "--file") {
		t.Errorf("service mode args %q: no --file", c.Args)
	}
	if !hasSecretRef(c.EnvFrom, d.SecretName) {
		t.Errorf("envFrom %+v", c.EnvFrom)
	}
	for _, name := range []string{"BATON_CLIENT_ID", "BATON_CLIENT_SECRET"} {
		if _, inline := envValue(c.Env, name); inline {
			t.Errorf("%s is inline; want it from the Secret", name)
		}
	}
	checkResources(t, c.Name, c.Resources)
	checkContainerSecurity(t, c)
	if _, ok := m.sa.Annotations["eks.amazonaws.com/role-arn"]; ok {
		t.Error("service mode needs no AWS role")
	}
}

func TestObjectName(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := []struct{ profile, want string }{
		{"okta", "baton-okta"},
		{"okta-prod", "baton-okta-prod"},
		{"a_b", ""},
		{"a-b", "baton-a-b"},
		{"trailing-", ""},
		{long, ""},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			if err := plan.ValidateProfile(tt.profile); err != nil {
				t.Fatal(err)
			}
			got := ObjectName(tt.profile)
			if tt.want != "" && got != tt.want {
				t.Errorf("ObjectName(%q) = %q, want %q", tt.profile, got, tt.want)
			}
			if len(got) > 52 {
				t.Errorf("%q: %d characters, a CronJob allows 52", got, len(got))
			}
			for _, msg := range validation.IsDNS1123Label(got) {
				t.Errorf("%q: %s", got, msg)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("profiles %q and %q share %q", other, tt.profile, got)
			}
			seen[got] = tt.profile
		})
	}
}

func TestValidateNamespace(t *testing.T) {
	for _, ns := range []string{"baton", "a", "team-1", strings.Repeat("x", 63)} {
		if err := ValidateNamespace(ns); err != nil {
			t.Errorf("%q: %v", ns, err)
		}
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			t.Errorf("%q: test value invalid: %v", ns, msgs)
		}
	}
	for _, ns := range []string{"", "Baton", "-baton", "baton-", "ba_ton", "ba.ton", strings.Repeat("x", 64)} {
		if err := ValidateNamespace(ns); err == nil {
			t.Errorf("%q: accepted", ns)
		}
		if msgs := validation.IsDNS1123Label(ns); len(msgs) == 0 {
			t.Errorf("%q: test value is valid", ns)
		}
	}
}

// TestInputErrors checks what the kubernetes target refuses, and that
// each refusal is an InputError (the CLI exits 2 for it).
func TestInputErrors(t *testing.T) {
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "baton/okta/sync.c1z"}
	local := testPlan(outDir, plan.Destination{Kind: plan.DestLocal})
	profile := testPlan(outDir, s3)
	profile.Destination.Credentials, profile.Destination.AWSProfile = plan.CredProfile, "uploader"
	unknown := testPlan(outDir, s3)
	unknown.Connector.Name = "acme-internal"
	tests := []struct {
		name string
		plan *plan.Plan
		opts Options
		want string
	}{
		{"local destination", local, Options{}, "needs an s3:// destination"},
		{"AWS profile", profile, Options{}, "AWS profile uploader"},
		{"unknown connector", unknown, Options{}, "not in the catalog"},
		{"namespace", testPlan(outDir, s3), Options{Namespace: "Bad_NS"}, "namespace"},
		{"image", testPlan(outDir, s3), Options{ConnectorImage: "img --privileged"}, "image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Files(tt.plan, tt.opts)
			var ie *plan.SettingError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a SettingError with %q", err, tt.want)
			}
			for _, v := range secretValues {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error shows a secret value: %v", err)
				}
			}
		})
	}
}

// TestRunWritesAndMasks writes the manifests, regenerates with a changed
// secret, and checks modes, dry runs and that no output shows a value.
func TestRunWritesAndMasks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "baton/okta/sync.c1z"}
	p := testPlan(dir, s3)
	now := func() time.Time { return time.Date(2026, 11, 25, 19, 5, 0, 0, time.UTC) }

	dry, err := Run(p, Options{DryRun: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("dry run created %s: %v", dir, err)
	}
	var printed bytes.Buffer
	render.PrintChanges(&printed, dry.Changes, func(i int) string { return dry.Files[i].Shown() }, true)
	dry.Schedule.Print(&printed)
	fmt.Fprintln(&printed, strings.Join(dry.ApplyCommands, "\n"), dry.Key, RolePlaceholder)
	text := printed.String()
	for _, want := range []string{"would write " + filepath.Join(dir, "kubernetes", "secret.yaml"), `BATON_API_TOKEN: "••••"`, "concurrencyPolicy: Forbid", "kubectl apply -f " + filepath.Join(dir, "kubernetes"), "baton/okta/sync.c1z", "next runs: Wed 2026-11-25 19:17 UTC"} {
		if !strings.Contains(text, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, text)
		}
	}
	checkNoSecret(t, "dry-run output", text)

	res, err := Run(p, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	kdir := filepath.Join(dir, "kubernetes")
	if res.Dir != kdir {
		t.Errorf("Dir = %s", res.Dir)
	}
	for _, d := range []string{dir, kdir} {
		if got := testenv.Mode(t, d); got != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, got)
		}
	}
	for _, name := range []string{"secret.yaml", "serviceaccount.yaml", "cronjob.yaml", "README.txt"} {
		if got := testenv.Mode(t, filepath.Join(kdir, name)); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, got)
		}
	}
	secret, _ := os.ReadFile(filepath.Join(kdir, "secret.yaml"))
	var s corev1.Secret
	decode(t, "secret.yaml", secret, &s)
	if s.StringData["BATON_API_TOKEN"] != trickyToken {
		t.Errorf("written Secret lost the token: %q", s.StringData["BATON_API_TOKEN"])
	}

	// A new token and the same key: the diff names BATON_API_TOKEN only.
	p.SetValue(testenv.OktaSchema().Fields[2], "canary-rotated-token")
	res, err = Run(p, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var diff string
	for _, c := range res.Changes {
		switch {
		case c.Name == "secret.yaml" && c.Action == render.Update:
			diff = c.Diff
			if c.Backup == "" {
				t.Error("no backup of the previous secret.yaml")
			} else if got := testenv.Mode(t, c.Backup); got != 0o600 {
				t.Errorf("backup mode %o", got)
			}
		case c.Name != "secret.yaml" && c.Action != render.Keep:
			t.Errorf("%s: %s, want unchanged", c.Name, c.Action)
		}
	}
	if !strings.Contains(diff, `BATON_API_TOKEN: "••••" (new value)`) || !strings.Contains(diff, `BATON_API_TOKEN: "••••" (old value)`) {
		t.Errorf("secret diff does not name the changed key:\n%s", diff)
	}
	if strings.Contains(diff, `BATON_PRIVATE_KEY: "••••" (`) {
		t.Errorf("secret diff marks an unchanged key:\n%s", diff)
	}
	printed.Reset()
	render.PrintChanges(&printed, res.Changes, func(i int) string { return res.Files[i].Shown() }, false)
	checkNoSecret(t, "regeneration output", printed.String()+diff)
}

func checkNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range append(slices.Clone(secretValues), "canary-rotated-token") {
		if strings.Contains(text, v) {
			t.Errorf("%s shows the secret value %q", what, v)
		}
	}
}

// TestMaskSecretYAML covers hand-edited Secrets: block scalars and base64
// data are hidden too.
func TestMaskSecretYAML(t *testing.T) {
	in := "apiVersion: v1\nkind: Secret\nstringData:\n  A: |\n    canary-line-1\n    canary-line-2\n  B: \"canary-b\"\ndata:\n  C: Y2FuYXJ5\nmetadata:\n  name: x\n"
	got, values := maskSecretYAML([]byte(in))
	want := "apiVersion: v1\nkind: Secret\nstringData:\n  A: \"••••\"\n  B: \"••••\"\ndata:\n  C: \"••••\"\nmetadata:\n  name: x\n"
	if got != want {
		t.Errorf("masked:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(values["A"], "canary-line-2") || values["C"] != "Y2FuYXJ5" {
		t.Errorf("values = %q", values)
	}
	inline, _ := maskSecretYAML([]byte("stringData: {A: canary}\n"))
	if strings.Contains(inline, "canary") {
		t.Errorf("inline map shown: %s", inline)
	}
}

// expand does what the kubelet does to a container's command, args and
// env[].value (k8s.io/kubernetes third_party/forked/golang/expansion):
// "$$" becomes "$", and "$(NAME)" becomes the value of NAME when the
// container has that variable, from env or envFrom alike.
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(' && strings.IndexByte(s[i+2:], ')') >= 0:
			end := i + 2 + strings.IndexByte(s[i+2:], ')')
			name := s[i+2 : end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : end+1])
			}
			i = end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// TestDollarsSurviveExpansion renders values and arguments holding "$(",
// "$$" and a lone "$": after the kubelet's expansion each container sees
// them exactly, and no Secret value is spliced into a plain one.
func TestDollarsSurviveExpansion(t *testing.T) {
	const label = "tenant=acme$(BATON_API_TOKEN) cost $$5 $(UNSET) $( $"
	const key = "baton/$(BATON_API_TOKEN)/$$/sync.c1z"
	sync := testenv.OktaPlan(outDir, plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: key, Region: "us-east-1"},
		"17 * * * *", testenv.OktaValues{Label: label, Token: trickyToken, PEM: pemKey})
	service := testenv.OktaPlan(outDir, plan.Destination{}, "17 * * * *", testenv.OktaValues{Label: label, Token: trickyToken, PEM: pemKey})
	service.Mode = plan.ModeService
	service.Service.ClientID = clientID
	service.Secrets[plan.SecretClientSecret] = plan.NewSecret(clientSecret)
	for _, p := range []*plan.Plan{sync, service} {
		files, d, err := Files(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := decodeAll(t, files)
		var pod corev1.PodSpec
		wantArgs := map[string][]string{"connector": d.ConnectorArgs, "sync": d.ConnectorArgs, "upload": d.UploadArgs}
		if m.cronJob != nil {
			pod = m.cronJob.Spec.JobTemplate.Spec.Template.Spec
		} else {
			pod = m.deploy.Spec.Template.Spec
		}
		secrets := map[string]map[string]string{}
		for _, s := range m.secrets {
			secrets[s.Name] = s.StringData
		}
		if m.cronJob != nil && !slices.Contains(d.UploadArgs, "s3://acme-baton/"+key) {
			t.Fatalf("upload args %q lack the key", d.UploadArgs)
		}
		for _, c := range append(pod.InitContainers, pod.Containers...) {
			vars := map[string]string{}
			for _, from := range c.EnvFrom {
				for k, v := range secrets[from.SecretRef.Name] {
					vars[k] = v
				}
			}
			for _, e := range c.Env {
				vars[e.Name] = expand(e.Value, vars)
			}
			if c.Name != "upload" {
				if got := vars["BATON_LABEL"]; got != label {
					t.Errorf("%s: BATON_LABEL is %q in the container, want %q", c.Name, got, label)
				}
			}
			var got []string
			for _, a := range c.Args {
				got = append(got, expand(a, vars))
			}
			if !slices.Equal(got, wantArgs[c.Name]) {
				t.Errorf("%s: args are %q in the container, want %q", c.Name, got, wantArgs[c.Name])
			}
		}
	}
}
