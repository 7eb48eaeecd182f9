package verify

import (
	"bytes"
	"io"
	"os"
	"strings"
	"time"
)

// follower reads the lines a running job appends to a file, from where the
// file ended when it started. sync.sh may rotate its log (rename it to
// sync.log.1 and go on in a fresh sync.log); the follower then finishes
// the old file and goes on from the start of the new one.
type follower struct {
	path string
	// since, when set, skips a file not written since then: connector.log
	// is truncated by the run, and its earlier content is not this run's.
	since   time.Time
	f       *os.File
	partial []byte
	emit    func(line string)
}

// newFollower starts at the current end of path, or at the start of the
// file that appears there later.
func newFollower(path string, emit func(string)) *follower {
	fl := &follower{path: path, emit: emit}
	if f, err := os.Open(path); err == nil {
		if _, err := f.Seek(0, io.SeekEnd); err == nil {
			fl.f = f
		} else {
			f.Close()
		}
	}
	return fl
}

// poll emits the complete lines written since the last poll.
func (fl *follower) poll() {
	if fl.f != nil {
		fl.read()
		if st, err := fl.f.Stat(); err == nil && st.Size() < fl.offset() {
			// Truncated in place: start again from its beginning.
			fl.f.Seek(0, io.SeekStart)
			fl.partial = nil
			fl.read()
		}
	}
	cur, err := os.Stat(fl.path)
	if err != nil {
		return
	}
	if fl.f != nil {
		if old, err := fl.f.Stat(); err == nil && os.SameFile(old, cur) {
			return
		}
		// Rotated: what the old file still held was read above.
		fl.flush()
		fl.f.Close()
		fl.f = nil
	}
	if !fl.since.IsZero() && cur.ModTime().Before(fl.since) {
		return
	}
	f, err := os.Open(fl.path)
	if err != nil {
		return
	}
	fl.f = f
	fl.read()
}

func (fl *follower) offset() int64 {
	off, err := fl.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return off
}

func (fl *follower) read() {
	buf := make([]byte, 32<<10)
	for {
		n, err := fl.f.Read(buf)
		if n > 0 {
			fl.partial = append(fl.partial, buf[:n]...)
			for {
				i := bytes.IndexByte(fl.partial, '\n')
				if i < 0 {
					break
				}
				fl.emit(strings.TrimRight(string(fl.partial[:i]), "\r"))
				fl.partial = fl.partial[i+1:]
			}
		}
		// EOF ends this poll; any other error ends it too, and the next
		// poll tries again.
		if err != nil || n == 0 {
			return
		}
	}
}

// flush emits a last line without its line break.
func (fl *follower) flush() {
	if len(fl.partial) > 0 {
		fl.emit(string(fl.partial))
		fl.partial = nil
	}
}

// close reads what is left and emits it.
func (fl *follower) close() {
	fl.poll()
	fl.flush()
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
}
