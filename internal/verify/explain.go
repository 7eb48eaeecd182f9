package verify

import (
	"bufio"
	"os"
	"strings"
	"time"

	"github.com/conductorone/baton-setup/internal/lazyre"
)

// exitStatus finds the connector's exit status in sync.sh's reason.
var exitStatus = lazyre.New(`status (\d+)`)

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// hintOf returns the text of the "hint: " lines of an error message.
func hintOf(msg string) string {
	var hints []string
	for _, l := range strings.Split(msg, "\n") {
		if h, ok := strings.CutPrefix(strings.TrimSpace(l), "hint: "); ok {
			hints = append(hints, h)
		}
	}
	return strings.Join(hints, " ")
}

func containsAny(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// lastError finds the last "error: " line baton-setup printed into the
// log (the upload's), and the hints that follow it.
func lastError(lines []string) (msg, hint string) {
	for i := len(lines) - 1; i >= 0; i-- {
		e, ok := strings.CutPrefix(lines[i], "error: ")
		if !ok {
			continue
		}
		return e, hintOf(strings.Join(lines[i+1:], "\n"))
	}
	return "", ""
}

func modifiedSince(path string, t time.Time) bool {
	st, err := os.Stat(path)
	return err == nil && !st.ModTime().Before(t)
}

// tailLines returns the last n lines of a file.
func tailLines(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var ring []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		ring = append(ring, sc.Text())
		if len(ring) > n {
			ring = ring[1:]
		}
	}
	return ring
}
