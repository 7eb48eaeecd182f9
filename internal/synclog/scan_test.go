package synclog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The fast scan must take the common lines, or it is not worth having.
func TestScanTakesSampleLines(t *testing.T) {
	for _, name := range []string{ldapSample, sqlSample} {
		for _, line := range readLines(t, name) {
			if line == "" || line[0] != '{' {
				continue
			}
			var w wire
			if !w.scan([]byte(line)) {
				t.Errorf("scan fell back on %.80q…", line)
			}
		}
	}
}

func TestScanAgreesWithEncodingJSON(t *testing.T) {
	lines := append(readLines(t, ldapSample), readLines(t, sqlSample)...)
	lines = append(lines, scanSeeds...)
	for _, line := range lines {
		checkScan(t, []byte(line))
	}
}

// scanSeeds are edge cases for the scan; FuzzScan starts from them too.
var scanSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":01}`, `{"a":-0.5e+3}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`,
	`{"a":[1,{"b":[]},"x"],"msg":"m"}`, `{"a":[1,]}`, `{"a":{"b":1,}}`, `{"a":tru}`, `{"a":nul}`,
	`{"msg":"Synced resources","count":"3"}`, `{"Msg":"x"}`, `{"MSG":"x","msg":"y"}`, `{"msg":"a","msg":"b"}`,
	`{"m\u0073g":"x"}`, `{"msg":"\ud83d\ude00"}`, `{"msg":"\x"}`, `{"msg":"a` + "\x01" + `"}`, `{"msg":"é"}`,
	`{"count":null}`, `{"count":true}`, `{"count":1e3}`, `{"ts":"2026-11-25T17:15:49Z"}`, `{"ts":null}`,
	`{"level":"info"`, `{"level":"info"}x`, `{"level" "info"}`, `{"level":"info",}`, `{,}`, `[1]`, `"x"`,
	`{"error":{"nested":{"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}`,
	`{"ſync_id":"x"}`, `{"grpc.code":"Unknown","grpc_log":"true"}`, "{\"a\":1}\n",
}

// checkScan fails if the scan accepts b but encoding/json decodes it
// differently or not at all.
func checkScan(t *testing.T, b []byte) {
	t.Helper()
	var fast wire
	if !fast.scan(b) {
		return
	}
	var slow wire
	if err := json.Unmarshal(b, &slow); err != nil {
		t.Fatalf("scan accepted %q, encoding/json rejects it: %v", b, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("scan(%q)\n got %+v\nwant %+v", b, fast, slow)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(progressLine))
	f.Fuzz(checkScan)
}

// FuzzParse checks that no input makes the parser, the failure extraction
// or the diagnosis panic.
func FuzzParse(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s)
	}
	f.Add("2024-01-01T00:00:00.000Z\tINFO\tx.go:1\tSynced resources\t{\"count\":3}")
	f.Add("Error: unknown flag: --x\nUsage:\n  x [flags]\n")
	f.Add(sqlErr)
	f.Fuzz(func(t *testing.T, s string) {
		e := ParseString(s)
		if e.Kind < KindNoise || e.Kind > KindInfo {
			t.Fatalf("kind %d", e.Kind)
		}
		var p Progress
		p.Apply(e)
		lines := strings.Split(s, "\n")
		c := NewCollector(4)
		for _, l := range lines {
			c.AddLine(l)
		}
		Diagnose(c.Failure(), 1, false)
		Diagnose(ExtractFailure(lines), 2, false)
	})
}

// BenchmarkDecodeEncodingJSON is the fallback path on a typical line, for
// comparison with BenchmarkParse.
func BenchmarkDecodeEncodingJSON(b *testing.B) {
	line := []byte(progressLine)
	b.ReportAllocs()
	for b.Loop() {
		var w wire
		if json.Unmarshal(line, &w) != nil {
			b.Fatal("invalid")
		}
	}
}
