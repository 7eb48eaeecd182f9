package tui

import (
	"bytes"
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

// transcript is what the line prompts wrote, safe to read while they run.
type transcript struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *transcript) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.Write(b)
}

func (t *transcript) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// answer is one line of a script: the text the prompt must have shown
// since the previous answer, and what is typed.
type answer struct{ prompt, line string }

// script is a line reader that types its answers one per Read, each only
// after its prompt was shown; at the end it reports io.EOF.
type script struct {
	t       *testing.T
	out     *transcript
	answers []answer
	mark    int
}

func (s *script) Read(p []byte) (int, error) {
	if len(s.answers) == 0 {
		return 0, io.EOF
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	out := s.out.String()
	if !strings.Contains(out[s.mark:], a.prompt) {
		s.t.Errorf("answer %q: no prompt %q since the previous answer:\n%s", a.line, a.prompt, out[s.mark:])
	}
	s.mark = len(out)
	return copy(p, a.line+"\n"), nil
}

// runScript runs the line prompts on a from step i of p until the script
// ends, and returns the transcript and the App.
func runScript(t *testing.T, deps Deps, p *plan.Plan, i int, answers []answer) (string, *App, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a := New(ctx, deps, p)
	a.idx, a.cur = i, a.makeStep(i, p)
	out := &transcript{}
	err := runLines(ctx, a, &script{t: t, out: out, answers: answers}, out)
	t.Cleanup(func() { _ = a.quit() })
	return out.String(), a, err
}

// TestLinesS3Check answers the destination step's questions as line
// prompts, through the S3 check, to the schedule: once the check passes
// the destination is not asked again.
func TestLinesS3Check(t *testing.T) {
	t.Parallel()
	srv := uploadtest.NewServer(t, "sync-bucket")
	srv.SetRegion("eu-west-1")
	out, a, err := runScript(t, destDeps(t), &plan.Plan{Connector: plan.Connector{Name: "demo"}}, stepDestination, []answer{
		{"Where should each sync go?", "1"},
		{"Bucket *", "sync-bucket"},
		{`(Enter keeps "baton/demo/sync.c1z")`, ""}, // Object key
		{"Region", ""},
		{"Endpoint (optional)", srv.URL},
		{"AWS credentials for the upload", "4"},
		{"Access key ID *", staticKeyID},
		{"Secret access key *", staticSecret},
		{"✓ The S3 check passed", "3"},                                      // What next? IAM policy
		{`"Resource": "arn:aws:s3:::sync-bucket/baton/demo/sync.c1z"`, "1"}, // What next? continue
	})
	// The script ends at the schedule's prompt.
	if !errors.Is(err, io.EOF) || !strings.HasSuffix(out, "Enter a number between 1 and 2 (Enter keeps 1): ") {
		t.Fatalf("run: %v, want the end of the script at the schedule; output:\n%s", err, out)
	}
	if n := strings.Count(out, "Where should each sync go?"); n != 1 {
		t.Errorf("the destination was asked %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "Step 5/7 · Schedule") || !strings.Contains(out, "Checking that this machine can write s3://sync-bucket/baton/demo/sync.c1z …") {
		t.Errorf("no check status or schedule step:\n%s", out)
	}
	if strings.Contains(out, staticSecret) {
		t.Error("the secret access key was printed")
	}
	d := a.plan.Destination
	if d.Bucket != "sync-bucket" || d.Region != "eu-west-1" || d.Endpoint != srv.URL || d.SecretAccessKey.Reveal() != staticSecret {
		t.Errorf("destination %+v", d)
	}
}

// TestLinesS3CheckFails edits the answers after a failed check: each is
// offered again with Enter to keep it, the secret included, and the second
// check passes with the bucket corrected.
func TestLinesS3CheckFails(t *testing.T) {
	t.Parallel()
	srv := uploadtest.NewServer(t, "sync-bucket")
	out, a, err := runScript(t, destDeps(t), &plan.Plan{Connector: plan.Connector{Name: "demo"}}, stepDestination, []answer{
		{"Where should each sync go?", "1"},
		{"Bucket *", "missing-bucket"},
		{"Object key *", ""},
		{"Region", "us-east-1"},
		{"Endpoint (optional)", srv.URL},
		{"AWS credentials for the upload", "4"},
		{"Access key ID *", staticKeyID},
		{"Secret access key *", staticSecret},
		{"✗ The S3 check failed", "2"}, // What next? edit the answers
		{"Where should each sync go?", ""},
		{`(Enter keeps "missing-bucket")`, "sync-bucket"},
		{`(Enter keeps "baton/demo/sync.c1z")`, ""},
		{`(Enter keeps "us-east-1")`, ""},
		{`(Enter keeps "` + srv.URL + `")`, ""},
		{"Enter a number between 1 and 4 (Enter keeps 4)", ""},
		{`(Enter keeps "` + staticKeyID + `")`, ""},
		{"(Enter keeps the secret given before)\nSecret access key *", ""},
		{"✓ The S3 check passed", "1"}, // What next? continue
	})
	if !errors.Is(err, io.EOF) {
		t.Fatalf("run: %v, want the end of the script; output:\n%s", err, out)
	}
	if !strings.Contains(out[strings.LastIndex(out, "What next?"):], "Step 5/7 · Schedule") {
		t.Errorf("the passed check did not lead to the schedule:\n%s", out)
	}
	if d := a.plan.Destination; d.Bucket != "sync-bucket" || d.SecretAccessKey.Reveal() != staticSecret {
		t.Errorf("destination %+v", d)
	}
}

// TestLinePrompts asks each kind of question as a line prompt.
func TestLinePrompts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		q        func(v *string, b *bool) question
		current  string
		flag     bool
		lines    string
		want     string
		wantFlag bool
		wantOut  []string
	}{
		{
			name: "text keeps the current value",
			q: func(v *string, _ *bool) question {
				return question{kind: askText, title: "Tenant *", help: "Which tenant", value: v}
			},
			current: "acme", lines: "\n", want: "acme",
			wantOut: []string{"Which tenant\n(Enter keeps \"acme\")\nTenant * "},
		},
		{
			name: "text asks again until valid",
			q: func(v *string, _ *bool) question {
				return question{kind: askText, title: "Count", value: v, validate: func(s string) error {
					if _, err := strconv.Atoi(s); err != nil {
						return errors.New("not a number")
					}
					return nil
				}}
			},
			lines: "many\n 12 \n", want: "12",
			wantOut: []string{"Count not a number\nCount "},
		},
		{
			name:    "secret never shows the current value",
			q:       func(v *string, _ *bool) question { return question{kind: askSecret, title: "API key *", value: v} },
			current: "s3cret-value", lines: "\n", want: "s3cret-value",
			wantOut: []string{"(Enter keeps the secret given before)\nAPI key * "},
		},
		{
			name: "select by number",
			q: func(v *string, _ *bool) question {
				return question{kind: askSelect, title: "Where?", value: v, options: []option{{"S3", "s3"}, {"Local", "local"}}}
			},
			current: "s3", lines: "3\n2\n", want: "local",
			wantOut: []string{"Where?\n1. S3\n2. Local\nEnter a number between 1 and 2 (Enter keeps 1): Invalid: must be a number between 1 and 2\n"},
		},
		{
			name: "select keeps the current option",
			q: func(v *string, _ *bool) question {
				return question{kind: askSelect, title: "Where?", value: v, options: []option{{"S3", "s3"}, {"Local", "local"}}}
			},
			current: "local", lines: "\n", want: "local",
			wantOut: []string{"(Enter keeps 2)"},
		},
		{
			name:  "confirm",
			q:     func(_ *string, b *bool) question { return question{kind: askConfirm, title: "Install?", flag: b} },
			flag:  true,
			lines: "maybe\nn\n", wantFlag: false,
			wantOut: []string{"Install? [Y/n] Answer y or n.\nInstall? [Y/n] "},
		},
		{
			name:  "confirm keeps the default",
			q:     func(_ *string, b *bool) question { return question{kind: askConfirm, title: "Install?", flag: b} },
			lines: "\n", wantFlag: false,
			wantOut: []string{"Install? [y/N] "},
		},
		{
			name:  "multi-line text ends with an empty line",
			q:     func(v *string, _ *bool) question { return question{kind: askMultiline, title: "Key", value: v} },
			lines: "line one\nline two\n\n", want: "line one\nline two",
			wantOut: []string{"Key (end with an empty line)\n"},
		},
		{
			name: "note is only shown",
			q: func(*string, *bool) question {
				return question{kind: askNote, title: "Static keys", help: "Prefer a role."}
			},
			wantOut: []string{"Static keys\nPrefer a role.\n"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, b := tt.current, tt.flag
			var out bytes.Buffer
			p := newLinePrompter(context.Background(), strings.NewReader(tt.lines), &out)
			if err := p.ask(tt.q(&v, &b)); err != nil {
				t.Fatal(err)
			}
			if v != tt.want && tt.q(&v, &b).kind != askConfirm && tt.q(&v, &b).kind != askNote {
				t.Errorf("answer %q, want %q", v, tt.want)
			}
			if b != tt.wantFlag {
				t.Errorf("flag %v, want %v", b, tt.wantFlag)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestLinePagesHidden skips a page that the answers before it hide.
func TestLinePagesHidden(t *testing.T) {
	t.Parallel()
	kind, bucket, path := "local", "", ""
	pages := []page{
		{questions: []question{{kind: askSelect, title: "Where?", value: &kind, options: []option{{"S3", "s3"}, {"Local", "local"}}}}},
		{hidden: func() bool { return kind != "s3" }, questions: []question{{kind: askText, title: "Bucket *", value: &bucket}}},
		{hidden: func() bool { return kind != "local" }, questions: []question{{kind: askPath, title: "Path", value: &path}}},
	}
	var out bytes.Buffer
	p := newLinePrompter(context.Background(), strings.NewReader("1\nsync-bucket\n"), &out)
	if err := p.askPages(pages); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if kind != "s3" || bucket != "sync-bucket" || strings.Contains(out.String(), "Path") {
		t.Errorf("kind %q bucket %q:\n%s", kind, bucket, out.String())
	}
}

// TestLinePromptCancelled gives up a prompt when the context ends.
func TestLinePromptCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	defer w.Close()
	var out bytes.Buffer
	p := newLinePrompter(ctx, r, &out)
	v := ""
	cancel()
	if err := p.ask(question{kind: askText, title: "Tenant", value: &v}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// TestNoReflect keeps the wizard off reflection: a front end learns what a
// step or a field is from its description, never from private fields.
func TestNoReflect(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("list tui's files: %v", err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "reflect" {
				t.Errorf("%s imports reflect", name)
			}
		}
	}
}
