package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload"
)

// destAnswers are the destination questions' answers, bound to the
// questions. destinationQuestions asks them and destination reads them
// back.
type destAnswers struct {
	Kind, Bucket, Key, Region, Endpoint       string
	Credentials, Profile, RoleARN, ExternalID string
	AccessKeyID, SecretAccessKey              string
	// ClientID and ClientSecret are service mode's; ClientSecret starts
	// empty, and keptSecret (a saved profile, or Back) stands when it stays
	// empty.
	ClientID, ClientSecret string
	keptSecret             plan.Secret
}

// kindService is the answer that picks service mode instead of a
// destination: the connector runs all the time and needs no sync file.
const kindService = "service"

// newDestAnswers starts from the plan's destination, with a key named after
// the connector and the region of AWS_REGION when none is set.
func newDestAnswers(p *plan.Plan, getenv func(string) string) *destAnswers {
	d := p.Destination
	a := &destAnswers{
		Kind: d.Kind, Bucket: d.Bucket, Key: d.Key, Region: d.Region, Endpoint: d.Endpoint,
		Credentials: d.Credentials, Profile: d.AWSProfile, RoleARN: d.RoleARN, ExternalID: d.ExternalID,
		AccessKeyID: d.AccessKeyID.Reveal(), SecretAccessKey: d.SecretAccessKey.Reveal(),
	}
	if p.Mode == plan.ModeService {
		a.Kind, a.ClientID, a.keptSecret = kindService, p.Service.ClientID, p.Secrets[plan.SecretClientSecret]
	}
	if a.Kind == "" {
		a.Kind = plan.DestS3
	}
	if a.Key == "" {
		a.Key = "baton/" + p.Connector.Name + "/sync.c1z"
	}
	if a.Region == "" && getenv != nil {
		if a.Region = getenv("AWS_REGION"); a.Region == "" {
			a.Region = getenv("AWS_DEFAULT_REGION")
		}
	}
	if a.Endpoint == "" && getenv != nil {
		// Shown in the form, so the endpoint checked is the one saved.
		a.Endpoint, _ = upload.EnvEndpoint(getenv)
	}
	return a
}

// destination turns the answers into a checked destination.
func (a *destAnswers) destination() (plan.Destination, error) {
	d := plan.Destination{Kind: a.Kind}
	if a.Kind == "" {
		return d, errors.New("choose a destination")
	}
	if a.Kind == plan.DestS3 {
		t := strings.TrimSpace
		d.Bucket, d.Key, d.Region, d.Endpoint = t(a.Bucket), t(a.Key), t(a.Region), t(a.Endpoint)
		d.Credentials = a.Credentials
		switch a.Credentials {
		case plan.CredProfile:
			d.AWSProfile = t(a.Profile)
		case plan.CredRole:
			d.RoleARN, d.ExternalID = t(a.RoleARN), t(a.ExternalID)
		case plan.CredStatic:
			d.AccessKeyID, d.SecretAccessKey = plan.NewSecret(t(a.AccessKeyID)), plan.NewSecret(t(a.SecretAccessKey))
		}
	}
	return d, d.Validate()
}

// applyService puts service mode and its credentials into p, after the
// same checks as generate --mode service. No message shows the secret.
func (a *destAnswers) applyService(p *plan.Plan) error {
	id := strings.TrimSpace(a.ClientID)
	if err := plan.ValidateClientID(id); err != nil {
		return err
	}
	secret := a.keptSecret
	if v := strings.TrimSpace(a.ClientSecret); v != "" {
		secret = plan.NewSecret(v)
	}
	if err := plan.ValidateClientSecret(secret.Reveal()); err != nil {
		return err
	}
	// As generate --mode service does: no sync file, upload or schedule.
	p.Mode, p.Service.ClientID = plan.ModeService, id
	p.Destination, p.Schedule = plan.Destination{}, plan.Schedule{}
	if p.Secrets == nil {
		p.Secrets = map[string]plan.Secret{}
	}
	p.Secrets[plan.SecretClientSecret] = secret
	return nil
}

