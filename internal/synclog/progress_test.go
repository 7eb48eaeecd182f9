package synclog

import (
	"reflect"
	"strings"
	"testing"
)

func replay(t *testing.T, lines []string) Progress {
	t.Helper()
	var p Progress
	for _, l := range lines {
		p.Apply(ParseString(l))
	}
	return p
}

func TestProgressLDAPSync(t *testing.T) {
	p := replay(t, readLines(t, ldapSample))

	want := []TypeProgress{
		{ResourceType: "user", Resources: 3, EntitlementsDone: true, GrantsDone: true},
		{ResourceType: "role", Resources: 1, EntitlementsSynced: 1, EntitlementsTotal: 1, EntitlementsDone: true, GrantsSynced: 1, GrantsTotal: 1, GrantsDone: true},
		{ResourceType: "group", Resources: 3, EntitlementsSynced: 3, EntitlementsTotal: 3, EntitlementsDone: true, GrantsSynced: 3, GrantsTotal: 3, GrantsDone: true},
	}
	if !reflect.DeepEqual(p.Types, want) {
		t.Errorf("Types\n got %+v\nwant %+v", p.Types, want)
	}
	if !p.Done || p.Phase != PhaseDone {
		t.Errorf("Done = %v, Phase = %v; want true, done", p.Done, p.Phase)
	}
	if p.ResourceTypes != 3 || p.Warnings != 0 || p.Errors != 0 {
		t.Errorf("ResourceTypes, Warnings, Errors = %d, %d, %d; want 3, 0, 0", p.ResourceTypes, p.Warnings, p.Errors)
	}
	if p.SyncID != ldapSyncID {
		t.Errorf("SyncID = %q", p.SyncID)
	}
	if want := unix(1795626703, 336060800); !p.LastEvent.Equal(want) {
		t.Errorf("LastEvent = %v, want %v", p.LastEvent, want)
	}
	if g, ok := p.Type("group"); !ok || g.GrantsSynced != 3 {
		t.Errorf("Type(group) = %+v, %v", g, ok)
	}
	if _, ok := p.Type("nope"); ok {
		t.Error("Type(nope) found")
	}
}

// TestProgressFinishesEveryRow replays a v0.3.x-style log that never
// logs the last "Synced …" lines of a type: "Sync complete." must still
// finish its row, and the sync file's counts replace the log's.
func TestProgressFinishesEveryRow(t *testing.T) {
	p := replay(t, []string{
		`{"level":"info","msg":"Synced resources","resource_type_id":"role","count":20}`,
		`{"level":"info","msg":"Synced resources","resource_type_id":"database","count":3}`,
		`{"level":"info","msg":"Syncing entitlements","resource_type_id":"role","synced":1,"total":20,"percent_complete":5}`,
		`{"level":"info","msg":"Synced entitlements","resource_type_id":"database","count":3,"total":3}`,
		`{"level":"info","msg":"Syncing grants","resource_type_id":"role","synced":1,"total":20,"percent_complete":5}`,
		`{"level":"info","msg":"Synced grants","resource_type_id":"database","count":3,"total":3}`,
		`{"level":"info","msg":"Sync complete."}`,
	})
	want := []TypeProgress{
		{ResourceType: "role", Resources: 20, EntitlementsSynced: 20, EntitlementsTotal: 20, EntitlementsDone: true, GrantsSynced: 20, GrantsTotal: 20, GrantsDone: true},
		{ResourceType: "database", Resources: 3, EntitlementsSynced: 3, EntitlementsTotal: 3, EntitlementsDone: true, GrantsSynced: 3, GrantsTotal: 3, GrantsDone: true},
	}
	if !reflect.DeepEqual(p.Types, want) {
		t.Errorf("after Sync complete.\n got %+v\nwant %+v", p.Types, want)
	}

	p.Finish(map[string]int64{"role": 18, "database": 3, "schema": 2})
	want[0] = TypeProgress{ResourceType: "role", Resources: 18, EntitlementsSynced: 18, EntitlementsTotal: 18, EntitlementsDone: true, GrantsSynced: 18, GrantsTotal: 18, GrantsDone: true}
	want = append(want, TypeProgress{ResourceType: "schema", Resources: 2, EntitlementsDone: true, GrantsDone: true})
	if !reflect.DeepEqual(p.Types, want) {
		t.Errorf("after Finish\n got %+v\nwant %+v", p.Types, want)
	}
}

func TestProgressSQLFailure(t *testing.T) {
	p := replay(t, readLines(t, sqlSample))
	if p.Done || p.Phase != PhaseResources || p.Errors != 4 || p.ResourceTypes != 2 || len(p.Types) != 0 {
		t.Errorf("got %+v; want phase resources, 4 errors, 2 resource types, no per-type counts, not done", p)
	}
}

