#!/usr/bin/env bash
# backup-check.sh — prove a backup restores: dump DATABASE_URL with pg_dump (custom format),
# restore it into a fresh database on the same server, and compare every table's row count and a
# checksum of the stations and their history. Exits non-zero on any difference.
#
#   DATABASE_URL=postgres://…/yizhan scripts/backup-check.sh [dump-file]
#
# With no DATABASE_URL it checks the private `make run` database.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
export PATH="$bindir:$PATH"

if [ -z "${DATABASE_URL:-}" ]; then
	admin=$("$root/scripts/pg.sh" start dev "${DEV_PG_PORT:-54329}")
	DATABASE_URL="${admin%/postgres?sslmode=disable}/yizhan?sslmode=disable"
fi
dump=${1:-$(mktemp --suffix=.dump)}
fresh="yizhan_restore_check_$(date +%s)"
# The restore target lives on the same server: swap the database name in the URL.
fresh_url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$fresh\1#")
server_url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/postgres\1#")

echo "backup-check: dumping to $dump"
pg_dump --format=custom --no-owner --file="$dump" "$DATABASE_URL"
psql -q "$server_url" -c "CREATE DATABASE $fresh"
trap 'psql -q "$server_url" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null' EXIT
echo "backup-check: restoring into $fresh"
pg_restore --no-owner --exit-on-error --dbname="$fresh_url" "$dump"

fingerprint() {
	psql -qtA "$1" <<'SQL'
SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (
  SELECT table_name AS t,
         (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text AS n
  FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE') counts;
SELECT md5(string_agg(s::text, '|' ORDER BY s.id)) FROM stations s;
SELECT md5(string_agg(h::text, '|' ORDER BY h.station_id, h.version)) FROM station_history h;
SQL
}
want=$(fingerprint "$DATABASE_URL")
got=$(fingerprint "$fresh_url")
if [ "$want" != "$got" ]; then
	echo "backup-check: the restored database differs"
	diff <(echo "$want") <(echo "$got") || true
	exit 1
fi
echo "backup-check: restored database matches ($(echo "$want" | head -1))"
