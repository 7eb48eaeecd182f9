package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
)

const (
	scheduleHourly = "hourly"
	scheduleCustom = "custom"
)

// scheduleStep chooses when sync.sh runs.
type scheduleStep struct {
	formStep
	draft  *plan.Plan
	deps   Deps
	minute int
	choice string
	custom string
}

func newScheduleStep(deps Deps, st Styles, draft *plan.Plan) *scheduleStep {
	s := &scheduleStep{draft: draft, deps: deps, minute: deps.RandomMinute(), choice: scheduleHourly}
	if c := draft.Schedule.Cron; c != "" {
		if m, ok := schedule.HourlyMinute(c); ok {
			s.minute = m
		} else {
			s.choice, s.custom = scheduleCustom, c
		}
	}
	s.formStep = formStep{title: "Schedule", styles: st, questions: s.questions, submit: s.submitSchedule}
	return s
}

func (s *scheduleStep) questions() []page {
	return []page{
		{questions: []question{{kind: askSelect, title: "How often should the sync run?", help: s.cadenceNote(), value: &s.choice, options: []option{
			{fmt.Sprintf("Every hour at minute %d (recommended; %s)", s.minute, schedule.Hourly(s.minute)), scheduleHourly},
			{"A custom cron expression", scheduleCustom},
		}}}},
		{hidden: func() bool { return s.choice != scheduleCustom }, questions: []question{{
			kind:        askText,
			title:       "Cron expression",
			help:        "Five numeric fields: minute hour day-of-month month day-of-week, in server time.",
			placeholder: "30 2 * * *",
			value:       &s.custom,
			validate:    func(v string) error { _, err := schedule.Normalize(v); return err },
		}}},
	}
}

// cadenceNote says what the schedule feeds: ConductorOne polls a bucket,
// but a local file reaches it only when someone uploads it.
func (s *scheduleStep) cadenceNote() string {
	if s.draft.Destination.Kind == plan.DestS3 {
		return "ConductorOne reads the bucket once an hour."
	}
	return "Each run replaces the local sync file; ConductorOne sees it only when you upload it."
}

func (s *scheduleStep) submitSchedule() (tea.Cmd, error) {
	spec := schedule.Hourly(s.minute)
	if s.choice == scheduleCustom {
		var err error
		if spec, err = schedule.Normalize(s.custom); err != nil {
			return nil, err
		}
	}
	s.draft.Schedule.Cron = spec
	p := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: p} }, nil
}

// Update runs the form and stays the schedule step.
func (s *scheduleStep) Update(msg tea.Msg) (step, tea.Cmd) {
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}
