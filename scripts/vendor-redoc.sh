#!/usr/bin/env bash
# vendor-redoc.sh — fetch Redoc's standalone bundle from the npm registry into
# internal/apidocs/static/, checking the tarball against the registry's integrity hash, and
# record its version, sha256 and licence beside it (VENDOR.txt, LICENSE.redoc.txt,
# redoc.standalone.js.LICENSE.txt).
# Building and running need none of this: the files are committed and embedded. Run it only to
# move to another version: scripts/vendor-redoc.sh 2.5.4
set -euo pipefail
version=${1:-2.5.4}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$root/internal/apidocs/static"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tarball="https://registry.npmjs.org/redoc/-/redoc-$version.tgz"
# The registry's own record of the tarball: sha512 in Subresource Integrity form.
integrity=$(npm view "redoc@$version" dist.integrity)
curl -sSfL -o "$tmp/redoc.tgz" "$tarball"
got="sha512-$(openssl dgst -sha512 -binary "$tmp/redoc.tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
	echo "vendor-redoc.sh: $tarball does not match the registry's integrity $integrity (got $got)" >&2
	exit 1
fi
tar -xzf "$tmp/redoc.tgz" -C "$tmp" package/bundles/redoc.standalone.js package/bundles/redoc.standalone.js.LICENSE.txt \
	package/LICENSE package/package.json
licence=$(node -p "require('$tmp/package/package.json').license")
upstream=$(sha256sum "$tmp/package/bundles/redoc.standalone.js" | cut -d' ' -f1)
# The one change: the menu's "API docs by Redocly" link shows Redocly's logo from their CDN, which
# would leak each reader's address to it and break the page's promise to work offline (the CSP
# blocks it and the console logs an error). The link stays; its logo becomes an empty image.
logo='src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
empty="src:\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E\""
if [ "$(grep -c -F "$logo" "$tmp/package/bundles/redoc.standalone.js")" != 1 ]; then
	echo "vendor-redoc.sh: redoc $version no longer loads its logo as $logo; review the patch" >&2
	exit 1
fi
if grep -o -E 'https://[a-z0-9.-]*redoc\.ly[^"]*' "$tmp/package/bundles/redoc.standalone.js" | grep -v -x -F 'https://cdn.redoc.ly/redoc/logo-mini.svg' | grep -q .; then
	echo "vendor-redoc.sh: redoc $version fetches something else from redoc.ly; review it" >&2
	exit 1
fi
sed "s|$logo|$empty|" "$tmp/package/bundles/redoc.standalone.js" >"$dest/redoc.standalone.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE.redoc.txt"
# The licences of the libraries bundled inside it.
cp "$tmp/package/bundles/redoc.standalone.js.LICENSE.txt" "$dest/redoc.standalone.js.LICENSE.txt"
sum=$(sha256sum "$dest/redoc.standalone.js" | cut -d' ' -f1)
cat >"$dest/VENDOR.txt" <<END
redoc.standalone.js — the API reference renderer behind GET /docs
package:   redoc $version (npm)
tarball:   $tarball
integrity: $integrity
file:      package/bundles/redoc.standalone.js (sha256 $upstream as published)
patch:     its menu's Redocly logo, loaded from cdn.redoc.ly, replaced by an empty data: image (offline, CSP)
sha256:    $sum (as patched and committed)
licence:   $licence (LICENSE.redoc.txt; the bundled libraries' notices: redoc.standalone.js.LICENSE.txt)
fetched by scripts/vendor-redoc.sh; internal/apidocs checks the sha256 in a test
END
echo "vendor-redoc.sh: redoc $version, sha256 $sum"