// clientSecretQuestion asks for the client secret without echo; with a
// kept secret it shows its last characters and an empty answer keeps it.
func clientSecretQuestion(a *destAnswers) question {
	q := question{kind: askSecret, title: "Client secret *", value: &a.ClientSecret,
		help: "secret-token:HOST:v1:KEY, shown once next to the client ID; written to service.env (0600) only.",
		validate: func(v string) error {
			v = strings.TrimSpace(v)
			if v == "" && !a.keptSecret.IsZero() {
				return nil
			}
			return plan.ValidateClientSecret(v)
		}}
	if !a.keptSecret.IsZero() {
		// In the title too, where a prompt names what it asks.
		q.title = "Client secret * (saved " + a.keptSecret.Masked() + "; Enter keeps it)"
		q.placeholder = a.keptSecret.Masked() + " (enter keeps it)"
	}
	return q
}

// checkField validates one answer by placing it in an otherwise valid
// destination, so the form and Validate share one set of rules.
func checkField(mut func(d *plan.Destination, v string)) func(string) error {
	return func(v string) error {
		d := plan.Destination{Kind: plan.DestS3, Bucket: "example-bucket", Key: "x.c1z"}
		mut(&d, strings.TrimSpace(v))
		return d.Validate()
	}
}

// credentialOptions are the credential modes in the order of preference.
func credentialOptions(profiles []awsconf.Profile) []option {
	profile := "A named profile from the AWS config files"
	if len(profiles) == 0 {
		profile += " (none found)"
	}
	return []option{
		{"The AWS default chain: instance profile, task role or environment (recommended)", plan.CredDefault},
		{profile, plan.CredProfile},
		{"An IAM role to assume (role ARN and optional external ID)", plan.CredRole},
		{"Static access keys, kept in secrets.env (a role is safer)", plan.CredStatic},
	}
}

// profileQuestion asks for the profile: a list when the config files have
// any, else a name.
func profileQuestion(a *destAnswers, profiles []awsconf.Profile) question {
	if len(profiles) == 0 {
		return question{kind: askText, title: "AWS profile *", value: &a.Profile,
			help: "No profiles were found in the AWS config files; type the name the upload will use.",
			validate: checkField(func(d *plan.Destination, v string) {
				d.Credentials, d.AWSProfile = plan.CredProfile, v
			})}
	}
	opts := make([]option, 0, len(profiles))
	sso := false
	for _, p := range profiles {
		label := p.Name
		if d := p.Describe(); d != "" {
			label += " (" + d + ")"
		}
		opts = append(opts, option{label, p.Name})
		sso = sso || p.SSO
	}
	desc := "The profile the upload uses, from the shared config and credentials files."
	if sso {
		desc += " Warning: " + awsconf.SSOWarning + "."
	}
	if a.Profile == "" {
		a.Profile = profiles[0].Name
	}
	return question{kind: askSelect, title: "AWS profile *", help: desc, options: opts, value: &a.Profile}
}

// required refuses an empty answer with msg.
func required(msg string) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New(msg)
		}
		return nil
	}
}

