#!/usr/bin/env bash
# scripts/bench-frame.sh: time from process start to the wizard's first
# frame (goal: 150 ms or less), next to a peer measured in the same run.
#
#   scripts/bench-frame.sh              # 30 runs of each
#   BENCH_FRAME_RUNS=100 scripts/bench-frame.sh
#
# TestFirstFrameBench (internal/e2e/accessible_test.go) starts the real
# binary (built with CGO_ENABLED=0) on a pseudo-terminal of 100x30 that
# answers the cursor-position query as a terminal does, and stops the clock
# when the picker's title arrives. The peer is `gh auth login` with an
# empty config directory, until its first prompt arrives; it is skipped
# when gh is not installed. Then two profiles are saved and the clock stops
# when the home screen lists both. Each gets one unmeasured warm-up run;
# the figures are the median, minimum and maximum.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_FRAME_RUNS:-30}
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3)"
BATON_BENCH_FRAME_RUNS=$runs go test -count=1 -run '^TestFirstFrameBench$' -v ./internal/e2e |
	grep -E '^(first frame|ratio|peer|home vs picker)|FAIL|median first frame' || {
	echo "bench-frame: the benchmark failed" >&2
	exit 1
}
