package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/install"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// InstallDeps are the side effects of installing a missing connector from
// the picker. Without Options and Start the picker only prints the commands.
type InstallDeps struct {
	// Options lists the install methods that can run on this machine.
	Options func(e catalog.Entry) []install.Option
	// Start runs one of them.
	Start func(ctx context.Context, o install.Option) (*install.Run, error)
	// Locate finds the connector after a brew or go install.
	Locate func(e catalog.Entry) (discover.Found, error)
	// ImageSchema reads an image's schema in docker mode; nil means the
	// catalog's fields are used.
	ImageSchema func(ctx context.Context, docker, image string) (*schema.Schema, error)
}

// schemaLoadedMsg carries a connector's schema, read in the background.
type schemaLoadedMsg struct {
	found  discover.Found
	schema *schema.Schema
	// image is set in docker mode, with the docker CLI that pulled it.
	image, docker string
	// note says where the schema came from when it is not the connector's.
	note string
	err  error
	// saved are the saved setups, to find one of the same profile name.
	saved []Saved
}

// installLineMsg is one line of an install command's output.
type installLineMsg struct {
	run  *install.Run
	line string
}

// installDoneMsg ends an install.
type installDoneMsg struct {
	run *install.Run
	res install.Result
}

// pickItem is one row of the picker: a catalog entry (made up for the demo
// and for binaries the catalog does not know), installed or not.
type pickItem struct {
	entry catalog.Entry
	found *discover.Found
}

// connectorMode is what the connector step shows.
type connectorMode int

const (
	modePick       connectorMode = iota
	modeMethod                   // choose how to install a missing connector
	modeInstalling               // an install command runs
	modeFailed                   // it failed; its output tail is shown
	modeLoading                  // reading the schema
	modeNote                     // docker mode without the image's schema
	modeCollision                // a saved setup has the profile name: edit it, or choose another name
)

// Answers to a name collision.
const (
	collideEdit = "edit"
	collideNew  = "new"
)

// connectorStep picks the connector with a search-as-you-type list over
// the installed connectors and the catalog, installs a missing one if asked,
// and reads its schema.
type connectorStep struct {
	ctx    context.Context
	deps   Deps
	styles Styles
	draft  *plan.Plan

	items   []pickItem
	entries []catalog.Entry // items' entries, for catalog.Rank
	search  textinput.Model
	shown   []int // indexes into items, best match first
	cursor  int   // index into shown
	offset  int   // first row of shown on screen

	mode    connectorMode
	target  catalog.Entry
	options []install.Option
	method  int // index into options; len(options) is "install it yourself"
	running install.Option
	run     *install.Run
	stop    context.CancelFunc
	output  viewport.Model
	lines   []string
	failure string
	errMsg  string
	// note and done hold a finished choice until the note is read.
	note string
	done tea.Cmd
	// choice is the answer to questions: an index into items.
	choice string
	// notes are shown above the list: what changed in an edited setup's
	// connector since it was written.
	notes []string
	// existing is the saved setup whose profile name the chosen connector
	// would take, and taken every saved name; collide and newName are the
	// answers to the collision, asked in form.
	existing *Saved
	taken    map[string]bool
	collide  string
	newName  string
	form     *huh.Form
	// loadingSaved is set while the existing setup is read to edit it.
	loadingSaved bool

	width, height int
}

func newConnectorStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan) *connectorStep {
	s := &connectorStep{ctx: ctx, deps: deps, styles: st, draft: draft, width: 80, height: 20}
	installed := map[string]bool{}
	for _, f := range deps.Connectors() {
		e, ok := catalog.Lookup(f.Name)
		switch {
		case f.Source == "built-in":
			e = catalog.Entry{Name: f.Name, DisplayName: "Demo", Kind: "other", Description: "built-in demo, no credentials needed"}
		case !ok:
			e = catalog.Entry{Name: f.Name, DisplayName: f.Name, Kind: "other", Binary: "baton-" + f.Name}
		}
		installed[f.Name] = true
		s.items = append(s.items, pickItem{entry: e, found: &f})
	}
	for _, e := range catalog.All() {
		if !installed[e.Name] {
			s.items = append(s.items, pickItem{entry: e})
		}
	}
	for _, it := range s.items {
		s.entries = append(s.entries, it.entry)
	}
	s.search = textinput.New()
	s.search.Prompt = "Search: "
	s.search.Placeholder = "type to filter by name, description or kind"
	s.search.Focus()
	s.refilter()
	for i, j := range s.shown {
		if s.items[j].entry.Name == draft.Connector.Name {
			s.cursor = i
		}
	}
	for i, it := range s.items {
		if it.found != nil && (s.choice == "" || it.found.Name == draft.Connector.Name) {
			s.choice = strconv.Itoa(i)
		}
	}
	s.output = viewport.New(80, 10)
	return s
}

// questions are the picker as a plain list, for front ends that cannot
// draw the live search: installed connectors only, since installing one
// needs the full screen. The answer comes back with formSubmittedMsg.
func (s *connectorStep) questions() []page {
	q := question{kind: askSelect, title: "Which connector do you want to set up?", value: &s.choice}
	for i, it := range s.items {
		if it.found != nil {
			q.options = append(q.options, option{foundLabel(*it.found), strconv.Itoa(i)})
		}
	}
	if len(q.options) == 0 {
		q.help = "None is installed; " + s.deps.command("") + " connectors says how to install one."
	}
	return []page{{questions: []question{q}}}
}

// Screen is the list of installed connectors, the wait while a schema is
// read or a connector installed, or what the step shows with its keys.
func (s *connectorStep) Screen() screen {
	switch s.mode {
	case modePick:
		text := s.notesText()
		if s.errMsg != "" {
			text += s.styles.Bad.Render(s.errMsg) + "\n\n"
		}
		return screen{kind: screenAsk, text: text, pages: s.questions()}
	case modeCollision:
		if s.loadingSaved {
			return screen{kind: screenBusy, text: "Reading the setup " + s.existing.Name + "…"}
		}
		return screen{kind: screenAsk, text: s.collisionText(), pages: s.collisionPages()}
	case modeLoading:
		return screen{kind: screenBusy, text: "Reading the connector's settings…"}
	case modeInstalling:
		return screen{kind: screenBusy, text: "$ " + s.running.Command, log: s.lines}
	}
	return screen{kind: screenChoose, text: s.View(), actions: s.Keys()}
}

// pickChoice loads the connector that questions chose.
func (s *connectorStep) pickChoice() tea.Cmd {
	i, err := strconv.Atoi(s.choice)
	if err != nil || i < 0 || i >= len(s.items) || s.items[i].found == nil {
		s.errMsg = "Choose one of the installed connectors."
		return nil
	}
	s.errMsg = ""
	return s.load(*s.items[i].found)
}

// foundLabel says where an installed connector is.
func foundLabel(f discover.Found) string {
	label := f.Name + " — "
	if f.Source == "built-in" {
		label += "built-in demo, no credentials needed"
	} else {
		label += "✓ " + f.Path
	}
	if f.SDKVersion != "" {
		label += " (baton-sdk " + f.SDKVersion + ")"
	}
	return label
}

func (s *connectorStep) refilter() {
	s.shown = catalog.Rank(s.entries, s.search.Value())
	s.cursor, s.offset = 0, 0
}

func (s *connectorStep) Init() tea.Cmd { return textinput.Blink }

func (s *connectorStep) Title() string { return "Connector" }

// Close stops a running install when the wizard ends.
func (s *connectorStep) Close() {
	if s.stop != nil {
		s.stop()
	}
}

// takesKey tells the App which of its own keys this step wants: everything
// typed into the search (q and ? included), and Esc while it clears the
// search or leaves an install screen.
func (s *connectorStep) takesKey(msg tea.KeyMsg) bool {
	switch s.mode {
	case modePick:
		if msg.Type == tea.KeyEsc {
			return s.search.Value() != ""
		}
		return msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace
	case modeLoading:
		return false
	default:
		return msg.Type == tea.KeyEsc || msg.Type == tea.KeyRunes
	}
}