// destinationQuestions ask where the sync goes and, for S3, the bucket,
// key, region, endpoint and the uploader's AWS credentials; or, for service
// mode, the ConductorOne client ID and secret.
func destinationQuestions(a *destAnswers, profiles []awsconf.Profile) []page {
	notS3 := func() bool { return a.Kind != plan.DestS3 }
	notService := func() bool { return a.Kind != kindService }
	notMode := func(mode string) func() bool {
		return func() bool { return a.Kind != plan.DestS3 || a.Credentials != mode }
	}
	return []page{
		{questions: []question{{kind: askSelect, title: "Where should each sync go?", value: &a.Kind, options: []option{
			{"An S3 bucket that ConductorOne reads (automated)", plan.DestS3},
			{"A local file that I upload by hand", plan.DestLocal},
			{"Run as a service (no S3, no schedule: the connector takes tasks from ConductorOne)", kindService},
		}}}},
		{hidden: notService, questions: []question{
			{kind: askNote, title: "Service mode", help: "The connector runs all the time as a systemd service and takes its tasks (syncs, grants, revokes) from ConductorOne. Get the client ID and secret in ConductorOne: the connector's Settings, Rotate."},
			{kind: askText, title: "Client ID *", help: "NAME@TENANT-HOST/SUFFIX, e.g. clever-fox-1234@acme.conductor.one/pcc", value: &a.ClientID,
				validate: func(v string) error { return plan.ValidateClientID(strings.TrimSpace(v)) }},
			clientSecretQuestion(a),
		}},
		{hidden: notS3, questions: []question{
			{kind: askText, title: "Bucket *", help: "The bucket your ConductorOne S3 data source reads.", value: &a.Bucket,
				validate: checkField(func(d *plan.Destination, v string) { d.Bucket = v })},
			{kind: askText, title: "Object key *", help: "Type exactly this into the data source's File name field in ConductorOne.", value: &a.Key,
				validate: checkField(func(d *plan.Destination, v string) { d.Key = v })},
			{kind: askText, title: "Region", help: "The bucket's AWS region, e.g. us-east-1; leave it empty to use the bucket's own, which the check finds.", value: &a.Region,
				validate: checkField(func(d *plan.Destination, v string) { d.Region = v })},
			{kind: askText, title: "Endpoint (optional)", help: "Only for S3-compatible stores: their URL.", value: &a.Endpoint,
				validate: checkField(func(d *plan.Destination, v string) { d.Endpoint = v })},
		}},
		{hidden: notS3, questions: []question{{kind: askSelect, title: "AWS credentials for the upload",
			help:    "The scheduled upload runs unattended: prefer credentials that renew themselves.",
			options: credentialOptions(profiles), value: &a.Credentials}}},
		{hidden: notMode(plan.CredProfile), questions: []question{profileQuestion(a, profiles)}},
		{hidden: notMode(plan.CredRole), questions: []question{
			{kind: askText, title: "Role ARN *", help: "The role the upload assumes through STS, e.g. arn:aws:iam::123456789012:role/baton-uploader.", value: &a.RoleARN,
				validate: func(v string) error { return plan.ValidateRoleARN(strings.TrimSpace(v)) }},
			{kind: askText, title: "External ID (optional)", help: "Only when the role's trust policy requires one.", value: &a.ExternalID,
				validate: func(v string) error { return plan.ValidateExternalID(strings.TrimSpace(v)) }},
		}},
		{hidden: notMode(plan.CredStatic), questions: []question{
			{kind: askNote, title: "Static keys", help: "Warning: " + upload.StaticWarning + ".\nThey are written to secrets.env (mode 0600) and given to the upload alone, never to the connector."},
			{kind: askText, title: "Access key ID *", value: &a.AccessKeyID, validate: required("enter the access key ID")},
			{kind: askSecret, title: "Secret access key *", value: &a.SecretAccessKey, validate: required("enter the secret access key")},
		}},
	}
}

// preflightDoneMsg carries the outcome of the S3 check started by from.
type preflightDoneMsg struct {
	from *destinationStep
	rep  upload.Report
	err  error
}

// preflightTimeout bounds the wizard's S3 check.
const preflightTimeout = 90 * time.Second

// destinationStep chooses where the sync file goes, then, for S3, proves
// that this machine can write there before anything is scheduled.
type destinationStep struct {
	formStep
	// parent is the wizard's context; ctx is the check's, cancelled by
	// Close and by going back to the form.
	parent   context.Context
	ctx      context.Context
	cancel   context.CancelFunc
	deps     Deps
	draft    *plan.Plan
	answers  *destAnswers
	profiles []awsconf.Profile

	// The check: checking while it runs, then dest, report and err.
	checking   bool
	checked    bool
	dest       plan.Destination
	report     upload.Report
	checkErr   error
	showPolicy bool
	spin       spinner.Model
}

func newDestinationStep(parent context.Context, deps Deps, st Styles, draft *plan.Plan) *destinationStep {
	ctx, cancel := context.WithCancel(parent)
	s := &destinationStep{parent: parent, ctx: ctx, cancel: cancel, deps: deps, draft: draft, answers: newDestAnswers(draft, deps.Getenv),
		spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
	if deps.AWSProfiles != nil {
		s.profiles = deps.AWSProfiles()
	}
	s.formStep = formStep{title: "Destination", styles: st, questions: s.questions, submit: s.submitDest}
	return s
}

func (s *destinationStep) questions() []page { return destinationQuestions(s.answers, s.profiles) }

// Close stops a running check.
func (s *destinationStep) Close() { s.cancel() }

func (s *destinationStep) submitDest() (tea.Cmd, error) {
	if s.answers.Kind == kindService {
		if err := s.answers.applyService(s.draft); err != nil {
			return nil, err
		}
		p := s.draft
		return func() tea.Msg { return stepDoneMsg{plan: p} }, nil
	}
	d, err := s.answers.destination()
	if err != nil {
		return nil, err
	}
	if d.Kind != plan.DestS3 || s.deps.Preflight == nil {
		return s.finish(d), nil
	}
	s.dest, s.checking, s.checked, s.showPolicy = d, true, false, false
	return tea.Batch(s.checkCmd(), s.spin.Tick), nil
}

func (s *destinationStep) checkCmd() tea.Cmd {
	ctx, check, d := s.ctx, s.deps.Preflight, s.dest
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
		defer cancel()
		rep, err := check(ctx, d)
		return preflightDoneMsg{from: s, rep: rep, err: err}
	}
}

