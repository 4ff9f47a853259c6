#!/usr/bin/env bash
# vendor.sh — fetch the console's third-party browser code from the npm registry into
# internal/console/static/vendor/, and write VENDOR.md there with each package's version, the
# sha256 of its tarball and of every file kept, and its licence (the licence file is copied too).
# The vendored files are committed: building and running need no Node, only this script does
# (npm, to fetch). Run it again after changing a version below, and commit what it changes.
#
# Each entry: package@version, then the files to keep, as path-in-package[=name-in-vendor-dir].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$root/internal/console/static/vendor"

packages=(
	"leaflet@1.9.4 dist/leaflet.js dist/leaflet.css dist/images/marker-icon.png=images/marker-icon.png dist/images/marker-icon-2x.png=images/marker-icon-2x.png dist/images/marker-shadow.png=images/marker-shadow.png dist/images/layers.png=images/layers.png dist/images/layers-2x.png=images/layers-2x.png"
	"leaflet.markercluster@1.5.3 dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css"
)
# More entries may be added by other pages (a QR scanner, the API reference renderer).
if [ -f "$root/scripts/vendor.list" ]; then
	while IFS= read -r line; do
		case "$line" in ''|'#'*) continue ;; esac
		packages+=("$line")
	done <"$root/scripts/vendor.list"
fi

command -v npm >/dev/null || { echo "vendor.sh: npm is needed to fetch packages (apt-get install npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

manifest="$work/VENDOR.md"
{
	echo "# Vendored browser code"
	echo
	echo "Fetched from the npm registry by \`scripts/vendor.sh\` (\`npm pack\`); do not edit these files by hand."
	echo "Each package's licence is kept beside its files as \`<package>/LICENSE\`."
	echo
	echo "| package | version | licence | tarball sha256 |"
	echo "| --- | --- | --- | --- |"
} >"$manifest"
files="$work/files.md"
: >"$files"

for entry in "${packages[@]}"; do
	read -r spec paths <<<"$entry"
	name=${spec%@*}
	version=${spec##*@}
	echo "vendor.sh: $name@$version"
	mkdir -p "$work/$name"
	tarball=$(cd "$work/$name" && npm pack --silent "$spec" 2>/dev/null | tail -1)
	tar -xzf "$work/$name/$tarball" -C "$work/$name"
	pkg="$work/$name/package"
	licence=$(node -e 'process.stdout.write(String(require(process.argv[1]).license || "see LICENSE"))' "$pkg/package.json" 2>/dev/null ||
		sed -n 's/.*"license": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -1)
	sum=$(sha256sum "$work/$name/$tarball" | cut -d' ' -f1)
	echo "| [$name](https://www.npmjs.com/package/$name/v/$version) | $version | $licence | \`$sum\` |" >>"$manifest"
	out="$work/out/$name"
	mkdir -p "$out"
	lic=$(ls "$pkg" | grep -iE '^([a-z]+-)?(licen[cs]e|copying)(\.md|\.txt)?$' | head -1)
	[ -n "$lic" ] || { echo "vendor.sh: $name has no licence file" >&2; exit 1; }
	cp "$pkg/$lic" "$out/LICENSE"
	for p in $paths; do
		src=${p%%=*}
		dst=${p#*=}
		[ "$dst" = "$p" ] && dst=$(basename "$src")
		mkdir -p "$out/$(dirname "$dst")"
		cp "$pkg/$src" "$out/$dst"
	done
	(cd "$work/out" && find "$name" -type f | sort | while read -r f; do
		echo "| \`$f\` | \`$(sha256sum "$f" | cut -d' ' -f1)\` |"
	done) >>"$files"
done

{
	echo
	echo "| file | sha256 |"
	echo "| --- | --- |"
	cat "$files"
} >>"$manifest"

rm -rf "$dest"
mkdir -p "$dest"
cp -r "$work/out/." "$dest/"
cp "$manifest" "$dest/VENDOR.md"
echo "vendor.sh: wrote $dest (see VENDOR.md)"