var connectorKeys = struct {
	Move, Select, Clear, Install, Cancel, Back, Retry key.Binding
}{
	Move:    key.NewBinding(key.WithKeys("up", "down", "ctrl+p", "ctrl+n", "pgup", "pgdown"), key.WithHelp("↑/↓", "choose")),
	Select:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "select")),
	Clear:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
	Install: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run it")),
	Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
	Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the list")),
	Retry:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "look for it again")),
}

// Keys are the step's keys in its current mode.
func (s *connectorStep) Keys() []key.Binding {
	k := connectorKeys
	switch s.mode {
	case modePick:
		if s.search.Value() != "" {
			return []key.Binding{k.Move, k.Select, k.Clear}
		}
		return []key.Binding{k.Move, k.Select}
	case modeMethod:
		if len(s.options) == 0 {
			return []key.Binding{k.Retry, k.Back}
		}
		return []key.Binding{k.Move, k.Install, k.Back}
	case modeInstalling:
		return []key.Binding{k.Cancel}
	case modeNote:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")), k.Back}
	case modeFailed:
		return []key.Binding{k.Retry, k.Back}
	case modeCollision:
		var out []key.Binding
		if s.form != nil {
			for _, b := range s.form.KeyBinds() {
				if b.Enabled() {
					out = append(out, b)
				}
			}
		}
		return append(out, k.Back)
	}
	return nil
}

func (s *connectorStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.width, s.height = msg.Width, msg.Height
		s.output.Width = min(msg.Width, maxFormWidth)
		s.output.Height = max(s.height-8, 3)
		if s.form != nil {
			s.form = s.form.WithWidth(min(s.width, maxFormWidth))
		}
		return s, nil
	case schemaLoadedMsg:
		return s, s.schemaLoaded(msg)
	case savedLoadedMsg:
		return s, s.savedLoaded(msg)
	case formSubmittedMsg:
		switch s.mode {
		case modePick:
			return s, s.pickChoice()
		case modeCollision:
			return s, s.resolveCollision()
		}
		return s, nil
	case installLineMsg:
		if msg.run != s.run {
			return s, nil
		}
		s.lines = append(s.lines, plan.Redact(msg.line, s.draft.Secrets))
		atEnd := s.output.AtBottom()
		s.output.SetContent(strings.Join(s.lines, "\n"))
		if atEnd {
			s.output.GotoBottom()
		}
		return s, nextInstallLine(msg.run)
	case installDoneMsg:
		if msg.run != s.run {
			return s, nil
		}
		return s, s.installDone(msg.res)
	case tea.KeyMsg:
		switch s.mode {
		case modePick:
			return s, s.pickKey(msg)
		case modeMethod:
			return s, s.methodKey(msg)
		case modeInstalling:
			if msg.Type == tea.KeyEsc && s.stop != nil {
				s.stop()
				return s, nil
			}
			var cmd tea.Cmd
			s.output, cmd = s.output.Update(msg)
			return s, cmd
		case modeNote:
			switch msg.Type {
			case tea.KeyEnter:
				return s, s.done
			case tea.KeyEsc:
				s.mode = modePick
			}
			return s, nil
		case modeFailed:
			switch msg.Type {
			case tea.KeyEnter:
				return s, s.chooseMissing(s.target)
			case tea.KeyEsc:
				s.mode = modePick
			}
			return s, nil
		case modeCollision:
			if msg.Type == tea.KeyEsc {
				s.mode, s.existing, s.form = modePick, nil, nil
				return s, nil
			}
		}
	}
	if s.mode == modeCollision && s.form != nil && !s.loadingSaved {
		m, cmd := s.form.Update(msg)
		if f, ok := m.(*huh.Form); ok {
			s.form = f
		}
		return s, cmd
	}
	if s.mode == modePick {
		var cmd tea.Cmd
		s.search, cmd = s.search.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *connectorStep) pickKey(msg tea.KeyMsg) tea.Cmd {
	page := max(s.rows()-1, 1)
	switch msg.String() {
	case "up", "ctrl+p":
		s.move(-1)
	case "down", "ctrl+n":
		s.move(1)
	case "pgup":
		s.move(-page)
	case "pgdown":
		s.move(page)
	case "esc":
		s.search.SetValue("")
		s.refilter()
	case "enter":
		if len(s.shown) == 0 {
			return nil
		}
		s.errMsg = ""
		it := s.items[s.shown[s.cursor]]
		if it.found != nil {
			return s.load(*it.found)
		}
		return s.chooseMissing(it.entry)
	default:
		before := s.search.Value()
		var cmd tea.Cmd
		s.search, cmd = s.search.Update(msg)
		if s.search.Value() != before {
			s.refilter()
		}
		return cmd
	}
	return nil
}

