package tui

import (
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/conductorone/baton-setup/internal/plan"
)

// destinationStep chooses where the sync file goes: S3 for ConductorOne to
// read, or a local file uploaded by hand.
type destinationStep struct {
	formStep
	draft                           *plan.Plan
	kind, bucket, key, region, endp string
}

func newDestinationStep(deps Deps, st Styles, draft *plan.Plan) *destinationStep {
	d := draft.Destination
	s := &destinationStep{draft: draft, kind: d.Kind, bucket: d.Bucket, key: d.Key, region: d.Region, endp: d.Endpoint}
	if s.kind == "" {
		s.kind = plan.DestS3
	}
	if s.key == "" {
		s.key = "baton/" + draft.Connector.Name + "/sync.c1z"
	}
	if s.region == "" {
		s.region = deps.Getenv("AWS_REGION")
		if s.region == "" {
			s.region = deps.Getenv("AWS_DEFAULT_REGION")
		}
	}
	s.formStep = formStep{title: "Destination", styles: st, build: s.buildForm, submit: s.submitDest}
	return s
}

func (s *destinationStep) check(mut func(d *plan.Destination, v string)) func(string) error {
	return func(v string) error {
		d := plan.Destination{Kind: plan.DestS3, Bucket: "example-bucket", Key: "x.c1z"}
		mut(&d, strings.TrimSpace(v))
		return d.Validate()
	}
}

func (s *destinationStep) buildForm() *huh.Form {
	notS3 := func() bool { return s.kind != plan.DestS3 }
	return huh.NewForm(
		huh.NewGroup(huh.NewSelect[string]().
			Title("Where should each sync go?").
			Options(
				huh.NewOption("An S3 bucket that ConductorOne reads (automated)", plan.DestS3),
				huh.NewOption("A local file that I upload by hand", plan.DestLocal),
			).Value(&s.kind)),
		huh.NewGroup(
			huh.NewInput().Title("Bucket *").Description("The bucket your ConductorOne S3 data source reads.").
				Value(&s.bucket).Validate(s.check(func(d *plan.Destination, v string) { d.Bucket = v })),
			huh.NewInput().Title("Object key *").Description("Type exactly this into the data source's File name field in ConductorOne.").
				Value(&s.key).Validate(s.check(func(d *plan.Destination, v string) { d.Key = v })),
			huh.NewInput().Title("Region").Description("The bucket's AWS region, e.g. us-east-1. Credentials come from the AWS default chain.").
				Value(&s.region).Validate(s.check(func(d *plan.Destination, v string) { d.Region = v })),
			huh.NewInput().Title("Endpoint (optional)").Description("Only for S3-compatible stores: their URL.").
				Value(&s.endp).Validate(s.check(func(d *plan.Destination, v string) { d.Endpoint = v })),
		).WithHideFunc(notS3),
	)
}

func (s *destinationStep) submitDest() (tea.Cmd, error) {
	d := plan.Destination{Kind: s.kind}
	if s.kind == plan.DestS3 {
		d.Bucket, d.Key = strings.TrimSpace(s.bucket), strings.TrimSpace(s.key)
		d.Region, d.Endpoint = strings.TrimSpace(s.region), strings.TrimSpace(s.endp)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Kind == "" {
		return nil, errors.New("choose a destination")
	}
	s.draft.Destination = d
	p := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: p} }, nil
}
