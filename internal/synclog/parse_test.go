package synclog

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// readLines returns the lines of a file in testdata.
func readLines(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

const (
	ldapSample = "baton-ldap-sync.jsonl"
	sqlSample  = "baton-sql-badcreds.log"
	ldapSyncID = "3MbkYfx3WSbymnUAnNPEe856biS"
	sqlErr     = "runner: error processing task: rpc error: code = Unknown desc = error: listing resources failed: " +
		"Error 1045 (28000): Access denied for user 'batonsql'@'127.0.0.1' (using password: YES)"
)

// unix builds the time a zap "ts" of sec.frac seconds stands for.
func unix(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }

func TestParse(t *testing.T) {
	ldap := readLines(t, ldapSample)
	sql := readLines(t, sqlSample)

	tests := []struct {
		name string
		line string
		want Event // Raw defaults to line
	}{
		{
			name: "ldap grpc server created is noise",
			line: ldap[0],
			want: Event{Kind: KindNoise, Level: "info", Time: unix(1795626703, 251825600), Msg: "[core][Server #1] Server created"},
		},
		{
			name: "old SDK grpc line without the space is noise",
			line: sql[1],
			want: Event{Kind: KindNoise, Level: "info", Time: unix(1795626949, 123156300), Msg: "[core][Server #1 ListenSocket #2]ListenSocket created"},
		},
		{
			name: "resource types phase",
			line: ldap[2],
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 284453400), Msg: "Syncing resource types...", Phase: PhaseResourceTypes},
		},
		{
			name: "resource types count",
			line: ldap[3],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 288305800), Msg: "Synced resource types", Phase: PhaseResourceTypes, Count: 3},
		},
		{
			name: "syncing in parallel is info",
			line: ldap[5],
			want: Event{Kind: KindInfo, Level: "info", Time: unix(1795626703, 288404200), Msg: "syncing in parallel"},
		},
		{
			name: "synced resources",
			line: ldap[6],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 291608000), Msg: "Synced resources", Phase: PhaseResources, ResourceType: "user", Count: 3},
		},
		{
			name: "static entitlements start the entitlements phase",
			line: ldap[9],
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 294429300), Msg: "Syncing static entitlements...", Phase: PhaseEntitlements},
		},
		{
			name: "synced entitlements",
			line: ldap[12],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 305779700), Msg: "Synced entitlements", Phase: PhaseEntitlements, ResourceType: "role", Count: 1, Total: 1},
		},
		{
			name: "syncing entitlements progress",
			line: ldap[13],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 306748200), Msg: "Syncing entitlements", Phase: PhaseEntitlements, ResourceType: "group", Synced: 1, Total: 3},
		},
		{
			name: "grants phase",
			line: ldap[15],
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 309302000), Msg: "Syncing grants...", Phase: PhaseGrants},
		},
		{
			name: "syncing grants progress",
			line: ldap[18],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 314232800), Msg: "Syncing grants", Phase: PhaseGrants, ResourceType: "group", Synced: 1, Total: 3},
		},
		{
			name: "synced grants",
			line: ldap[19],
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 319169000), Msg: "Synced grants", Phase: PhaseGrants, ResourceType: "group", Count: 3, Total: 3},
		},
		{
			name: "collection summary is info with the sync id, nested counts ignored",
			line: ldap[20],
			want: Event{Kind: KindInfo, Level: "info", Time: unix(1795626703, 319281800), Msg: "sync data collection complete", SyncID: ldapSyncID},
		},
		{
			name: "sync complete",
			line: ldap[23],
			want: Event{Kind: KindDone, Level: "info", Time: unix(1795626703, 336060800), Msg: "Sync complete.", Phase: PhaseDone, SyncID: ldapSyncID},
		},
		{
			name: "connector side failure",
			line: sql[5],
			want: Event{
				Kind: KindError, Level: "error", Time: unix(1795626949, 155704000), Msg: "finished unary call with code Unknown",
				Err:  "error: listing resources failed: Error 1045 (28000): Access denied for user 'batonsql'@'127.0.0.1' (using password: YES)",
				Code: "Unknown",
			},
		},
		{
			name: "rate limiter error stays an error",
			line: sql[6],
			want: Event{
				Kind: KindError, Level: "error", Time: unix(1795626949, 156069500), Msg: "ratelimit: error running client request",
				Err: "rpc error: code = Unknown desc = error: listing resources failed: Error 1045 (28000): Access denied for user 'batonsql'@'127.0.0.1' (using password: YES)",
			},
		},
		{
			name: "plain error line",
			line: sql[9],
			want: Event{Kind: KindText, Err: sqlErr},
		},
		{
			name: "successful unary call is noise",
			line: `{"level":"debug","ts":1795626703.5,"caller":"ugrpc/logging.go:38","msg":"finished unary call with code OK","grpc.code":"OK"}`,
			want: Event{Kind: KindNoise, Level: "debug", Time: unix(1795626703, 500000000), Msg: "finished unary call with code OK", Code: "OK"},
		},
		{
			name: "rate limiter waiting is noise",
			line: `{"level":"info","ts":1795626703,"msg":"ratelimit overlimit - waiting","method":"/c1.connector.v2.ResourcesService/ListResources","wait_period":"1s"}`,
			want: Event{Kind: KindNoise, Level: "info", Time: unix(1795626703, 0), Msg: "ratelimit overlimit - waiting"},
		},
		{
			name: "grpc_log field marks noise",
			line: `{"level":"info","ts":1795626703.25,"msg":"Subchannel created","system":"grpc","grpc_log":true}`,
			want: Event{Kind: KindNoise, Level: "info", Time: unix(1795626703, 250000000), Msg: "Subchannel created"},
		},
		{
			name: "beginning new sync starts the sync even at debug",
			line: `{"level":"debug","ts":1795626703.1,"msg":"beginning new sync","sync_id":"2abc"}`,
			want: Event{Kind: KindPhase, Level: "debug", Time: unix(1795626703, 100000000), Msg: "beginning new sync", Phase: PhaseStarting, SyncID: "2abc"},
		},
		{
			name: "resumed previous sync",
			line: `{"level":"info","ts":1795626703.1,"msg":"resumed previous sync","sync_id":"2abc","sync_type":"full","completed_actions":4}`,
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 100000000), Msg: "resumed previous sync", Phase: PhaseStarting, SyncID: "2abc"},
		},
		{
			name: "other debug chatter is noise",
			line: `{"level":"debug","ts":1795626703.1,"msg":"pushed action","action":{"op":"list-resources"}}`,
			want: Event{Kind: KindNoise, Level: "debug", Time: unix(1795626703, 100000000), Msg: "pushed action"},
		},
		{
			name: "retrying operation is a warning",
			line: `{"level":"warn","ts":1795626703.1,"msg":"retrying operation","error":"rpc error: code = Unavailable desc = try later","wait":1.5}`,
			want: Event{Kind: KindWarning, Level: "warn", Time: unix(1795626703, 100000000), Msg: "retrying operation", Err: "rpc error: code = Unavailable desc = try later"},
		},
		{
			name: "skipping sync action is a warning",
			line: `{"level":"warn","ts":1795626703.1,"msg":"skipping sync grant action","error":"not found"}`,
			want: Event{Kind: KindWarning, Level: "warn", Time: unix(1795626703, 100000000), Msg: "skipping sync grant action", Err: "not found"},
		},
		{
			name: "invalid data is a warning whatever its level",
			line: `{"level":"info","ts":1795626703.1,"msg":"connector returned invalid data; skipped records","count":2}`,
			want: Event{Kind: KindWarning, Level: "info", Time: unix(1795626703, 100000000), Msg: "connector returned invalid data; skipped records", Count: 2},
		},
		{
			name: "warnings summary carries the count",
			line: `{"level":"warn","ts":1795626703.1,"msg":"sync completed with warnings","warning_count":3}`,
			want: Event{Kind: KindWarning, Level: "warn", Time: unix(1795626703, 100000000), Msg: "sync completed with warnings", Count: 3},
		},
		{
			name: "any warn level line is a warning",
			line: `{"level":"warn","ts":1795626703.1,"msg":"more grant resources than resources","resource_type_id":"group","synced":4,"total":3}`,
			want: Event{Kind: KindWarning, Level: "warn", Time: unix(1795626703, 100000000), Msg: "more grant resources than resources", ResourceType: "group", Synced: 4, Total: 3},
		},
		{
			name: "skipping sync alone is not a warning",
			line: `{"level":"info","ts":1795626703.1,"msg":"skipping sync"}`,
			want: Event{Kind: KindInfo, Level: "info", Time: unix(1795626703, 100000000), Msg: "skipping sync"},
		},
		{
			name: "expansion progress",
			line: `{"level":"info","ts":1795626703.1,"msg":"Expanding grants","actions_remaining":"42"}`,
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 100000000), Msg: "Expanding grants", Phase: PhaseExpansion, Count: 42},
		},
		{
			name: "entitlement graph edges",
			line: `{"level":"info","ts":1795626703.1,"msg":"Finished loading entitlement graph","edges":7}`,
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 100000000), Msg: "Finished loading entitlement graph", Phase: PhaseExpansion, Count: 7},
		},
		{
			name: "numbers as strings",
			line: `{"level":"info","ts":"1795626703.5","msg":"Syncing grants","resource_type_id":"user","synced":"120","total":"9000000000"}`,
			want: Event{Kind: KindProgress, Level: "info", Time: unix(1795626703, 500000000), Msg: "Syncing grants", Phase: PhaseGrants, ResourceType: "user", Synced: 120, Total: 9000000000},
		},
		{
			name: "float count and unknown-type fields",
			line: `{"level":"info","msg":"Synced resources","resource_type_id":"user","count":3.0,"total":true,"sync_id":null}`,
			want: Event{Kind: KindProgress, Level: "info", Msg: "Synced resources", Phase: PhaseResources, ResourceType: "user", Count: 3},
		},
		{
			name: "error given as an object is kept as JSON text",
			line: `{"level":"error","msg":"boom","error":{"a":1}}`,
			want: Event{Kind: KindError, Level: "error", Msg: "boom", Err: `{"a":1}`},
		},
		{
			name: "escaped message",
			line: `{"level":"info","msg":"Sync complete\u002e","sync_id":"a\"b"}`,
			want: Event{Kind: KindDone, Level: "info", Msg: "Sync complete.", Phase: PhaseDone, SyncID: `a"b`},
		},
		{
			name: "ISO time string",
			line: `{"level":"info","ts":"2026-11-25T17:15:49.123Z","msg":"Syncing grants..."}`,
			want: Event{Kind: KindPhase, Level: "info", Time: time.Date(2026, 11, 25, 17, 15, 49, 123000000, time.UTC), Msg: "Syncing grants...", Phase: PhaseGrants},
		},
		{
			name: "epoch milliseconds",
			line: `{"level":"info","ts":1795626703251.5,"msg":"Syncing grants..."}`,
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 251500000), Msg: "Syncing grants...", Phase: PhaseGrants},
		},
		{
			name: "epoch nanoseconds",
			line: `{"level":"info","ts":1795626703251825600,"msg":"Syncing grants..."}`,
			want: Event{Kind: KindPhase, Level: "info", Time: unix(1795626703, 251825600), Msg: "Syncing grants...", Phase: PhaseGrants},
		},
		{
			name: "crlf and leading space",
			line: "  {\"level\":\"info\",\"msg\":\"Syncing resources...\"}\r",
			want: Event{Kind: KindPhase, Level: "info", Msg: "Syncing resources...", Phase: PhaseResources, Raw: "  {\"level\":\"info\",\"msg\":\"Syncing resources...\"}"},
		},
		{
			name: "JSON without level or msg",
			line: `{"hello":"world"}`,
			want: Event{Kind: KindInfo},
		},
		{
			name: "malformed JSON is text",
			line: `{"level":"info","msg":"Synced resources","count":`,
			want: Event{Kind: KindText, Err: `{"level":"info","msg":"Synced resources","count":`},
		},
		{
			name: "trailing garbage after JSON is text",
			line: `{"level":"info","msg":"x"} trailing`,
			want: Event{Kind: KindText, Err: `{"level":"info","msg":"x"} trailing`},
		},
		{
			name: "empty line",
			line: "",
			want: Event{Kind: KindText},
		},
		{
			name: "plain text",
			line: `LDAP Result Code 49 "Invalid Credentials": `,
			want: Event{Kind: KindText, Err: `LDAP Result Code 49 "Invalid Credentials":`},
		},
		{
			name: "stack frame with a tab is text",
			line: "\t/go/src/main.go:12 +0x1d",
			want: Event{Kind: KindText, Err: "/go/src/main.go:12 +0x1d"},
		},
		{
			name: "console line from an old SDK",
			line: "2024-01-01T00:00:00.000Z\tinfo\tsync/syncer.go:123\tSynced resources\t{\"resource_type_id\": \"user\", \"count\": 3}",
			want: Event{Kind: KindProgress, Level: "info", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Msg: "Synced resources", Phase: PhaseResources, ResourceType: "user", Count: 3},
		},
		{
			name: "console line with upper-case level and no fields",
			line: "2024-01-01T00:00:00.000Z\tINFO\tsync/syncer.go:505\tSyncing resources...",
			want: Event{Kind: KindPhase, Level: "info", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Msg: "Syncing resources...", Phase: PhaseResources},
		},
		{
			name: "console line with colour, zone offset and no caller",
			line: "2024-01-01T01:00:00.250+0100\t\x1b[33mWARN\x1b[0m\tretrying operation\t{\"error\": \"EOF\"}",
			want: Event{Kind: KindWarning, Level: "warn", Time: time.Date(2024, 1, 1, 0, 0, 0, 250000000, time.UTC), Msg: "retrying operation", Err: "EOF"},
		},
		{
			name: "console error line",
			line: "2024-01-01T00:00:00.000Z\tERROR\tcli/commands.go:189\terror running connector\t{\"error\": \"boom\"}",
			want: Event{Kind: KindError, Level: "error", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Msg: "error running connector", Err: "boom"},
		},
		{
			name: "console message with braces but no fields",
			line: "2024-01-01T00:00:00.000Z\tINFO\tx.go:1\tgot {}",
			want: Event{Kind: KindInfo, Level: "info", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Msg: "got {}"},
		},
		{
			name: "tab-separated text that is not a log line",
			line: "name\tinfo\tvalue",
			want: Event{Kind: KindText, Err: "name\tinfo\tvalue"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want.Raw == "" {
				want.Raw = tt.line
			}
			got := Parse([]byte(tt.line))
			if !got.Time.Equal(want.Time) {
				t.Errorf("Time = %v, want %v", got.Time, want.Time)
			}
			got.Time, want.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.line, got, want)
			}
			if s := ParseString(tt.line); !reflect.DeepEqual(s.Kind, tt.want.Kind) || s.Msg != tt.want.Msg {
				t.Errorf("ParseString disagrees with Parse: %+v", s)
			}
		})
	}
}

