#!/usr/bin/env bash
# run.sh — what `make run` does: a database (private unless DATABASE_URL is set), migrations,
# demo data, then the API in the foreground.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
addr=${API_ADDR:-127.0.0.1:8080}

# answers PATH: the status line an HTTP server on $addr gives to GET PATH ("" when it gives
# none), or "free" when nothing accepts a connection there. Plain bash (/dev/tcp): no curl needed.
answers() {
	local host=${addr%:*} port=${addr##*:} line=
	host=${host#[}
	host=${host%]}
	case $host in "" | 0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac
	exec 3<>"/dev/tcp/$host/$port" || {
		printf free
		return 0
	}
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" "$addr" >&3
	IFS= read -r -t 3 line <&3 || true
	exec 3<&- 3>&-
	printf '%s' "${line%$'\r'}"
}

# A second `make run` while the first still serves must not reset the demo admin's password that
# the first printed (api demo sets a fresh one), nor start a server that cannot listen.
status=$(answers /healthz 2>/dev/null)
case $status in
free) ;;
"HTTP/1."?" 200"*)
	echo "run.sh: the API is already running on http://$addr (an earlier make run?): it answers /healthz."
	echo "run.sh: the demo admin's password is the one that run printed; nothing was changed. Stop that server first to start afresh."
	exit 0
	;;
*)
	echo "run.sh: something else listens on $addr (GET /healthz: ${status:-no answer}); set API_ADDR to a free address." >&2
	exit 1
	;;
esac

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
echo "run.sh: the staff console: http://$addr/console/ (sign in as demo-admin with the password above)"
echo "run.sh: serving on $addr — try: curl -s http://$addr/v1/stations | head -c 600"
# Station photos: a directory of the checkout, git-ignored, unless PHOTO_DIR is set.
export PHOTO_DIR="${PHOTO_DIR:-$PWD/.photos-dev}"
exec bin/api serve
