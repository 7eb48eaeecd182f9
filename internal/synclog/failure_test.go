package synclog

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestExtractFailure(t *testing.T) {
	const sqlMessage = "error: listing resources failed: Error 1045 (28000): Access denied for user 'batonsql'@'127.0.0.1' (using password: YES)"
	tests := []struct {
		name  string
		lines []string
		want  Failure
	}{
		{
			name:  "baton-sql wrong password",
			lines: readLines(t, sqlSample),
			want:  Failure{Message: sqlMessage, Code: "Unknown", Full: sqlErr},
		},
		{
			name: "contract example: nested validate failure",
			lines: []string{
				`{"level":"error","msg":"error running connector","error":"runner: error processing task: rpc error: code = Unauthenticated desc = validate failed"}`,
				"runner: error processing task: rpc error: code = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated desc = demo: invalid API key (401 from upstream)",
			},
			want: Failure{
				Message: "demo: invalid API key (401 from upstream)",
				Code:    "Unauthenticated",
				Full:    "runner: error processing task: rpc error: code = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated desc = demo: invalid API key (401 from upstream)",
			},
		},
		{
			name: "contract example: LDAP error at construction, kept as is",
			lines: []string{
				`{"level":"info","msg":"[core][Server #1] Server created","grpc_log":true}`,
				`{"level":"error","msg":"error creating connector","error":"LDAP Result Code 49 \"Invalid Credentials\": "}`,
				`LDAP Result Code 49 "Invalid Credentials": `,
			},
			want: Failure{Message: `LDAP Result Code 49 "Invalid Credentials":`, Full: `LDAP Result Code 49 "Invalid Credentials":`},
		},
		{
			name:  "validate failed right after the last desc",
			lines: []string{"rpc error: code = Unknown desc = validate failed: domain must be an HTTPS hostname"},
			want: Failure{
				Message: "domain must be an HTTPS hostname",
				Code:    "Unknown",
				Full:    "rpc error: code = Unknown desc = validate failed: domain must be an HTTPS hostname",
			},
		},
		{
			name: "error over two lines",
			lines: []string{
				`{"level":"error","msg":"error running connector","error":"x"}`,
				`runner: error processing task: rpc error: code = DeadlineExceeded desc = okta: list users: Get "https://x.okta.com/api/v1/users": context deadline exceeded`,
				"net/http: TLS handshake timeout",
				"",
			},
			want: Failure{
				Message: `okta: list users: Get "https://x.okta.com/api/v1/users": context deadline exceeded; net/http: TLS handshake timeout`,
				Code:    "DeadlineExceeded",
				Full:    "runner: error processing task: rpc error: code = DeadlineExceeded desc = okta: list users: Get \"https://x.okta.com/api/v1/users\": context deadline exceeded\nnet/http: TLS handshake timeout",
			},
		},
		{
			name:  "validation error list",
			lines: []string{"errors found:", "field domain of type string is marked as required but it has a zero-value"},
			want: Failure{
				Message: "errors found: field domain of type string is marked as required but it has a zero-value",
				Full:    "errors found:\nfield domain of type string is marked as required but it has a zero-value",
			},
		},
		{
			name:  "baton-file prefix",
			lines: []string{"Error executing command: input file not found: /nonexistent.yaml"},
			want:  Failure{Message: "input file not found: /nonexistent.yaml", Full: "Error executing command: input file not found: /nonexistent.yaml"},
		},
		{
			name: "cobra usage block is dropped",
			lines: []string{
				"Error: unknown flag: --bogus",
				"Usage:",
				"  baton-demo [flags]",
				"  baton-demo [command]",
				"",
				"Available Commands:",
				"  config      Get the connector config schema",
				"",
				"Flags:",
				"      --bogus string   a flag",
				"",
				`Use "baton-demo [command] --help" for more information about a command.`,
				"",
			},
			want: Failure{Message: "unknown flag: --bogus", Full: "Error: unknown flag: --bogus"},
		},
		{
			name: "panic",
			lines: []string{
				`{"level":"info","msg":"Syncing resources..."}`,
				"panic: runtime error: invalid memory address or nil pointer dereference",
				"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
				"",
				"goroutine 1 [running]:",
				"main.main()",
				"\t/src/main.go:12 +0x1d",
			},
			want: Failure{
				Message: "panic: runtime error: invalid memory address or nil pointer dereference",
				Full: "panic: runtime error: invalid memory address or nil pointer dereference\n" +
					"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d",
			},
		},
		{
			name: "no plain text: the last error entry",
			lines: []string{
				`{"level":"error","msg":"finished unary call with code Unknown","error":"first"}`,
				`{"level":"error","msg":"error running connector","error":"rpc error: code = Internal desc = validate failed: boom"}`,
				`{"level":"error","msg":"sync stats so far"}`,
				`{"level":"info","msg":"after"}`,
			},
			want: Failure{Message: "boom", Code: "Internal", Full: "rpc error: code = Internal desc = validate failed: boom"},
		},
		{
			name: "code only in the error entries",
			lines: []string{
				`{"level":"error","msg":"error running connector","error":"rpc error: code = Unavailable desc = connection refused"}`,
				"dial tcp 127.0.0.1:5432: connect: connection refused",
			},
			want: Failure{Message: "dial tcp 127.0.0.1:5432: connect: connection refused", Code: "Unavailable", Full: "dial tcp 127.0.0.1:5432: connect: connection refused"},
		},
		{
			// The built-in demo with a refused key, in a run that exited 0:
			// the SDK's shutdown noise came after the plain error text.
			name:  "shutdown noise after the error",
			lines: readLines(t, "demo-invalid-key-exit0.jsonl"),
			want: Failure{
				Message: "demo: invalid API key (401 from upstream)",
				Code:    "Unauthenticated",
				Full:    "runner: error processing task: rpc error: code = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated desc = demo: invalid API key (401 from upstream)",
			},
		},
		{
			name: "noise as the last text: the run error instead",
			lines: []string{
				`{"level":"error","msg":"error running connector","error":"rpc error: code = Unauthenticated desc = bad key"}`,
				`{"level":"info","msg":"after"}`,
				"grpc: the client connection is closing",
			},
			want: Failure{Message: "bad key", Code: "Unauthenticated", Full: "rpc error: code = Unauthenticated desc = bad key"},
		},
		{
			name: "the first coded error beats a later uncoded one",
			lines: []string{
				`{"level":"error","msg":"ratelimit: error running client request","error":"rpc error: code = PermissionDenied desc = no scope"}`,
				`{"level":"error","msg":"cleanup failed","error":"file already closed"}`,
			},
			want: Failure{Message: "no scope", Code: "PermissionDenied", Full: "rpc error: code = PermissionDenied desc = no scope"},
		},
		{
			name:  "successful sync",
			lines: readLines(t, ldapSample),
			want:  Failure{},
		},
		{
			name: "nothing",
			want: Failure{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractFailure(tt.lines)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ExtractFailure\n got %#v\nwant %#v", got, tt.want)
			}
			c := NewCollector(0)
			for _, l := range tt.lines {
				c.AddLine(l)
			}
			if got := c.Failure(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Collector.Failure\n got %#v\nwant %#v", got, tt.want)
			}
			if got.IsZero() != (tt.want == Failure{}) {
				t.Errorf("IsZero = %v", got.IsZero())
			}
		})
	}
}

