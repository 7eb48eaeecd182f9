#!/bin/sh
# Upload a large file to a local S3 server (gofakes3, memory backend, on
# 127.0.0.1) with baton-setup's upload engine and with `aws s3 cp`, and
# report wall time and peak RSS of each client. Needs Debian's awscli and
# /usr/bin/time. Usage: scripts/bench-upload.sh [SIZE_MIB] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
rounds=${2:-3}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/bench-upload" ./scripts/bench-upload
(cd "$work" && go install github.com/johannesboyne/gofakes3/cmd/gofakes3@v1.2.0)
fake="$(go env GOPATH)/bin/gofakes3"

# Every measurement gets a fresh server: the memory backend keeps each
# object it receives, and its growing heap slows whichever client comes
# later, which would make the order of the runs decide the ratio.
start_server() {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$fake" -backend memory -initialbucket bench -host "127.0.0.1:$port" -quiet 2>/dev/null &
	server=$!
	endpoint="http://127.0.0.1:$port"
	for _ in $(seq 50); do curl -s -o /dev/null "$endpoint/" && return 0; sleep 0.1; done
	echo "bench-upload: the S3 server did not start" >&2
	exit 1
}
stop_server() {
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
}

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/big.c1z"

export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake-secret-key AWS_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=

measure() { # name
	name=$1
	start_server
	case "$name" in
	baton-setup) set -- "$work/bench-upload" -file "$work/big.c1z" -bucket bench -key bs.c1z -endpoint "$endpoint" ;;
	*) set -- /usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "$work/big.c1z" s3://bench/aws.c1z ;;
	esac
	/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null
	stop_server
	read -r wall rss user sys <"$work/time"
	echo "$wall" >>"$work/wall.$name"
	printf '%-12s wall %6.2f s  CPU %6.2f s  peak RSS %7.1f MiB\n' "$name" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "file: $size_mib MiB; server: a fresh gofakes3 v1.2.0 (memory backend) on 127.0.0.1 for each run; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
for i in $(seq "$rounds"); do
	# Alternate which client goes first.
	if [ $((i % 2)) -eq 1 ]; then
		measure baton-setup
		measure aws
	else
		measure aws
		measure baton-setup
	fi
done
bs=$(median "$work/wall.baton-setup")
cp=$(median "$work/wall.aws")
printf 'median wall: baton-setup %s s, aws s3 cp %s s, ratio %.2fx\n' "$bs" "$cp" "$(echo "$bs / $cp" | bc -l)"
