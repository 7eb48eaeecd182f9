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
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/bench-upload" ./scripts/bench-upload
(cd "$work" && go install github.com/johannesboyne/gofakes3/cmd/gofakes3@v1.2.0)
fake="$(go env GOPATH)/bin/gofakes3"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$fake" -backend memory -initialbucket bench -host "127.0.0.1:$port" -quiet &
server=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -s -o /dev/null "$endpoint/" && break; sleep 0.1; done

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/big.c1z"

export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake-secret-key AWS_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=

measure() { # name, command...
	name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null
	read -r wall rss user sys <"$work/time"
	printf '%-12s wall %6.2f s  CPU %6.2f s  peak RSS %7.1f MiB\n' "$name" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "file: $size_mib MiB; server: gofakes3 v1.2.0 memory backend on $endpoint; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
for i in $(seq "$rounds"); do
	measure baton-setup "$work/bench-upload" -file "$work/big.c1z" -bucket bench -key bs.c1z -endpoint "$endpoint"
	measure "aws s3 cp" /usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "$work/big.c1z" s3://bench/aws.c1z
done
