#!/usr/bin/env bash
# scripts/bench.sh: reproduce baton-setup's performance figures, each as a
# ratio against a named peer measured in the same run.
#
#   scripts/bench.sh                 # full run (minutes; the cold build is the longest part)
#   BENCH_OUT=/tmp/x.md scripts/bench.sh
#
# Measures:
#   1. start-up:   `baton-setup --version` vs `gh --version` (hyperfine)
#   2. overhead:   `baton-setup test` vs the same demo connector run directly
#                  (`baton-setup demo-connector`) on the same data (50k
#                  users), interleaved runs, median
#   3. log parse:  synclog.Parse vs `jq -c .msg` over a 1M-line log captured
#                  from the demo connector (Go benchmark internal/bench,
#                  both sides in the same benchmark binary, interleaved)
#   4. summary:    `baton-setup inspect` vs baton-sdk's `baton stats` on a
#                  c1z with 1M grants (500k users): wall and peak RSS
#   5. cold build: `go build ./cmd/baton-setup` (the one program) with an
#                  empty GOCACHE
#   6. picker:     BenchmarkFilter in internal/catalog
#
# Needs Go and a Debian-like system; jq, hyperfine, time and gh are
# installed with apt-get when missing (BENCH_NO_APT=1 to skip). Network use:
# the Go module proxy (baton CLI dependencies) and the Debian mirror.
# Everything is built and written under one temporary directory, removed
# on exit; only the Markdown report ($BENCH_OUT) stays.
#
# Knobs (environment): BENCH_SYNC_USERS (50000), BENCH_BIG_USERS (500000),
# BENCH_SYNC_RUNS (9), BENCH_SUMMARY_RUNS (9), BENCH_PARSE_RUNS (3),
# BENCH_LOG_LINES (1000000), BENCH_STARTUP_RUNS (60), BENCH_OUT, and
# BENCH_SKIP_COLD_BUILD=1 (build with the usual GOCACHE; for trying it out).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SYNC_USERS=${BENCH_SYNC_USERS:-50000}
BIG_USERS=${BENCH_BIG_USERS:-500000}
SYNC_RUNS=${BENCH_SYNC_RUNS:-9}
SUMMARY_RUNS=${BENCH_SUMMARY_RUNS:-9}
PARSE_RUNS=${BENCH_PARSE_RUNS:-3}
LOG_LINES=${BENCH_LOG_LINES:-1000000}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-60}
CAPTURE_USERS=20000 # debug-level log of this many users: ~14.6k lines, repeated to LOG_LINES
BATON_SDK=github.com/conductorone/baton-sdk
BATON_SDK_VERSION=v0.25.0
OUT=${BENCH_OUT:-/tmp/baton-setup-bench-$(date +%Y%m%d-%H%M%S).md}