func TestParseSamplesNeverText(t *testing.T) {
	for _, line := range readLines(t, ldapSample) {
		if e := ParseString(line); e.Kind == KindText || e.Level != "info" || e.Time.IsZero() {
			t.Errorf("ParseString(%.60q…) = kind %v level %q time %v", line, e.Kind, e.Level, e.Time)
		}
	}
}

func TestPhaseAndKindString(t *testing.T) {
	phases := map[Phase]string{
		PhaseUnknown: "unknown", PhaseStarting: "starting", PhaseResourceTypes: "resource types",
		PhaseResources: "resources", PhaseEntitlements: "entitlements", PhaseGrants: "grants",
		PhaseExpansion: "expanding grants", PhaseDone: "done",
	}
	for p, want := range phases {
		if got := p.String(); got != want {
			t.Errorf("Phase(%d).String() = %q, want %q", p, got, want)
		}
	}
	if got := KindProgress.String(); got != "progress" {
		t.Errorf("KindProgress.String() = %q", got)
	}
}

// A typical progress line: most of a large sync's log looks like this.
const progressLine = `{"level":"info","ts":1795626703.3067482,"caller":"progresslog/progresslog.go:252","msg":"Syncing entitlements","resource_type_id":"group","synced":1,"total":3,"percent_complete":33}`

func BenchmarkParse(b *testing.B) {
	line := []byte(progressLine)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(line)
	}
}

func BenchmarkParseSample(b *testing.B) {
	var lines [][]byte
	var n int64
	for _, l := range readLines(b, ldapSample) {
		lines = append(lines, []byte(l))
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			Parse(l)
		}
	}
}

func BenchmarkParseText(b *testing.B) {
	line := []byte(sqlErr)
	b.ReportAllocs()
	for b.Loop() {
		Parse(line)
	}
}