func TestCollectorTail(t *testing.T) {
	c := NewCollector(3)
	if got := c.Tail(); len(got) != 0 {
		t.Errorf("empty Tail = %q", got)
	}
	for i := range 5 {
		c.AddLine(fmt.Sprintf(`{"level":"info","msg":"line %d"}`, i))
	}
	want := []string{`{"level":"info","msg":"line 2"}`, `{"level":"info","msg":"line 3"}`, `{"level":"info","msg":"line 4"}`}
	if got := c.Tail(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tail = %q, want %q", got, want)
	}
	// Tail returns a copy.
	c.Tail()[0] = "changed"
	if got := c.Tail(); got[0] != want[0] {
		t.Errorf("Tail shares its buffer: %q", got)
	}
}

// A long log must not grow the collector: neither a million log entries nor
// a flood of plain text after the last entry.
func TestCollectorBoundedMemory(t *testing.T) {
	const tail = 50
	c := NewCollector(tail)
	entry := `{"level":"error","msg":"finished unary call with code Unknown","error":"older"}`
	for range 1_000_000 {
		c.Add(entry, Event{Kind: KindError, Level: "error", Err: "older"})
	}
	c.AddLine(`{"level":"error","msg":"error running connector","error":"rpc error: code = Unknown desc = last entry"}`)
	for i := range 100_000 {
		c.AddLine(fmt.Sprintf("text %d", i))
	}
	c.AddLine("rpc error: code = Unknown desc = the real error")

	if n := len(c.Tail()); n != tail {
		t.Errorf("len(Tail) = %d, want %d", n, tail)
	}
	if cap(c.tail.buf) > tail || len(c.trailHead) > tail || cap(c.trailTail.buf) > tail {
		t.Errorf("buffers grew: tail %d, trailing head %d, trailing tail %d", cap(c.tail.buf), len(c.trailHead), cap(c.trailTail.buf))
	}
	f := c.Failure()
	if f.Message != "the real error" {
		t.Errorf("Message = %q", f.Message)
	}
	if lines := strings.Split(f.Full, "\n"); len(lines) != 2*tail || lines[0] != "text 0" {
		t.Errorf("Full keeps %d lines starting %q; want %d starting with the first", len(lines), lines[0], 2*tail)
	}

	// A log entry ends the trailing text, and its error is the fallback.
	c.AddLine(`{"level":"error","msg":"error running connector","error":"rpc error: code = Internal desc = later"}`)
	if f := c.Failure(); f.Message != "later" || f.Code != "Internal" || len(c.trailHead) != 0 {
		t.Errorf("after an entry: %+v, %d trailing lines", f, len(c.trailHead))
	}
}