func (s *connectorStep) move(d int) {
	if len(s.shown) == 0 {
		return
	}
	s.cursor = min(max(s.cursor+d, 0), len(s.shown)-1)
	rows := s.rows()
	if s.cursor < s.offset {
		s.offset = s.cursor
	} else if s.cursor >= s.offset+rows {
		s.offset = s.cursor - rows + 1
	}
}

// rows is how many list rows fit under the title, hints and search line.
func (s *connectorStep) rows() int {
	extra := 5
	if n := s.notesText(); n != "" {
		extra += strings.Count(fit(n, s.width), "\n")
	}
	if s.errMsg != "" {
		extra += strings.Count(fit(s.errMsg, s.width), "\n") + 2
	}
	return max(s.height-extra, 3)
}

// chooseMissing offers the install methods this machine can run for e, or
// the commands to run by hand. A connector that turned up since (installed
// in another terminal) is taken at once.
func (s *connectorStep) chooseMissing(e catalog.Entry) tea.Cmd {
	s.target, s.method, s.failure = e, 0, ""
	if loc := s.deps.Install.Locate; loc != nil {
		if f, err := loc(e); err == nil {
			return s.load(f)
		}
	}
	s.options = nil
	if s.deps.Install.Options != nil && s.deps.Install.Start != nil {
		s.options = s.deps.Install.Options(e)
	}
	s.mode = modeMethod
	return nil
}

func (s *connectorStep) methodKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.mode = modePick
	case "up", "ctrl+p":
		s.method = max(s.method-1, 0)
	case "down", "ctrl+n":
		s.method = min(s.method+1, len(s.options))
	case "enter":
		if s.method >= len(s.options) {
			// "Install it yourself": look again, in case it is there now.
			return s.chooseMissing(s.target)
		}
		return s.startInstall(s.options[s.method])
	}
	return nil
}

func (s *connectorStep) startInstall(o install.Option) tea.Cmd {
	ctx, stop := context.WithCancel(s.ctx)
	run, err := s.deps.Install.Start(ctx, o)
	if err != nil {
		stop()
		s.mode, s.failure = modeFailed, err.Error()
		return nil
	}
	s.running, s.run, s.stop = o, run, stop
	s.lines = nil
	s.output.SetContent("")
	s.mode = modeInstalling
	return nextInstallLine(run)
}

// nextInstallLine waits for the install's next output line, or its end.
func nextInstallLine(run *install.Run) tea.Cmd {
	return func() tea.Msg {
		if line, ok := <-run.Lines(); ok {
			return installLineMsg{run: run, line: line}
		}
		return installDoneMsg{run: run, res: run.Wait()}
	}
}