// finish ends the step with d as the plan's destination, in sync mode.
func (s *destinationStep) finish(d plan.Destination) tea.Cmd {
	s.draft.Destination = d
	s.draft.Mode, s.draft.Service = plan.ModeSync, plan.Service{}
	delete(s.draft.Secrets, plan.SecretClientSecret)
	p := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: p} }
}

// inCheck reports whether the check's screen is shown instead of the form.
func (s *destinationStep) inCheck() bool { return s.checking || s.checked }

// passed reports whether the finished check allows going on.
func (s *destinationStep) passed() bool {
	return s.checked && s.checkErr == nil && !s.report.Failed()
}

var destKeys = struct {
	Continue, Again, Policy, Edit, Local key.Binding
}{
	Continue: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
	Again:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "check again")),
	Policy:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "IAM policy")),
	Edit:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the answers")),
	Local:    key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "use a local file instead")),
}

// Keys are the form's keys, or the check screen's.
func (s *destinationStep) Keys() []key.Binding {
	if !s.inCheck() {
		return s.formStep.Keys()
	}
	k := destKeys
	switch {
	case s.checking:
		return []key.Binding{k.Edit}
	case s.passed():
		return []key.Binding{k.Continue, k.Again, k.Policy, k.Edit}
	default:
		return []key.Binding{k.Again, k.Edit, k.Local, k.Policy}
	}
}

// base hands the form to the App while it is shown; on the check screen
// there is no field that takes typed keys.
func (s *destinationStep) base() *formStep {
	if s.inCheck() {
		return &formStep{title: s.title, styles: s.styles}
	}
	return &s.formStep
}

// edit leaves the check screen for the form, answers kept.
func (s *destinationStep) edit() tea.Cmd {
	s.cancel()
	s.ctx, s.cancel = context.WithCancel(s.parent)
	s.checking, s.checked = false, false
	return s.newForm()
}

func (s *destinationStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case preflightDoneMsg:
		if msg.from != s || !s.checking {
			return s, nil
		}
		s.checking, s.checked = false, true
		s.report, s.checkErr = msg.rep, msg.err
		return s, nil
	case spinner.TickMsg:
		if !s.checking {
			return s, nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case tea.KeyMsg:
		if s.inCheck() {
			return s, s.checkKey(msg)
		}
	}
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}

func (s *destinationStep) checkKey(msg tea.KeyMsg) tea.Cmd {
	k := destKeys
	switch {
	case key.Matches(msg, k.Edit) || msg.String() == "esc":
		return s.edit()
	case s.checking:
		return nil
	case key.Matches(msg, k.Policy):
		s.showPolicy = !s.showPolicy
	case key.Matches(msg, k.Again):
		s.checking, s.checked, s.showPolicy = true, false, false
		return tea.Batch(s.checkCmd(), s.spin.Tick)
	case key.Matches(msg, k.Continue) && s.passed():
		d := s.dest
		if d.Region == "" {
			// Found by the check; sync.sh then names it and skips the lookup.
			d.Region = s.report.Region
		}
		return s.finish(d)
	case key.Matches(msg, k.Local) && !s.passed():
		return s.finish(plan.Destination{Kind: plan.DestLocal})
	}
	return nil
}

func (s *destinationStep) View() string {
	switch {
	case !s.inCheck():
		return s.formStep.View()
	case s.checking:
		return fit(s.spin.View()+" "+s.checkStatus()+"\n", s.width)
	}
	return fit(s.checkReport(s.width), s.width)
}