func TestProgressApply(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  Progress
	}{
		{
			name: "v0.3.x repeats Synced resources per parent scope: the running total is kept, not summed",
			lines: []string{
				`{"level":"info","msg":"Synced resources","resource_type_id":"table","count":2}`,
				`{"level":"info","msg":"Synced resources","resource_type_id":"table","count":5}`,
				`{"level":"info","msg":"Synced resources","resource_type_id":"table","count":5}`,
			},
			want: Progress{Phase: PhaseResources, Types: []TypeProgress{{ResourceType: "table", Resources: 5}}},
		},
		{
			name: "a late line from a parallel worker does not lower counts or the phase",
			lines: []string{
				`{"level":"info","msg":"Syncing grants","resource_type_id":"user","synced":50,"total":120}`,
				`{"level":"info","msg":"Syncing entitlements","resource_type_id":"user","synced":30,"total":120}`,
				`{"level":"info","msg":"Syncing grants","resource_type_id":"user","synced":20,"total":120}`,
			},
			want: Progress{Phase: PhaseGrants, Types: []TypeProgress{{ResourceType: "user", EntitlementsSynced: 30, EntitlementsTotal: 120, GrantsSynced: 50, GrantsTotal: 120}}},
		},
		{
			name: "resumed sync logs synced without total",
			lines: []string{
				`{"level":"info","msg":"resumed previous sync","sync_id":"s1"}`,
				`{"level":"info","msg":"Syncing grants","resource_type_id":"user","synced":7}`,
			},
			want: Progress{Phase: PhaseGrants, SyncID: "s1", Types: []TypeProgress{{ResourceType: "user", GrantsSynced: 7}}},
		},
		{
			name: "a missing final Synced line leaves the type not done",
			lines: []string{
				`{"level":"info","msg":"Syncing entitlements...","ts":1}`,
				`{"level":"info","msg":"Synced entitlements","resource_type_id":"schema","count":2,"total":2,"ts":2}`,
				`{"level":"info","msg":"Syncing entitlements","resource_type_id":"role","synced":1,"total":4,"ts":3}`,
			},
			want: Progress{Phase: PhaseEntitlements, LastEvent: unix(3, 0), Types: []TypeProgress{
				{ResourceType: "schema", EntitlementsSynced: 2, EntitlementsTotal: 2, EntitlementsDone: true},
				{ResourceType: "role", EntitlementsSynced: 1, EntitlementsTotal: 4},
			}},
		},
		{
			name: "warnings are counted and the summary raises the count",
			lines: []string{
				`{"level":"warn","msg":"retrying operation","error":"EOF"}`,
				`{"level":"warn","msg":"skipping sync action","error":"x"}`,
				`{"level":"warn","msg":"sync completed with warnings","warning_count":5}`,
				`{"level":"info","msg":"Sync complete."}`,
			},
			want: Progress{Phase: PhaseDone, Warnings: 5, Done: true},
		},
		{
			name: "old SDK logs only phases",
			lines: []string{
				`{"level":"info","msg":"Syncing resource types..."}`,
				`{"level":"info","msg":"Syncing resources..."}`,
				`{"level":"info","msg":"Syncing entitlements..."}`,
				`{"level":"info","msg":"Syncing grants..."}`,
				`{"level":"info","msg":"Sync complete."}`,
			},
			want: Progress{Phase: PhaseDone, Done: true},
		},
		{
			name: "expansion",
			lines: []string{
				`{"level":"info","msg":"Expanding grants..."}`,
				`{"level":"info","msg":"Expanding grants","actions_remaining":40}`,
				`{"level":"info","msg":"Expanding grants","actions_remaining":12}`,
			},
			want: Progress{Phase: PhaseExpansion, ExpansionRemaining: 12},
		},
		{
			name: "noise, info and text change nothing but the clock",
			lines: []string{
				`{"level":"info","ts":5,"msg":"[core][Server #1] Server created"}`,
				`{"level":"info","msg":"syncing in parallel","count":3}`,
				`plain text`,
			},
			want: Progress{LastEvent: unix(5, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replay(t, tt.lines); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestProgressSince(t *testing.T) {
	before := Progress{Phase: PhaseResources, Types: []TypeProgress{{ResourceType: "user", Resources: 5}, {ResourceType: "group", Resources: 2}}, Warnings: 1}
	now := Progress{Phase: PhaseEntitlements, Types: []TypeProgress{{ResourceType: "user", Resources: 9}, {ResourceType: "group", Resources: 2}, {ResourceType: "role", Resources: 1}}, Warnings: 3}
	got := strings.Join(now.Since(before), "|")
	if want := "phase: entitlements|synced 9 user resources|synced 1 role resources|3 warnings so far"; got != want {
		t.Errorf("Since = %q, want %q", got, want)
	}
	if got := before.Since(before); len(got) != 0 {
		t.Errorf("no change gave %q", got)
	}
}