// TestCollectorErrors keeps the messages of error-level entries, which make
// a sync that exits 0 a warning, and leaves out the SDK's shutdown noise.
func TestCollectorErrors(t *testing.T) {
	c := NewCollector(0)
	for _, l := range readLines(t, ldapSample) {
		c.AddLine(l)
	}
	if errs, n := c.Errors(); len(errs) != 0 || n != 0 || c.RunFailed() {
		t.Errorf("successful sync: errors %q (%d), run failed %v", errs, n, c.RunFailed())
	}

	c = NewCollector(0)
	for _, l := range readLines(t, "sdk-v0.25.0-interrupted.jsonl") {
		c.AddLine(l)
	}
	if errs, n := c.Errors(); len(errs) != 0 || n != 0 || c.RunFailed() {
		t.Errorf("interrupted sync: errors %q (%d), run failed %v", errs, n, c.RunFailed())
	}

	// baton-sdk v0.2.65 after a finished sync, now and then.
	c = NewCollector(0)
	for _, l := range readLines(t, ldapSample) {
		c.AddLine(l)
	}
	c.AddLine(`{"level":"error","msg":"connector service quit unexpectedly","error":"signal: killed"}`)
	if errs, n := c.Errors(); len(errs) != 0 || n != 0 {
		t.Errorf("child killed on the way out: errors %q (%d)", errs, n)
	}
	c.AddLine(`{"level":"error","msg":"connector service quit unexpectedly","error":"exit status 2"}`)
	if errs, _ := c.Errors(); len(errs) != 1 {
		t.Errorf("a child that died by itself is not counted: %q", errs)
	}

	c = NewCollector(0)
	line := `{"level":"error","msg":"listing role privileges failed","error":"Error 1054 (42S22): Unknown column 'Create_role_priv'"}`
	for range 12 {
		c.AddLine(line)
	}
	for i := range 12 {
		c.AddLine(fmt.Sprintf(`{"level":"error","msg":"skipped table %d"}`, i))
	}
	errs, n := c.Errors()
	if n != 24 || len(errs) != maxErrors || errs[0] != "listing role privileges failed: Error 1054 (42S22): Unknown column 'Create_role_priv'" || errs[1] != "skipped table 0" {
		t.Errorf("errors %q (%d)", errs, n)
	}

	c = NewCollector(0)
	for _, l := range readLines(t, "demo-invalid-key-exit0.jsonl") {
		c.AddLine(l)
	}
	if !c.RunFailed() {
		t.Error("an \"error running connector\" entry is not a failed run")
	}
}