func (s *connectorStep) installDone(res install.Result) tea.Cmd {
	s.stop()
	s.stop = nil
	o, e := s.running, s.target
	if res.Err != nil {
		s.mode = modeFailed
		s.failure = res.Err.Error()
		return nil
	}
	if o.Method == install.Docker {
		s.mode = modeLoading
		ctx, imageSchema := s.ctx, s.deps.Install.ImageSchema
		return func() tea.Msg {
			msg := schemaLoadedMsg{found: discover.Found{Name: e.Name, Source: "docker"}, image: o.Image, docker: o.Tool}
			if imageSchema != nil {
				ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				defer cancel()
				sch, err := imageSchema(ctx, o.Tool, o.Image)
				if err == nil {
					msg.schema = sch
					if ce, ok := catalog.Lookup(e.Name); ok {
						discover.Enrich(sch, ce)
					}
					return msg
				}
				msg.note = "Could not read the image's own settings (" + err.Error() + "); using the catalog's fields."
			} else {
				msg.note = "This build cannot ask the image for its settings; using the catalog's fields."
			}
			msg.schema = e.Schema()
			return msg
		}
	}
	f, err := s.deps.Install.Locate(e)
	if err != nil {
		s.mode = modeFailed
		s.failure = err.Error()
		return nil
	}
	return s.load(f)
}

// load reads the chosen connector's schema in the background, and the
// saved setups to find one of the same name.
func (s *connectorStep) load(f discover.Found) tea.Cmd {
	s.mode = modeLoading
	ctx, load, list := s.ctx, s.deps.LoadSchema, s.deps.Home.List
	return func() tea.Msg {
		sch, err := load(ctx, f)
		msg := schemaLoadedMsg{found: f, schema: sch, err: err}
		if list != nil {
			// Without the list no collision can be found; the review
			// step looks again.
			msg.saved, _ = list()
		}
		return msg
	}
}

func (s *connectorStep) schemaLoaded(m schemaLoadedMsg) tea.Cmd {
	if m.err != nil {
		s.mode, s.errMsg = modePick, m.err.Error()
		return nil
	}
	c := m.found.Connector()
	if m.image != "" {
		c = plan.Connector{Name: m.found.Name, Image: m.image, Docker: m.docker}
	}
	if s.draft.Connector.Name != c.Name || s.draft.Connector.Path != c.Path || s.draft.Connector.Image != c.Image {
		// A different connector: earlier answers do not apply.
		s.draft.Values, s.draft.Secrets, s.draft.AuthMethod, s.draft.Extra = nil, nil, "", nil
	}
	s.draft.Connector = c
	s.draft.Connector.Schema = m.schema
	d := s.draft
	done := func() tea.Msg { return stepDoneMsg{plan: d} }
	if m.note != "" {
		s.note, s.done = m.note, done
	}
	if sv := s.collision(m.saved); sv != nil {
		return s.askCollision(sv, m.saved)
	}
	return s.finish()
}

// finish ends the step with the chosen connector, after the note about
// its schema if there is one.
func (s *connectorStep) finish() tea.Cmd {
	if s.note != "" {
		s.mode = modeNote
		return nil
	}
	d := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: d} }
}

// collision is the saved setup whose profile name the draft would take,
// unless the draft is that setup being edited.
func (s *connectorStep) collision(saved []Saved) *Saved {
	name := s.draft.Profile
	if name == "" {
		name = s.draft.Connector.Name
	}
	for i, sv := range saved {
		if sv.Name == name && (s.draft.Output.Dir == "" || filepath.Clean(s.draft.Output.Dir) != filepath.Clean(sv.Dir)) {
			return &saved[i]
		}
	}
	return nil
}

// askCollision asks whether to edit the saved setup sv or to choose
// another profile name.
func (s *connectorStep) askCollision(sv *Saved, saved []Saved) tea.Cmd {
	s.mode, s.existing, s.collide = modeCollision, sv, collideEdit
	s.taken = map[string]bool{}
	for _, o := range saved {
		s.taken[o.Name] = true
	}
	s.newName = sv.Name + "-2"
	for n := 3; s.taken[s.newName]; n++ {
		s.newName = fmt.Sprintf("%s-%d", sv.Name, n)
	}
	s.form = buildForm(s.collisionPages()).WithTheme(s.styles.Theme).WithShowHelp(false).WithKeyMap(formKeyMap()).
		WithWidth(min(s.width, maxFormWidth))
	s.form.SubmitCmd = func() tea.Msg { return formSubmittedMsg{} }
	s.form.CancelCmd = nil
	return s.form.Init()
}