// Screen is the form's questions, then the check while it runs, then its
// report with the keys that act on it.
func (s *destinationStep) Screen() screen {
	switch {
	case !s.inCheck():
		return s.formStep.Screen()
	case s.checking:
		return screen{kind: screenBusy, text: s.checkStatus()}
	}
	return screen{kind: screenChoose, text: s.checkReport(0), actions: s.Keys()}
}

// checkStatus says what the running check does.
func (s *destinationStep) checkStatus() string {
	return fmt.Sprintf("Checking that this machine can write %s …", s.dest)
}

// checkReport is the finished check's report, or the IAM policy, wrapped
// to width (0 leaves that to the terminal).
func (s *destinationStep) checkReport(width int) string {
	return preflightView(s.styles, s.dest, s.report, s.checkErr, s.showPolicy, width)
}

// preflightView draws a check's report: one line per check with its hint,
// then what to type into ConductorOne, and the minimal IAM policy when
// asked. A check's detail and hint wrap under themselves within width, so
// that the names stay a column of their own; 0 does not wrap. It is a
// plain function so that other front ends can show the same.
func preflightView(st Styles, d plan.Destination, rep upload.Report, err error, policy bool, width int) string {
	var b strings.Builder
	if err != nil {
		b.WriteString(st.Bad.Render("✗ The S3 check could not run") + "\n")
		b.WriteString(errorText(err) + "\n\n")
		b.WriteString("Fix the answers (e), or continue with a local file that you upload by hand (l).\n")
		return b.String()
	}
	if policy {
		b.WriteString(st.Label.Render("Minimal IAM policy for the uploader") + " (GetObject is for the size check after each upload):\n")
		b.WriteString(rep.Policy + "\n")
		return b.String()
	}
	failed := rep.Failed()
	if failed {
		b.WriteString(st.Bad.Render("✗ The S3 check failed: the upload would not work from this machine") + "\n\n")
	} else {
		b.WriteString(st.Good.Render("✓ The S3 check passed") + "\n\n")
	}
	names := 0
	for _, c := range rep.Checks {
		names = max(names, len(c.Name))
	}
	for _, c := range rep.Checks {
		icon, style, detail := "✓", st.Good, c.Detail
		switch c.Status {
		case upload.StatusFail:
			icon, style = "✗", st.Bad
		case upload.StatusWarn:
			icon, style = "!", st.Warn
		case upload.StatusSkip:
			icon, style, detail = "-", st.Muted, "skipped: "+c.Detail
		}
		b.WriteString(hang(fmt.Sprintf("%s %-*s  ", style.Render(icon), names, c.Name), detail, width, nil) + "\n")
		if c.Hint != "" {
			cause := ""
			if c.Cause != upload.CauseUnknown {
				cause = string(c.Cause) + ": "
			}
			b.WriteString(hang(fmt.Sprintf("  %-*s  ", names, ""), cause+c.Hint, width, &st.Muted) + "\n")
		}
	}
	b.WriteString("\n")
	if failed {
		b.WriteString("Going on is blocked until the check passes: fix the answers or the AWS side and check again,\nor continue with a local file that you upload by hand.\n")
		return b.String()
	}
	region := rep.Region
	if region == "" {
		region = d.Region
	}
	fmt.Fprintf(&b, "In ConductorOne, set the S3 data source to:\n  Bucket:    %s\n  Region:    %s\n  File name: %s\n", d.Bucket, region, rep.ObjectKey)
	b.WriteString(st.Muted.Render("p shows the minimal IAM policy for the uploader.") + "\n")
	return b.String()
}

// hang writes text after prefix, wrapped within width with its further
// lines indented to where it started, in style when one is given. A width
// that leaves too little room after the prefix, or 0, does not wrap.
func hang(prefix, text string, width int, style *lipgloss.Style) string {
	pw := ansi.StringWidth(prefix)
	lines := []string{text}
	if width > 0 && width-pw >= 20 && pw+ansi.StringWidth(text) > width {
		lines = strings.Split(ansi.Wrap(text, width-pw, ""), "\n")
	}
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		if style != nil {
			l = style.Render(l)
		}
		if i > 0 {
			l = strings.Repeat(" ", pw) + l
		}
		lines[i] = l
	}
	return prefix + strings.Join(lines, "\n")
}