START=$(date +%s)
log() { printf '[bench %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - START))" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- tools -------------------------------------------------------------------

command -v go >/dev/null || die "go is not on PATH"
missing=()
command -v jq >/dev/null || missing+=(jq)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v gh >/dev/null || missing+=(gh)
if ((${#missing[@]})) && [ -z "${BENCH_NO_APT:-}" ]; then
	SUDO=
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null && SUDO=sudo
	fi
	if [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; then
		log "apt-get install ${missing[*]}"
		$SUDO apt-get update -qq >/dev/null 2>&1 || log "warning: apt-get update failed"
		for p in "${missing[@]}"; do # one by one: a package missing from the mirror does not stop the rest
			DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
				log "warning: apt-get install $p failed"
		done
	else
		log "warning: not root and no sudo; cannot install ${missing[*]}"
	fi
fi
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package: time)"
command -v jq >/dev/null || die "jq is missing (Debian package: jq)"
HAVE_HYPERFINE=$(command -v hyperfine >/dev/null && echo 1 || echo "")
HAVE_GH=$(command -v gh >/dev/null && echo 1 || echo "")

# --- work directory ----------------------------------------------------------

W=$(mktemp -d "${TMPDIR:-/tmp}/baton-setup-bench.XXXXXX")
BG_PIDS=()
# killtree PID: PID and its descendants (only processes this script started).
killtree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do killtree "$c"; done
	kill -- "$1" 2>/dev/null || true
}
cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do killtree "$pid"; done
	wait 2>/dev/null || true
	chmod -R u+w "$W" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$W/bin" "$W/gocache" "$W/gh" "$W/tmp"
export TMPDIR=$W/tmp # the SDK's and go's temporary files go away with $W
export XDG_CACHE_HOME=$W/cache # baton-setup's schema cache too
X=$W/bin/baton-setup
BATON=$W/bin/baton
export CGO_ENABLED=0 # as the README's builds; the baton CLI is built the same way
export GOCACHE=$W/gocache
export GH_CONFIG_DIR=$W/gh GH_NO_UPDATE_NOTIFIER=1

# A snapshot of the source, so every build in this run sees the same files
# even if the working tree changes meanwhile.
SRC=$W/src
mkdir -p "$SRC"
tar -C "$REPO" --exclude=./.git -cf - . | tar -C "$SRC" -xf -
REVISION=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)

# --- machine -----------------------------------------------------------------

CPU_MODEL=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
NPROC=$(nproc)
GO_VERSION=$(go version)
KERNEL=$(uname -sr)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
OS_NAME=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}" || echo "?")
LOAD_START=$(loadavg)
log "machine: $NPROC × $CPU_MODEL, $MEM, $GO_VERSION; load $LOAD_START"

# --- helpers -----------------------------------------------------------------

# median of the numbers on stdin
median() {
	sort -g | awk '{a[NR]=$1} END {if (NR == 0) {print "nan"; exit} if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
# pairratio A B: median over i of (line i of A) / (line i of B), first columns
pairratio() { paste -d' ' "$1" "$2" | awk -v n="$(head -n 1 "$1" | wc -w)" '{print $1 / $(n+1)}' | median; }
minmax() { sort -g | awk 'NR==1 {min=$1} {max=$1} END {printf "%s–%s", min, max}'; }
# col FILE N: column N of FILE
col() { awk -v c="$2" '{print $c}' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "nan"; else printf "%.2f", a/b}'; }
fmt() { awk -v v="$1" -v d="${2:-2}" 'BEGIN {printf "%.*f", d, v}'; }
# met RATIO OP GOAL -> yes/no
met() { awk -v r="$1" -v g="$3" -v op="$2" 'BEGIN {ok = (op == "le") ? (r <= g) : (r >= g); print ok ? "yes" : "**no**"}'; }

# timed NAME CMD...: runs CMD once with stdout to $TIMED_STDOUT (default
# /dev/null), stderr to $W/NAME.err; appends "wall_ms user_s sys_s
# maxrss_kb" to $W/NAME.times.
timed() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%U %S %M' -o "$W/time.tmp" "$@" >"${TIMED_STDOUT:-/dev/null}" 2>"$W/$name.err"; then
		log "$name failed:"
		tail -n 20 "$W/$name.err" >&2
		cat "$W/time.tmp" >&2 || true
		exit 1
	fi
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(tail -n 1 "$W/time.tmp")" >>"$W/$name.times"
}

# --- 1. cold build -------------------------------------------------------------

log "go mod download (so the cold build measures compiling, not downloading)"
(cd "$SRC" && go mod download)
LOAD_BUILD=$(loadavg)
if [ -n "${BENCH_SKIP_COLD_BUILD:-}" ]; then
	# For trying the script out: build with the usual (warm) cache.
	unset GOCACHE
	log "building ./cmd/baton-setup with the usual GOCACHE (BENCH_SKIP_COLD_BUILD)"
	(cd "$SRC" && go build -buildvcs=false -o "$W/bin/" ./cmd/baton-setup)
else
	log "cold build of ./cmd/baton-setup with an empty GOCACHE (CGO_ENABLED=0)"
	(cd "$SRC" && timed coldbuild go build -buildvcs=false -o "$W/bin/" ./cmd/baton-setup)
	COLD_WALL=$(awk '{printf "%.1f", $1/1000}' "$W/coldbuild.times")
	COLD_CPU=$(awk '{printf "%.1f", $2+$3}' "$W/coldbuild.times")
	log "cold build: ${COLD_WALL} s wall, ${COLD_CPU} s CPU"
fi

# --- 2. fixtures (not measured; run side by side) --------------------------------

log "building baton-sdk's baton CLI $BATON_SDK_VERSION, generating a ${BIG_USERS}-user c1z, capturing a debug log"
(
	set -e
	m=$W/batoncli
	mkdir -p "$m"
	cd "$m"
	# Same module versions as baton-setup (upstream modernc sqlite v1.50.0 and
	# goqu v9.19.0, not baton-sdk's replace targets); go get adds what only
	# cmd/baton needs.
	sed 's#^module .*#module batonbench#' "$SRC/go.mod" >go.mod
	cp "$SRC/go.sum" go.sum
	go get "$BATON_SDK/cmd/baton@$BATON_SDK_VERSION"
	go build -buildvcs=false -o "$BATON" "$BATON_SDK/cmd/baton"
	for mod in "$BATON_SDK" github.com/cockroachdb/pebble/v2 modernc.org/sqlite github.com/doug-martin/goqu/v9; do
		echo "$mod $(go list -m -f '{{.Version}}' "$mod") $(cd "$SRC" && go list -m -f '{{.Version}}' "$mod")"
	done >"$W/versions.txt"
) >"$W/batoncli.log" 2>&1 &
PID_BATON=$!
BG_PIDS+=("$PID_BATON")
(
	env BATON_TENANT=acme BATON_API_KEY=bench BATON_USER_COUNT="$BIG_USERS" \
		/usr/bin/time -f '%e' -o "$W/big.time" "$X" demo-connector --file "$W/big.c1z" --log-format json
) >/dev/null 2>"$W/big.log" &
PID_BIG=$!
BG_PIDS+=("$PID_BIG")

env BATON_TENANT=acme BATON_API_KEY=bench BATON_USER_COUNT="$CAPTURE_USERS" \
	"$X" demo-connector --file "$W/capture.c1z" --log-format json --log-level debug 2>"$W/capture.log" >/dev/null ||
	die "capturing the demo connector's log failed: $(tail -n 3 "$W/capture.log")"
CAPTURE_LINES=$(wc -l <"$W/capture.log")
[ "$CAPTURE_LINES" -gt 0 ] || die "the captured log is empty"
awk -v n="$LOG_LINES" '{l[NR] = $0} END {for (i = 0; i < n; i++) print l[i % NR + 1]}' "$W/capture.log" >"$W/log.jsonl"
LOG_BYTES=$(stat -c %s "$W/log.jsonl")
(cd "$SRC" && go test -c -o "$W/bin/bench.test" ./internal/bench/) || die "building internal/bench failed"

wait "$PID_BATON" || {
	cat "$W/batoncli.log" >&2
	die "building the baton CLI failed"
}
wait "$PID_BIG" || {
	tail -n 20 "$W/big.log" >&2
	die "generating the big c1z failed"
}
BG_PIDS=()
BIG_GEN=$(cat "$W/big.time")
"$X" inspect --json "$W/big.c1z" >"$W/big.json"
BIG_GRANTS=$(jq .grants "$W/big.json")
BIG_RESOURCES=$(jq .resources "$W/big.json")
BIG_SIZE=$(stat -c %s "$W/big.c1z")
BIG_FORMAT=$(jq -r '"\(.format) (\(.engine))"' "$W/big.json")
BIG_SUM=$(md5sum <"$W/big.c1z")
log "fixtures ready: c1z with $BIG_GRANTS grants ($BIG_SIZE bytes, generated in ${BIG_GEN}s); log $LOG_LINES lines"
while read -r mod a b; do
	[ "$a" = "$b" ] || log "warning: $mod is $a in the baton CLI build but $b in baton-setup"
done <"$W/versions.txt"

# --- 3. start-up ----------------------------------------------------------------

LOAD_STARTUP=$(loadavg)
GH_VERSION=none
if [ -n "$HAVE_GH" ]; then
	GH_VERSION=$(gh --version | head -n 1 | awk '{print $3}')
fi
log "start-up: baton-setup --version vs gh --version ($STARTUP_RUNS runs each)"
startup_ms() { # startup_ms COMMAND -> median wall ms over all rounds, mean user+sys ms
	jq -rs --arg n "$1" '[.[].results[] | select(.command == $n)] as $r
		| ([$r[].times[]] | sort) as $t
		| (($t | length) as $l | if $l % 2 == 1 then $t[($l-1)/2] else ($t[$l/2-1] + $t[$l/2]) / 2 end) as $med
		| (([$r[] | .user + .system] | add) / ($r | length)) as $cpu
		| "\($med*1000) \($cpu*1000)"' "$W"/startup-*.json
}
if [ -n "$HAVE_HYPERFINE" ]; then
	# Four rounds in alternating order, so a change of load during the run
	# falls on both commands.
	per=$(((STARTUP_RUNS + 3) / 4))
	for r in 1 2 3 4; do
		cmds=("$X --version")
		if [ -n "$HAVE_GH" ]; then
			if ((r % 2)); then cmds+=("gh --version"); else cmds=("gh --version" "${cmds[@]}"); fi
		fi
		hyperfine -N --style none --warmup 5 --runs "$per" --export-json "$W/startup-$r.json" "${cmds[@]}" >>"$W/startup.out" 2>&1 ||
			{
				cat "$W/startup.out" >&2
				die "hyperfine failed"
			}
	done
	read -r SU_X SU_X_CPU <<<"$(startup_ms "$X --version")"
	if [ -n "$HAVE_GH" ]; then read -r SU_GH SU_GH_CPU <<<"$(startup_ms "gh --version")"; fi
	STARTUP_TOOL="hyperfine -N, 4 rounds of $per runs (5 warm-up) in alternating order, median of all $((4 * per)) runs"
else
	for _ in $(seq "$STARTUP_RUNS"); do
		timed su_x "$X" --version
		if [ -n "$HAVE_GH" ]; then timed su_gh gh --version; fi
	done
	SU_X=$(col "$W/su_x.times" 1 | median)
	SU_X_CPU=$(awk '{print ($2+$3)*1000}' "$W/su_x.times" | median)
	if [ -n "$HAVE_GH" ]; then
		SU_GH=$(col "$W/su_gh.times" 1 | median)
		SU_GH_CPU=$(awk '{print ($2+$3)*1000}' "$W/su_gh.times" | median)
	fi
	STARTUP_TOOL="interleaved loop, $STARTUP_RUNS runs each, median"
fi

# --- 4. log parsing ------------------------------------------------------------

LOAD_PARSE=$(loadavg)
log "log parsing: synclog.Parse vs jq -c .msg over $LOG_LINES lines ($PARSE_RUNS rounds)"
for _ in $(seq "$PARSE_RUNS"); do
	# -count would run all synclog rounds before all jq rounds; separate
	# invocations interleave them.
	BATON_SETUP_BENCH_LOG=$W/log.jsonl "$W/bin/bench.test" -test.run '^$' \
		-test.bench 'BenchmarkParseLog' -test.benchtime 1x >>"$W/parse.out" 2>&1 ||
		{
			cat "$W/parse.out" >&2
			die "BenchmarkParseLog failed"
		}
done
metric() { # metric SUB UNIT -> median of that metric over the rounds
	awk -v s="BenchmarkParseLog/$1-" -v u="$2" 'index($1, s) == 1 {for (i = 2; i < NF; i++) if ($(i+1) == u) print $i}' "$W/parse.out" | median
}
EPS_GO=$(metric synclog events/s)
EPS_JQ=$(metric jq events/s)
NS_GO=$(metric synclog ns/op)
NS_JQ=$(metric jq ns/op)
ALLOC_GO=$(metric synclog allocs/op)
grep -q 'BenchmarkParseLog/jq-' "$W/parse.out" || die "the jq side of BenchmarkParseLog did not run"

# --- 5. summary ----------------------------------------------------------------

LOAD_SUMMARY=$(loadavg)
log "summary: baton-setup inspect vs baton stats on $BIG_GRANTS grants ($SUMMARY_RUNS interleaved pairs)"
"$X" inspect "$W/big.c1z" >/dev/null # warm the page cache for both
"$BATON" stats -f "$W/big.c1z" >/dev/null
for i in $(seq "$SUMMARY_RUNS"); do
	if ((i % 2)); then
		timed inspect "$X" inspect "$W/big.c1z"
		timed stats "$BATON" stats -f "$W/big.c1z"
	else
		timed stats "$BATON" stats -f "$W/big.c1z"
		timed inspect "$X" inspect "$W/big.c1z"
	fi
done
[ "$(md5sum <"$W/big.c1z")" = "$BIG_SUM" ] || log "warning: the c1z changed while being read"
SUM_X=$(col "$W/inspect.times" 1 | median)
SUM_B=$(col "$W/stats.times" 1 | median)
RSS_X=$(col "$W/inspect.times" 4 | median)
RSS_B=$(col "$W/stats.times" 4 | median)
SUM_X_RANGE=$(col "$W/inspect.times" 1 | minmax)
SUM_PAIR=$(pairratio "$W/inspect.times" "$W/stats.times")
SUM_B_RANGE=$(col "$W/stats.times" 1 | minmax)

# --- 6. test-sync overhead --------------------------------------------------------

LOAD_SYNC=$(loadavg)
log "overhead: baton-setup test vs the demo connector directly, $SYNC_USERS users ($SYNC_RUNS interleaved pairs)"
# run_test also records, from the --json result, how long the connector
# process inside that run took: the same run's peer, free of the
# run-to-run spread of the connector itself.
run_test() {
	TIMED_STDOUT=$W/synctest.json timed synctest env BATON_API_KEY=bench "$X" test --json --connector demo --set tenant=acme --set "user-count=$SYNC_USERS"
	jq -r 'select(.type == "summary") | .elapsedNs / 1e6' "$W/synctest.json" >>"$W/inner.ms"
	[ "$(wc -l <"$W/inner.ms")" = "$(wc -l <"$W/synctest.times")" ] || die "test --json printed no summary event: $(tail -n 3 "$W/synctest.json")"
}
run_direct() {
	rm -f "$W/direct.c1z" # an existing unfinished file would be resumed
	timed direct env BATON_TENANT=acme BATON_API_KEY=bench BATON_USER_COUNT="$SYNC_USERS" \
		"$X" demo-connector --file "$W/direct.c1z" --log-format json
}
for i in $(seq "$SYNC_RUNS"); do
	if ((i % 2)); then
		run_test
		run_direct
	else
		run_direct
		run_test
	fi
	log "  pair $i: test $(tail -n 1 "$W/synctest.times" | cut -d' ' -f1) ms, direct $(tail -n 1 "$W/direct.times" | cut -d' ' -f1) ms (load $(loadavg))"
done
rm -f "$W/direct.c1z"
OV_X=$(col "$W/synctest.times" 1 | median)
OV_D=$(col "$W/direct.times" 1 | median)
OV_X_CPU=$(awk '{print $2+$3}' "$W/synctest.times" | median)
OV_D_CPU=$(awk '{print $2+$3}' "$W/direct.times" | median)
OV_X_RANGE=$(col "$W/synctest.times" 1 | minmax)
OV_PAIR=$(pairratio "$W/synctest.times" "$W/direct.times")
OV_INNER=$(pairratio "$W/synctest.times" "$W/inner.ms")
OV_ADDED=$(paste -d' ' "$W/synctest.times" "$W/inner.ms" | awk '{print $1 - $5}' | median)
OV_INNER_RANGE=$(paste -d' ' "$W/synctest.times" "$W/inner.ms" | awk '{printf "%.3f\n", $1 / $5}' | minmax)
OV_D_RANGE=$(col "$W/direct.times" 1 | minmax)

# --- 7. picker filter -------------------------------------------------------------

LOAD_FILTER=$(loadavg)
log "picker: go test -bench BenchmarkFilter ./internal/catalog/"
(cd "$SRC" && go test -run '^$' -bench BenchmarkFilter -benchmem ./internal/catalog/) >"$W/filter.out" 2>&1 ||
	{
		cat "$W/filter.out" >&2
		die "BenchmarkFilter failed"
	}
FILTER=$(awk '$1 ~ /^BenchmarkFilter\// {n=$1; sub(/^BenchmarkFilter\//, "", n); sub(/-[0-9]+$/, "", n); printf "%s`%s` %s ns", sep, n, $3; sep="; "}' "$W/filter.out")
FILTER_MAX=$(awk '$1 ~ /^BenchmarkFilter\// {print $3}' "$W/filter.out" | sort -g | tail -n 1)

LOAD_END=$(loadavg)
ELAPSED=$(($(date +%s) - START))

# --- report ---------------------------------------------------------------------

ms_to_s() { awk -v v="$1" 'BEGIN {printf "%.2f", v/1000}'; }
range_s() { echo "$1" | awk -F'–' '{printf "%.2f–%.2f", $1/1000, $2/1000}'; }
R_SU=nan
[ -n "$HAVE_GH" ] && R_SU=$(ratio "$SU_X" "$SU_GH")
R_OV=$(ratio "$OV_X" "$OV_D")
R_OV_CPU=$(ratio "$OV_X_CPU" "$OV_D_CPU")
R_PARSE=$(ratio "$EPS_GO" "$EPS_JQ")
R_SUM=$(ratio "$SUM_X" "$SUM_B")
R_RSS=$(ratio "$RSS_X" "$RSS_B")
BIG_NOTE="$BIG_RESOURCES resources, $BIG_GRANTS grants, $(awk -v b="$BIG_SIZE" 'BEGIN {printf "%.1f MB", b/1e6}') $BIG_FORMAT"

{
	echo "## baton-setup benchmarks ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo
	echo "Source: $REPO at $REVISION (snapshot taken at the start of the run)."
	echo "Machine: $NPROC × $CPU_MODEL, $MEM RAM, $OS_NAME, $KERNEL; $GO_VERSION; CGO_ENABLED=0 builds."
	echo "Load average (1/5/15 min): start $LOAD_START, end $LOAD_END (the machine was shared; per-section load below)."
	echo
	echo "| Measure | baton-setup | Peer | Peer figure | Ratio | Goal | Met |"
	echo "|---|---|---|---|---|---|---|"
	if [ -n "$HAVE_GH" ]; then
		echo "| Start-up, \`--version\`, median wall | $(fmt "$SU_X" 1) ms | \`gh --version\` (gh $GH_VERSION) | $(fmt "$SU_GH" 1) ms | ${R_SU}× | ≤ 0.4× | $(met "$R_SU" le 0.4) |"
	else
		echo "| Start-up, \`--version\`, median wall | $(fmt "$SU_X" 1) ms | \`gh --version\`: gh not installable here | – | – | ≤ 0.4× | – |"
	fi
	echo "| Test-sync overhead, $SYNC_USERS users, median wall of $SYNC_RUNS | $(ms_to_s "$OV_X") s ($(range_s "$OV_X_RANGE")) | demo connector run directly | $(ms_to_s "$OV_D") s ($(range_s "$OV_D_RANGE")) | ${R_OV}× (per pair $(fmt "$OV_PAIR")×) | ≤ 1.03× | $(met "$R_OV" le 1.03) |"
	echo "| Test-sync overhead, same run: \`test\` wall ÷ wall of the connector process it ran, median of $SYNC_RUNS | +$(fmt "$OV_ADDED" 0) ms | that connector process | – | $(fmt "$OV_INNER")× ($OV_INNER_RANGE) | – | – |"
	echo "| Test-sync overhead, CPU (user+sys), median | $(fmt "$OV_X_CPU") s | demo connector run directly | $(fmt "$OV_D_CPU") s | ${R_OV_CPU}× | – | – |"
	echo "| Log parsing, $LOG_LINES lines ($(awk -v b="$LOG_BYTES" 'BEGIN {printf "%.0f MB", b/1e6}')), median of $PARSE_RUNS | $(fmt "$EPS_GO" 0) events/s | \`jq -c .msg\` (jq $(jq --version | sed 's/^jq-//')) | $(fmt "$EPS_JQ" 0) events/s | ${R_PARSE}× | ≥ 5× | $(met "$R_PARSE" ge 5) |"
	echo "| Summary, $BIG_GRANTS grants, median wall of $SUMMARY_RUNS | $(ms_to_s "$SUM_X") s ($(range_s "$SUM_X_RANGE")) | \`baton stats\` (baton-sdk $BATON_SDK_VERSION) | $(ms_to_s "$SUM_B") s ($(range_s "$SUM_B_RANGE")) | ${R_SUM}× | ≤ 1.0× | $(met "$R_SUM" le 1.0) |"
	echo "| Summary, peak RSS, median | $(awk -v k="$RSS_X" 'BEGIN {printf "%.1f", k/1024}') MiB | \`baton stats\` | $(awk -v k="$RSS_B" 'BEGIN {printf "%.1f", k/1024}') MiB | ${R_RSS}× | ≤ 1.0× | $(met "$R_RSS" le 1.0) |"
	if [ -n "${COLD_WALL:-}" ]; then
		echo "| Cold build, \`go build ./cmd/baton-setup\`, empty GOCACHE, modules predownloaded | ${COLD_WALL} s wall (${COLD_CPU} s CPU) | – | – | – | report | – |"
	else
		echo "| Cold build | skipped (BENCH_SKIP_COLD_BUILD) | – | – | – | report | – |"
	fi
	echo "| Picker filter, one keystroke over the catalog (BenchmarkFilter) | $FILTER | – | – | – | report | – |"
	echo
	echo "Details:"
	echo
	echo "- Start-up: $STARTUP_TOOL; CPU (user+sys) per run: baton-setup $(fmt "$SU_X_CPU" 1) ms$([ -n "$HAVE_GH" ] && echo ", gh $(fmt "$SU_GH_CPU" 1) ms"). gh run with GH_NO_UPDATE_NOTIFIER=1 and an empty GH_CONFIG_DIR. Load $LOAD_STARTUP."
	echo "- Test-sync overhead: \`BATON_API_KEY=… baton-setup test --json --connector demo --set tenant=acme --set user-count=$SYNC_USERS\` vs \`BATON_TENANT=acme BATON_API_KEY=… BATON_USER_COUNT=$SYNC_USERS baton-setup demo-connector --file F --log-format json\` (fresh F each run; the second run of \`test\` onwards reads the schema from its cache, as a user's re-runs do); pairs interleaved, order alternating; wall from \`date +%s%N\`, CPU from \`/usr/bin/time\`; median of the per-pair wall ratios $(fmt "$OV_PAIR")×. The same-run ratio divides each \`test\` wall by the \`elapsedNs\` of its \`--json\` summary event (the connector process from start to exit), so the connector's own run-to-run spread (often larger than the 3% the goal allows) cancels out of it. Load $LOAD_SYNC."
	echo "- Log parsing: internal/bench BenchmarkParseLog, sub-benchmarks \`synclog\` (bufio.Scanner + synclog.Parse per line, file read included; $(fmt "$NS_GO" 0) ns/op per pass over the $LOG_LINES lines, $(fmt "$ALLOC_GO" 0) allocs/op) and \`jq\` (\`jq -c .msg FILE >/dev/null\`, $(fmt "$NS_JQ" 0) ns/op); $PARSE_RUNS separate rounds so the two alternate. Log: demo connector, $CAPTURE_USERS users, \`--log-level debug\`, $CAPTURE_LINES lines repeated to $LOG_LINES. Load $LOAD_PARSE."
	echo "- Summary: c1z from the demo connector with $BIG_USERS users ($BIG_NOTE; generated in ${BIG_GEN} s). \`baton-setup inspect FILE\` vs \`baton stats -f FILE\`, both printing their console table to /dev/null; interleaved, order alternating, after one warm-up each; peak RSS from \`/usr/bin/time\` %M; median of the per-pair wall ratios $(fmt "$SUM_PAIR")×. baton CLI built from $BATON_SDK/cmd/baton@$BATON_SDK_VERSION with the same versions as baton-setup of: $(awk '{printf "%s%s %s", sep, $1, $2; sep=", "}' "$W/versions.txt"). Load $LOAD_SUMMARY."
	echo "- Cold build: \`GOCACHE=\$(mktemp -d) CGO_ENABLED=0 go build -o DIR/ ./cmd/baton-setup\` after \`go mod download\`. Load at start $LOAD_BUILD."
	echo "- Picker: slowest query $(fmt "$FILTER_MAX" 0) ns/op. Load $LOAD_FILTER."
	echo "- Whole script: ${ELAPSED} s."
	echo
	echo "Raw Go benchmark output:"
	echo
	echo '```'
	grep -m 1 '^cpu:' "$W/parse.out" || true
	grep -E '^Benchmark' "$W/parse.out" || true
	grep -E '^Benchmark' "$W/filter.out" || true
	echo '```'
} >"$OUT"

cat "$OUT"
log "report written to $OUT"
