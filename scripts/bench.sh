#!/usr/bin/env bash
# bench.sh — what `make bench` (and, with the argument cluster, `make bench-cluster`) does: every benchmark behind BENCHMARKS.md, against the private
# test PostgreSQL. Installs wrk and pgbench (Debian) when missing. Results go to bench-results/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v wrk >/dev/null || ! command -v pgbench >/dev/null; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql-contrib >/dev/null
fi
export PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

export TEST_DATABASE_URL
TEST_DATABASE_URL=$(scripts/pg.sh start test "${TEST_PG_PORT:-54339}")
mkdir -p bench-results
out="bench-results/$(date -u +%Y%m%dT%H%M%SZ)${1:+-$1}.txt"
if [ "${1:-}" = cluster ]; then
	{
		echo "# $(date -u) on $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		BENCH_HTTP_SECONDS=${BENCH_HTTP_SECONDS:-10} go test -run '^$' -bench 'BenchmarkCluster' -benchtime 1x -count 3 -timeout 30m ./cmd/api/
	} 2>&1 | tee "$out"
	echo "bench.sh: results in $out"
	exit 0
fi
{
	echo "# $(date -u) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
	echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	set -x
	go test -run '^$' -bench 'BenchmarkOpenAt' -benchmem -count 5 ./internal/station/
	go test -run '^$' -bench 'BenchmarkNearest|BenchmarkNewIndex|BenchmarkAlongRoute' -benchmem -count 5 ./internal/geo/
	go test -run '^$' -bench 'BenchmarkNearest' -benchmem -count 5 ./internal/search/
	go test -run '^$' -bench 'RenderNearest|ServeNearest' -benchmem -count 3 ./internal/httpapi/
	go test -run '^$' -bench 'BenchmarkColdLoad' -benchtime 1x -count 3 -timeout 30m ./internal/postgres/
	BENCH_HTTP_SECONDS=${BENCH_HTTP_SECONDS:-10} go test -run '^$' -bench 'BenchmarkHTTPNearest$' -benchtime 1x -count 3 -timeout 30m ./cmd/api/
	BENCH_HTTP_SECONDS=${BENCH_HTTP_SECONDS:-5} go test -run '^$' -bench 'BenchmarkHTTPNearestOpenLoop' -benchtime 1x -count 2 -timeout 30m ./cmd/api/
	go test -run '^$' -bench 'BenchmarkHTTPClaims' -benchtime 1x -count 3 -timeout 30m ./cmd/api/
} 2>&1 | tee "$out"
echo "bench.sh: results in $out"
