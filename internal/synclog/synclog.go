// Package synclog turns the stderr of a Baton connector into events.
//
// A connector run with --log-format json writes one zap object per line
// (level, ts, caller, msg, then fields); the runner's own error chain ends
// with the plain error text on the last line or lines. Parse classifies one
// line at a time, Progress folds events into per-resource-type counts,
// Collector keeps a bounded tail for failure reporting, and Diagnose turns a
// failure into a plain cause and fix.
//
// The package is pure: it does no I/O and uses only the standard library.
package synclog

import (
	"bytes"
	"strings"
	"time"
)

// Phase is a step of a sync, in order.
type Phase int

// The phases of a sync, in the order the syncer runs them.
const (
	PhaseUnknown Phase = iota
	PhaseStarting
	PhaseResourceTypes
	PhaseResources
	PhaseEntitlements
	PhaseGrants
	PhaseExpansion
	PhaseDone
)

// String returns the phase as a user would read it, e.g. "expanding grants".
func (p Phase) String() string {
	switch p {
	case PhaseStarting:
		return "starting"
	case PhaseResourceTypes:
		return "resource types"
	case PhaseResources:
		return "resources"
	case PhaseEntitlements:
		return "entitlements"
	case PhaseGrants:
		return "grants"
	case PhaseExpansion:
		return "expanding grants"
	case PhaseDone:
		return "done"
	default:
		return "unknown"
	}
}

// Kind classifies an event.
type Kind int

// The kinds of event.
const (
	// KindNoise is a line a progress view should hide: gRPC internals,
	// successful unary calls, rate-limiter chatter, unrecognised debug lines.
	KindNoise Kind = iota
	// KindPhase marks the start of a phase (e.g. "Syncing grants...").
	KindPhase
	// KindProgress carries counts for a resource type or a whole phase.
	KindProgress
	// KindWarning is a problem that does not fail the sync by itself.
	KindWarning
	// KindError is a log line at level error or above.
	KindError
	// KindDone is "Sync complete.".
	KindDone
	// KindText is a line that is not a log entry, such as the plain error
	// text a connector prints last.
	KindText
	// KindInfo is any other log entry: summaries and connector chatter.
	KindInfo
)

// String returns the lower-case name of the kind, e.g. "progress".
func (k Kind) String() string {
	switch k {
	case KindNoise:
		return "noise"
	case KindPhase:
		return "phase"
	case KindProgress:
		return "progress"
	case KindWarning:
		return "warning"
	case KindError:
		return "error"
	case KindDone:
		return "done"
	case KindText:
		return "text"
	case KindInfo:
		return "info"
	default:
		return "unknown"
	}
}

// Event is one parsed stderr line.
type Event struct {
	Kind  Kind
	Level string    // debug|info|warn|error (also dpanic|panic|fatal); "" for plain text
	Time  time.Time // from the zap "ts"; zero if absent
	Msg   string
	// Phase is the phase this line starts or reports on. Parse is stateless,
	// so lines that do not name a phase have PhaseUnknown.
	Phase        Phase
	ResourceType string // "resource_type_id"
	// Count is "count"; for "Finished loading entitlement graph" it is
	// "edges", for "Expanding grants" "actions_remaining", and for
	// "sync completed with warnings" "warning_count".
	Count  int64
	Synced int64  // "synced": resources of the type processed so far
	Total  int64  // "total": resources of the type
	Err    string // the "error" field, or the whole line for KindText
	Code   string // "grpc.code", when the line has one
	SyncID string // "sync_id"
	Raw    string // the line without its line ending
}

// Message strings the syncer logs; see the contract's progress table.
const (
	msgBeginSync         = "beginning new sync"
	msgResumingSync      = "resuming previous sync"
	msgResumedSync       = "resumed previous sync"
	msgSyncingTypes      = "Syncing resource types..."
	msgSyncedTypes       = "Synced resource types"
	msgSyncingResources  = "Syncing resources..."
	msgSyncedResources   = "Synced resources"
	msgSyncingStaticEnts = "Syncing static entitlements..."
	msgSyncingEntsPhase  = "Syncing entitlements..."
	msgSyncingEnts       = "Syncing entitlements"
	msgSyncedEnts        = "Synced entitlements"
	msgSyncingGrantsPh   = "Syncing grants..."
	msgSyncingGrants     = "Syncing grants"
	msgSyncedGrants      = "Synced grants"
	msgExpandingPhase    = "Expanding grants..."
	msgExpanding         = "Expanding grants"
	msgGraphLoaded       = "Finished loading entitlement graph"
	msgSyncComplete      = "Sync complete."
	msgWarningsSummary   = "sync completed with warnings"
	msgUnaryOK           = "finished unary call with code OK"
)