func (s *connectorStep) collisionText() string {
	sv := s.existing
	return s.styles.Warn.Render("A setup named "+sv.Name+" already exists") + ": " + sv.Connector + " connector, " +
		destText(*sv) + ", " + scheduleText(*sv) + ".\nChoosing this connector again must not write over it.\n\n"
}

func (s *connectorStep) collisionPages() []page {
	name := s.existing.Name
	return []page{
		{questions: []question{{kind: askSelect, key: "collide", title: "What do you want to do?", value: &s.collide, options: []option{
			{"Edit the setup " + name + " (every answer pre-filled)", collideEdit},
			{"Set up a new one under another profile name", collideNew},
		}}}},
		{hidden: func() bool { return s.collide != collideNew }, questions: []question{{
			kind: askText, key: "profile", title: "New profile name", help: "Names the directory and the crontab entry.",
			value: &s.newName, validate: s.checkNewName,
		}}},
	}
}

// checkNewName refuses a profile name that is not valid or is taken.
func (s *connectorStep) checkNewName(v string) error {
	if err := plan.ValidateProfile(v); err != nil {
		return err
	}
	if s.taken[v] {
		return fmt.Errorf("a setup named %s exists too; choose another name", v)
	}
	return nil
}

// savedLoadedMsg carries a saved setup read to be edited.
type savedLoadedMsg struct {
	plan *plan.Plan
	err  error
}

// resolveCollision acts on the answer: read the saved setup to edit it,
// or take the new name.
func (s *connectorStep) resolveCollision() tea.Cmd {
	if s.collide == collideNew {
		if err := s.checkNewName(s.newName); err != nil {
			s.errMsg = errorText(err)
			s.mode = modePick
			return nil
		}
		s.draft.Profile, s.draft.Output.Dir = s.newName, ""
		// The frames until the App moves on show the wait, not the question.
		s.mode, s.existing, s.form = modeLoading, nil, nil
		return s.finish()
	}
	if s.deps.Home.Load == nil {
		s.mode, s.errMsg = modePick, "This build cannot read saved setups; run "+s.deps.command("")+" --profile "+s.existing.Name+"."
		return nil
	}
	s.loadingSaved = true
	ctx, load, name := s.ctx, s.deps.Home.Load, s.existing.Name
	return func() tea.Msg {
		p, _, err := load(ctx, name)
		return savedLoadedMsg{plan: p, err: err}
	}
}

// savedLoaded continues with the saved setup as the plan to edit.
func (s *connectorStep) savedLoaded(m savedLoadedMsg) tea.Cmd {
	s.loadingSaved = false
	if m.err != nil {
		s.mode, s.errMsg = modePick, "Could not read the setup "+s.existing.Name+": "+errorText(m.err)
		return nil
	}
	s.draft, s.existing, s.form, s.note, s.mode = m.plan, nil, nil, "", modeLoading
	d := m.plan
	return func() tea.Msg { return stepDoneMsg{plan: d} }
}

// notesText shows the notes of an edited setup, if any.
func (s *connectorStep) notesText() string {
	if len(s.notes) == 0 {
		return ""
	}
	return s.styles.Warn.Render("Since this setup was written: "+strings.Join(s.notes, "; ")+".") + "\n\n"
}

