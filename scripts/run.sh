#!/usr/bin/env bash
# run.sh — what `make run` does: a database (private unless DATABASE_URL is set), migrations,
# demo data, then the API in the foreground.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ -z "${DATABASE_URL:-}" ]; then
	admin=$(scripts/pg.sh start dev "${DEV_PG_PORT:-54329}")
	base=${admin%/postgres?sslmode=disable}
	if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = 'yizhan'" 2>/dev/null | grep -q 1; then
		psql "$admin" -qc "CREATE DATABASE yizhan" >/dev/null
	fi
	export DATABASE_URL="$base/yizhan?sslmode=disable"
	echo "run.sh: using the private PostgreSQL: DATABASE_URL=$DATABASE_URL (data in $(scripts/pg.sh datadir dev))"
fi

bin/api migrate
bin/api demo
echo "run.sh: the staff console: http://${API_ADDR:-127.0.0.1:8080}/console/ (sign in as demo-admin with the password above)"
echo "run.sh: serving on ${API_ADDR:-127.0.0.1:8080} — try: curl -s http://${API_ADDR:-127.0.0.1:8080}/v1/stations | head -c 600"
exec bin/api serve
