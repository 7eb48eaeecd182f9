package synclog

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Progress folds events into the state a progress view needs. The zero
// value is ready to use.
type Progress struct {
	// Phase is the furthest phase reached. It never moves backwards: with
	// several workers the syncer can log a late line of an earlier phase.
	Phase Phase
	// ResourceTypes is the count from "Synced resource types".
	ResourceTypes int64
	// Types holds per-type counts in the order the types were first seen.
	Types []TypeProgress
	// Warnings counts warning lines; "sync completed with warnings" raises
	// it to the syncer's own warning_count if that is higher.
	Warnings int
	// Errors counts lines logged at level error or above.
	Errors int
	// ExpansionRemaining is the last "actions_remaining" while expanding grants.
	ExpansionRemaining int64
	Done               bool
	SyncID             string
	// LastEvent is the log time of the latest timestamped line of any kind,
	// noise included, so a view can tell a quiet connector from a stuck one.
	LastEvent time.Time
}

// TypeProgress holds the counts for one resource type. In the entitlement
// and grant phases the SDK counts resources processed, not entitlements or
// grants, so the totals equal Resources.
type TypeProgress struct {
	ResourceType       string
	Resources          int64
	EntitlementsSynced int64
	EntitlementsTotal  int64
	GrantsSynced       int64
	GrantsTotal        int64
	EntitlementsDone   bool
	GrantsDone         bool
}

// Apply updates p with one event.
//
// Counts are taken as the maximum seen, never summed. Every count the SDK
// logs is a running total for its type, and v0.3.x repeats "Synced
// resources" for a type once per parent scope, so summing would count the
// same resources again. Taking the maximum also ignores a stale line a
// parallel worker logs late.
func (p *Progress) Apply(e Event) {
	if !e.Time.IsZero() && e.Time.After(p.LastEvent) {
		p.LastEvent = e.Time
	}
	if e.SyncID != "" {
		p.SyncID = e.SyncID
	}
	if e.Phase > p.Phase {
		p.Phase = e.Phase
	}
	switch e.Kind {
	case KindWarning:
		if e.Msg == msgWarningsSummary {
			if int(e.Count) > p.Warnings {
				p.Warnings = int(e.Count)
			}
		} else {
			p.Warnings++
		}
		return
	case KindError:
		p.Errors++
		return
	case KindDone:
		p.Done = true
		// A finished sync has finished every type, whether or not the SDK
		// logged a last "Synced …" line for it (v0.3.x often does not).
		for i := range p.Types {
			p.Types[i].complete()
		}
		return
	case KindProgress:
	default:
		return
	}

	switch e.Msg {
	case msgSyncedTypes:
		p.ResourceTypes = max(p.ResourceTypes, e.Count)
		return
	case msgExpanding:
		p.ExpansionRemaining = e.Count
		return
	}
	if e.ResourceType == "" {
		return
	}
	t := p.typ(e.ResourceType)
	switch e.Msg {
	case msgSyncedResources:
		t.Resources = max(t.Resources, e.Count)
	case msgSyncingEnts:
		t.EntitlementsSynced = max(t.EntitlementsSynced, e.Synced)
		t.EntitlementsTotal = max(t.EntitlementsTotal, e.Total)
	case msgSyncedEnts:
		t.EntitlementsSynced = max(t.EntitlementsSynced, e.Count)
		t.EntitlementsTotal = max(t.EntitlementsTotal, e.Total)
		t.EntitlementsDone = true
	case msgSyncingGrants:
		t.GrantsSynced = max(t.GrantsSynced, e.Synced)
		t.GrantsTotal = max(t.GrantsTotal, e.Total)
	case msgSyncedGrants:
		t.GrantsSynced = max(t.GrantsSynced, e.Count)
		t.GrantsTotal = max(t.GrantsTotal, e.Total)
		t.GrantsDone = true
	}
}

// complete marks a type's entitlement and grant phases finished, with
// every resource processed.
func (t *TypeProgress) complete() {
	t.EntitlementsSynced = max(t.EntitlementsSynced, t.EntitlementsTotal)
	t.GrantsSynced = max(t.GrantsSynced, t.GrantsTotal)
	t.EntitlementsDone, t.GrantsDone = true, true
}

// Finish completes every row from the finished sync file's own counts,
// resources by type, which beat the log's: the log can repeat or miss a
// type's last line, the file cannot. A type the file has and the log never
// named gets a row of its own.
func (p *Progress) Finish(resources map[string]int64) {
	p.Done = true
	p.Phase = PhaseDone
	for _, rt := range slices.Sorted(maps.Keys(resources)) {
		n := resources[rt]
		t := p.typ(rt)
		t.Resources = n
		if t.EntitlementsTotal > 0 {
			t.EntitlementsTotal = n
		}
		if t.GrantsTotal > 0 {
			t.GrantsTotal = n
		}
		t.EntitlementsSynced = min(t.EntitlementsSynced, n)
		t.GrantsSynced = min(t.GrantsSynced, n)
	}
	for i := range p.Types {
		p.Types[i].complete()
	}
}

// Type returns the counts for a resource type, or false if none were seen.
func (p *Progress) Type(resourceType string) (TypeProgress, bool) {
	for _, t := range p.Types {
		if t.ResourceType == resourceType {
			return t, true
		}
	}
	return TypeProgress{}, false
}

// typ finds or appends the entry for a resource type. A linear scan beats a
// map for the few dozen types a connector has, and keeps the zero Progress
// usable without an index to build.
func (p *Progress) typ(resourceType string) *TypeProgress {
	for i := range p.Types {
		if p.Types[i].ResourceType == resourceType {
			return &p.Types[i]
		}
	}
	p.Types = append(p.Types, TypeProgress{ResourceType: resourceType})
	return &p.Types[len(p.Types)-1]
}

// Since says in lines what changed from before to p: a new phase, more
// resources of a type, new warnings. A live view prints them as they come.
func (p Progress) Since(before Progress) []string {
	var lines []string
	if p.Phase != before.Phase && p.Phase != PhaseUnknown {
		lines = append(lines, "phase: "+p.Phase.String())
	}
	seen := map[string]int64{}
	for _, t := range before.Types {
		seen[t.ResourceType] = t.Resources
	}
	for _, t := range p.Types {
		if t.Resources > seen[t.ResourceType] {
			lines = append(lines, fmt.Sprintf("synced %d %s resources", t.Resources, t.ResourceType))
		}
	}
	if p.Warnings > before.Warnings {
		lines = append(lines, fmt.Sprintf("%d warnings so far", p.Warnings))
	}
	return lines
}
