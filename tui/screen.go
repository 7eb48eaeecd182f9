package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"

	"github.com/conductorone/baton-setup/internal/schema"
)

// screenKind is what a step waits for.
type screenKind int

const (
	screenAsk screenKind = iota
	screenChoose
	screenBusy
	screenEnd
)

// screen is what a step shows now, described for any front end. The
// wizard has two: the full screen (App under bubbletea, which draws View)
// and the line prompts of accessible mode, which know steps only through
// Screen. A screen is one of:
//
//   - questions (screenAsk): pages of questions bound to the step's
//     answers. The full screen makes its huh form of them with buildForm;
//     the line prompts ask them one by one. Either way the answers land in
//     the step's own variables, and the front end then sends
//     formSubmittedMsg, which the step checks as it always does.
//   - a report and its actions (screenChoose): text, such as a test sync's
//     outcome, and the keys that act on it. A front end answers with one
//     of those keys as a tea.KeyMsg.
//   - busy (screenBusy): the step waits for its Cmds' messages; a status
//     and the lines it has logged so far say what happens meanwhile.
//   - the end (screenEnd): a last report; nothing more is asked.
type screen struct {
	kind screenKind
	// text is the intro and last error above the questions, the report
	// that the actions act on, or the busy status. It is drawn with the
	// wizard's styles, which the line prompts build without colour.
	text string
	// pages are the questions of screenAsk, in order.
	pages []page
	// actions are the keys screenChoose accepts.
	actions []key.Binding
	// log holds what a busy step has reported so far, a line each and
	// oldest first; a line front end prints the ones it has not printed.
	log []string
}

// askKind is the sort of answer a question takes.
type askKind int

const (
	askText      askKind = iota // one line of text
	askSecret                   // one line, never shown
	askPath                     // a file path, completed on screen
	askMultiline                // several lines of text
	askSelect                   // one of options
	askConfirm                  // yes or no
	askNote                     // text to read, no answer
)

// option is one answer of a select question.
type option struct{ label, value string }

// question is one thing a step asks, bound to the variable that holds its
// answer.
type question struct {
	key   string
	kind  askKind
	title string
	// help is shown under the title on screen, and printed before the
	// prompt on a line.
	help        string
	placeholder string
	options     []option
	// value holds the answer of every kind but askConfirm, whose answer is
	// flag, and askNote, which has none. What it holds when asked is the
	// current value.
	value *string
	flag  *bool
	// yes and no name a confirm's answers on screen; empty keeps huh's.
	yes, no string
	// validate checks an answer before it is accepted; nil accepts any.
	validate func(string) error
	// suggest completes an askPath answer on screen.
	suggest func() []string
	// next gives a note a button to press on screen.
	next bool
	// alts are the ways to answer a question that can be answered in
	// several (typed, a file's path, pasted lines); pick says which one is
	// asked now, from answers given before it. The alternatives share the
	// question's place: the full screen swaps them as pick changes.
	alts []question
	pick func() int
	// secret hides an askMultiline answer: read without echo on a line,
	// and drawn as masked when not focused on screen.
	secret bool
	// masked, when set, is what the full screen draws in place of the
	// question while it is not focused; "" draws the question.
	masked func() string
}

// chosen is the question that is asked now: q, or the alternative its pick
// chooses.
func (q question) chosen() question {
	if len(q.alts) == 0 {
		return q
	}
	i := 0
	if q.pick != nil {
		i = q.pick()
	}
	if i < 0 || i >= len(q.alts) {
		i = 0
	}
	return q.alts[i]
}

// page is questions shown together on screen and skipped together.
type page struct {
	title string
	// hidden reports, from the answers to the pages before, that the page
	// is skipped; nil means it never is.
	hidden    func() bool
	questions []question
}

// buildForm is the full screen's huh form for pages.
func buildForm(pages []page) *huh.Form {
	groups := make([]*huh.Group, 0, len(pages))
	for _, p := range pages {
		fields := make([]huh.Field, 0, len(p.questions))
		for _, q := range p.questions {
			fields = append(fields, q.field())
		}
		g := huh.NewGroup(fields...)
		if p.title != "" {
			g = g.Title(p.title)
		}
		if p.hidden != nil {
			g = g.WithHideFunc(p.hidden)
		}
		groups = append(groups, g)
	}
	return huh.NewForm(groups...)
}

// field is q as a huh field.
func (q question) field() huh.Field {
	if len(q.alts) > 0 {
		return newSwitchField(q)
	}
	switch q.kind {
	case askNote:
		n := huh.NewNote().Title(q.title).Description(q.help)
		if q.next {
			n = n.Next(true)
		}
		return n
	case askConfirm:
		c := huh.NewConfirm().Key(q.key).Title(q.title).Description(q.help)
		if q.yes != "" {
			c = c.Affirmative(q.yes)
		}
		if q.no != "" {
			c = c.Negative(q.no)
		}
		return c.Value(q.flag)
	case askSelect:
		opts := make([]huh.Option[string], len(q.options))
		for i, o := range q.options {
			opts[i] = huh.NewOption(o.label, o.value)
		}
		return huh.NewSelect[string]().Key(q.key).Title(q.title).Description(q.help).Options(opts...).Value(q.value)
	case askMultiline:
		// No external editor: it would leave the text in a temporary file.
		t := huh.NewText().Key(q.key).Title(q.title).Description(q.help).Placeholder(q.placeholder).Value(q.value).
			CharLimit(schema.MaxValueBytes).ExternalEditor(false)
		if q.validate != nil {
			t = t.Validate(q.validate)
		}
		return t
	}
	in := huh.NewInput().Key(q.key).Title(q.title).Description(q.help).Placeholder(q.placeholder).Value(q.value)
	if q.validate != nil {
		in = in.Validate(q.validate)
	}
	if q.kind == askPath && q.suggest != nil {
		in = in.SuggestionsFunc(q.suggest, q.value)
	}
	if q.kind == askSecret {
		in = in.EchoMode(huh.EchoModePassword)
	}
	return in
}