func (s *connectorStep) View() string {
	st := s.styles
	var b strings.Builder
	switch s.mode {
	case modeLoading:
		b.WriteString(st.Muted.Render("Reading the connector's settings…"))
	case modeMethod:
		s.methodView(&b)
	case modeCollision:
		b.WriteString(s.collisionText())
		if s.loadingSaved {
			b.WriteString(st.Muted.Render("Reading the setup " + s.existing.Name + "…"))
		} else if s.form != nil {
			b.WriteString(s.form.View())
		}
	case modeNote:
		b.WriteString(st.Good.Render("✓ Pulled "+s.running.Image) + "\n\n")
		b.WriteString(st.Warn.Render(s.note) + "\n")
		b.WriteString("The settings form asks for the fields the catalog knows; check them against " + s.target.DocsURL + ".")
	case modeInstalling:
		b.WriteString(st.Label.Render("$ "+s.running.Command) + "\n\n")
		b.WriteString(s.output.View())
	case modeFailed:
		b.WriteString(st.Bad.Render("✗ Installing "+s.target.Binary+" failed: "+s.failure) + "\n\n")
		tail := s.lines
		if n := max(s.height-10, 3); len(tail) > n {
			tail = tail[len(tail)-n:]
		}
		for _, l := range tail {
			b.WriteString(st.Muted.Render("  "+l) + "\n")
		}
		if s.running.Command != "" {
			b.WriteString("\nRun it yourself to see everything: " + st.Label.Render(s.running.Command) + "\n")
		}
		b.WriteString("Then press enter to look for it again.")
	default:
		s.pickView(&b)
	}
	return fit(b.String(), s.width)
}

func (s *connectorStep) pickView(b *strings.Builder) {
	st := s.styles
	b.WriteString(s.notesText())
	if s.errMsg != "" {
		b.WriteString(st.Bad.Render(s.errMsg) + "\n\n")
	}
	b.WriteString(st.Label.Render("Which connector do you want to set up?") + "\n")
	b.WriteString(st.Muted.Render(fmt.Sprintf("Installed first (✓), then every public Baton connector · %d of %d shown", len(s.shown), len(s.items))) + "\n")
	b.WriteString(s.search.View() + "\n")
	if len(s.shown) == 0 {
		b.WriteString(st.Muted.Render("  No connector matches; esc clears the search."))
		return
	}
	rows := s.rows()
	end := min(s.offset+rows, len(s.shown))
	width := min(s.width, maxFormWidth)
	for i := s.offset; i < end; i++ {
		line := s.rowText(s.items[s.shown[i]])
		prefix := "  "
		if i == s.cursor {
			prefix = "> "
		}
		line = ansi.Truncate(prefix+line, width, "…")
		if i == s.cursor {
			line = st.Header.Render(line)
		}
		b.WriteString(line + "\n")
	}
}

func (s *connectorStep) rowText(it pickItem) string {
	if it.found != nil {
		if it.found.Source == "built-in" {
			return foundLabel(*it.found)
		}
		return foundLabel(*it.found) + " [" + it.entry.Kind + "]"
	}
	return it.entry.Name + " — " + it.entry.Description + " [" + it.entry.Kind + "]"
}

func (s *connectorStep) methodView(b *strings.Builder) {
	st, e := s.styles, s.target
	b.WriteString(st.Label.Render(e.Binary+" is not installed on this machine.") + "\n")
	b.WriteString(st.Muted.Render(e.Description) + "\n\n")
	if len(s.options) == 0 {
		b.WriteString("None of brew, go or docker is available here. Install it with one of:\n")
		for _, c := range install.Manual(e) {
			b.WriteString("  " + c + "\n")
		}
		b.WriteString("\nThen press enter to look for it again.\n")
	} else {
		b.WriteString("How do you want to install it?\n")
		for i := 0; i <= len(s.options); i++ {
			var label string
			if i < len(s.options) {
				o := s.options[i]
				label = o.Command
				if o.Method == install.Docker {
					label += "  (docker mode: syncs run in a container)"
				}
			} else {
				label = "I will install it myself (enter looks for it again)"
			}
			if i == s.method {
				b.WriteString(st.Header.Render("> "+label) + "\n")
			} else {
				b.WriteString("  " + label + "\n")
			}
		}
	}
	if e.DocsURL != "" {
		b.WriteString("\n" + st.Muted.Render("Where to find its credentials: "+e.DocsURL))
	}
}
