#!/usr/bin/env bash
# update-uplot.sh VERSION - replace the live view's vendored uPlot with the npm
# package's published build of VERSION (src/sidecar/www/vendor/uplot).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:?usage: update-uplot.sh VERSION (e.g. 1.6.32)}"
DEST="$ROOT/src/sidecar/www/vendor/uplot"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$VERSION" >/dev/null && tar xzf "uplot-$VERSION.tgz")
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$DEST/"
sed -i "1s/.*/# uPlot $VERSION (vendored)/; s/uplot@[0-9.]*/uplot@$VERSION/" "$DEST/README.md"
echo "uPlot $VERSION in $DEST; run the browser test (ctest -R sidecar_browser)"