// interned holds strings that occur on most lines, so decoding them costs
// no allocation.
var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"debug", "info", "warn", "error", "dpanic", "panic", "fatal",
		msgBeginSync, msgResumingSync, msgResumedSync,
		msgSyncingTypes, msgSyncedTypes, msgSyncingResources, msgSyncedResources,
		msgSyncingStaticEnts, msgSyncingEntsPhase, msgSyncingEnts, msgSyncedEnts,
		msgSyncingGrantsPh, msgSyncingGrants, msgSyncedGrants,
		msgExpandingPhase, msgExpanding, msgGraphLoaded, msgSyncComplete,
		msgWarningsSummary, msgUnaryOK,
		"syncing in parallel", "sync data collection complete",
		"grant digest build: hash-index merge complete", "grant digest build complete",
		"retrying operation", "max attempts reached", "slow connector call",
		"ratelimit overlimit - waiting", "ratelimit: error running client request",
		"finished unary call with code Unknown",
		"runner: error processing on-demand task", "error running connector",
		"Unknown", "OK",
	} {
		m[s] = s
	}
	return m
}()

// Parse classifies one stderr line. It never fails: anything that is not a
// zap JSON or console entry comes back as KindText.
func Parse(line []byte) Event {
	line = bytes.TrimRight(line, "\r\n")
	raw := string(line)
	body := bytes.TrimLeft(line, " \t")
	if len(body) > 0 && body[0] == '{' {
		var w wire
		if w.decode(body) {
			return w.event(raw)
		}
		return textEvent(raw)
	}
	if e, ok := parseConsole(raw); ok {
		return e
	}
	return textEvent(raw)
}

// ParseString is Parse for a string.
func ParseString(line string) Event {
	return Parse([]byte(line))
}

func textEvent(raw string) Event {
	return Event{Kind: KindText, Err: strings.TrimSpace(raw), Raw: raw}
}

// classify decides kind and phase from level and message alone.
func classify(level, msg string, grpcLog bool) (Kind, Phase) {
	switch msg {
	case msgBeginSync, msgResumingSync, msgResumedSync:
		return KindPhase, PhaseStarting
	case msgSyncingTypes:
		return KindPhase, PhaseResourceTypes
	case msgSyncedTypes:
		return KindProgress, PhaseResourceTypes
	case msgSyncingResources:
		return KindPhase, PhaseResources
	case msgSyncedResources:
		return KindProgress, PhaseResources
	case msgSyncingStaticEnts, msgSyncingEntsPhase:
		return KindPhase, PhaseEntitlements
	case msgSyncingEnts, msgSyncedEnts:
		return KindProgress, PhaseEntitlements
	case msgSyncingGrantsPh:
		return KindPhase, PhaseGrants
	case msgSyncingGrants, msgSyncedGrants:
		return KindProgress, PhaseGrants
	case msgExpandingPhase:
		return KindPhase, PhaseExpansion
	case msgExpanding, msgGraphLoaded:
		return KindProgress, PhaseExpansion
	case msgSyncComplete:
		return KindDone, PhaseDone
	case msgUnaryOK:
		return KindNoise, PhaseUnknown
	}
	if grpcLog || strings.HasPrefix(msg, "[core]") {
		return KindNoise, PhaseUnknown
	}
	if isWarningMsg(msg) {
		return KindWarning, PhaseUnknown
	}
	switch level {
	case "warn":
		return KindWarning, PhaseUnknown
	case "error", "dpanic", "panic", "fatal":
		return KindError, PhaseUnknown
	case "debug":
		return KindNoise, PhaseUnknown
	}
	// The rate limiter's info lines ("ratelimit overlimit - waiting") are
	// chatter; its error lines are part of the failure chain and stay errors.
	if strings.HasPrefix(msg, "ratelimit") {
		return KindNoise, PhaseUnknown
	}
	return KindInfo, PhaseUnknown
}

// isWarningMsg reports the syncer's non-fatal problems, which are warnings
// whatever level a given SDK logged them at.
func isWarningMsg(msg string) bool {
	switch msg {
	case "retrying operation", "max attempts reached", "slow connector call", msgWarningsSummary:
		return true
	}
	return strings.HasPrefix(msg, "connector returned invalid data") ||
		(strings.HasPrefix(msg, "skipping sync") && strings.HasSuffix(msg, "action"))
}

func isErrorLevel(level string) bool {
	switch level {
	case "error", "dpanic", "panic", "fatal":
		return true
	}
	return false
}
