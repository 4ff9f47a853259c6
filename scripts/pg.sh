#!/usr/bin/env bash
# pg.sh — a private PostgreSQL server for this checkout, listening on loopback only.
#
#   scripts/pg.sh start NAME PORT   start (or reuse) the server NAME on 127.0.0.1:PORT; prints its admin URL
#   scripts/pg.sh stop  NAME        stop it (data is kept)
#   scripts/pg.sh url   NAME PORT   print the admin URL
#
# NAME is "dev" (make run) or "test" (make test). Data lives in .pg-NAME/ inside the checkout
# (git-ignored). Debian's postgresql package is installed first when its binaries are missing.
# PostgreSQL refuses to run as root, so as root the server runs as the postgres system user; if
# that user cannot reach the checkout (e.g. it is under /root), the data goes to
# /var/tmp/yizhan-pg/<checkout hash>-NAME instead.
# Authentication is "trust" on 127.0.0.1 only: this is a developer's private server, never a
# production one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:?usage: pg.sh start|stop|url NAME [PORT]}
name=${2:?NAME required}
port=${3:-}

log() { printf 'pg.sh: %s\n' "$*" >&2; }

find_bindir() {
	local d
	for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

install_postgres() {
	log "PostgreSQL binaries not found; installing Debian's postgresql package"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	# We run our own server; don't let the package create and start a system cluster.
	$sudo mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/yizhan.conf >/dev/null
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
}

bindir=$(find_bindir || true)
if [ -z "$bindir" ]; then
	install_postgres
	bindir=$(find_bindir) || { log "postgresql installed but pg_ctl not found"; exit 1; }
fi

as_root=0
[ "$(id -u)" -eq 0 ] && as_root=1

# run_pg runs a server binary as the user that owns the data.
run_pg() {
	if [ "$as_root" -eq 1 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

datadir="$root/.pg-$name"
if [ "$as_root" -eq 1 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
	if ! runuser -u postgres -- test -x "$root"; then
		datadir="/var/tmp/yizhan-pg/$(printf '%s' "$root" | md5sum | cut -c1-12)-$name"
	fi
fi

url() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

running() { [ -f "$datadir/postmaster.pid" ] && run_pg "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; }

case "$cmd" in
start)
	: "${port:?PORT required}"
	if [ ! -f "$datadir/PG_VERSION" ]; then
		log "initialising $datadir"
		mkdir -p "$datadir"
		chmod 700 "$datadir"
		[ "$as_root" -eq 1 ] && chown postgres:postgres "$datadir"
		run_pg "$bindir/initdb" -D "$datadir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
	fi
	if running; then
		log "reusing the server in $datadir"
	else
		opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories= -c max_connections=300"
		if [ "$name" = test ]; then
			# Throwaway data: trade durability for speed.
			opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		fi
		run_pg "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -o "$opts" -w -t 60 start >/dev/null ||
			{ log "server failed to start; tail of $datadir/server.log:"; tail -20 "$datadir/server.log" >&2; exit 1; }
	fi
	url "$port"
	;;
stop)
	if running; then run_pg "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null; fi
	;;
url)
	url "${port:?PORT required}"
	;;
datadir)
	echo "$datadir"
	;;
*)
	log "unknown command $cmd"
	exit 2
	;;
esac
