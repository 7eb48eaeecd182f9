// Package bench holds benchmarks that compare baton-setup against a named
// peer in the same run. scripts/bench.sh runs them together with the
// process-level comparisons and prints the figures as a Markdown table.
//
// BenchmarkParseLog parses a captured connector log with synclog.Parse and,
// in the same run, with `jq -c .msg` (the peer). The log comes from
// $BATON_SETUP_BENCH_LOG (scripts/bench.sh captures one from the demo
// connector at debug level and repeats it to 1M lines); without it the
// benchmark builds a file of $BATON_SETUP_BENCH_LINES lines (default 1M)
// from the synclog package's baton-ldap sample in a temporary directory.
//
//	go test -run '^$' -bench BenchmarkParseLog -benchtime 1x -count 3 ./internal/bench/
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/conductorone/baton-setup/internal/synclog"
)

const (
	envLog   = "BATON_SETUP_BENCH_LOG"
	envLines = "BATON_SETUP_BENCH_LINES"
	// sample is the log repeated when no captured log is given.
	sample = "../synclog/testdata/baton-ldap-sync.jsonl"
)

// logInfo describes the log file the benchmark reads.
type logInfo struct {
	path  string
	lines int
	size  int64
	err   error
}

var (
	fixtureOnce sync.Once
	fixture     logInfo
	fixtureDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		_ = os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// logFile returns the log to parse, building the fallback file once per
// process.
func logFile(b *testing.B) logInfo {
	b.Helper()
	fixtureOnce.Do(func() {
		if p := os.Getenv(envLog); p != "" {
			fixture = describe(p)
			return
		}
		want := 1_000_000
		if s := os.Getenv(envLines); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				fixture.err = fmt.Errorf("%s=%q: want a positive number of lines", envLines, s)
				return
			}
			want = n
		}
		dir, err := os.MkdirTemp("", "baton-setup-bench-")
		if err != nil {
			fixture.err = err
			return
		}
		fixtureDir = dir
		p := filepath.Join(dir, "log.jsonl")
		if err := repeatLines(sample, p, want); err != nil {
			fixture.err = err
			return
		}
		fixture = describe(p)
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture
}

// repeatLines writes the lines of src to dst over and over until dst has n
// lines.
func repeatLines(src, dst string, n int) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	lines := bytes.SplitAfter(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) == 0 {
		return fmt.Errorf("%s is empty", src)
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i++ {
		l := lines[i%len(lines)]
		_, _ = w.Write(bytes.TrimRight(l, "\n"))
		_ = w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// describe counts the lines and bytes of the file at p.
func describe(p string) logInfo {
	f, err := os.Open(p)
	if err != nil {
		return logInfo{err: err}
	}
	defer f.Close()
	info := logInfo{path: p}
	sc := newScanner(f)
	for sc.Scan() {
		info.lines++
		info.size += int64(len(sc.Bytes())) + 1
	}
	if err := sc.Err(); err != nil {
		return logInfo{err: err}
	}
	if info.lines == 0 {
		return logInfo{err: fmt.Errorf("%s has no lines", p)}
	}
	return info
}

// newScanner reads lines as internal/runner does.
func newScanner(f *os.File) *bufio.Scanner {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	return sc
}

// parseFile reads the file line by line, like the runner reads a
// connector's stderr, and parses every line. It returns the number of
// events and how many of them carry a message, so the work is not
// optimised away.
func parseFile(p string) (events, withMsg int, err error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := newScanner(f)
	for sc.Scan() {
		ev := synclog.Parse(sc.Bytes())
		events++
		if ev.Msg != "" {
			withMsg++
		}
	}
	return events, withMsg, sc.Err()
}

// BenchmarkParseLog reports events/s for synclog.Parse over the whole log
// (file read included) and for the peer, `jq -c .msg FILE >/dev/null`.
func BenchmarkParseLog(b *testing.B) {
	info := logFile(b)
	b.Logf("log %s: %d lines, %d bytes", info.path, info.lines, info.size)

	b.Run("synclog", func(b *testing.B) {
		b.SetBytes(info.size)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			n, _, err := parseFile(info.path)
			if err != nil {
				b.Fatal(err)
			}
			if n != info.lines {
				b.Fatalf("parsed %d lines, want %d", n, info.lines)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(info.lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("jq", func(b *testing.B) {
		jq, err := exec.LookPath("jq")
		if err != nil {
			b.Skip("jq is not on PATH")
		}
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer devNull.Close()
		b.SetBytes(info.size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(jq, "-c", ".msg", info.path)
			// An *os.File, so jq writes straight to /dev/null and this
			// process copies nothing.
			cmd.Stdout = devNull
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				b.Fatalf("jq: %v: %s", err, stderr.String())
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(info.lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
