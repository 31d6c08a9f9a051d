#!/bin/sh
# Rebuild the vendored plotly.js partial bundle (static/vendor/README.md, "Upgrading plotly").
# The full plotly.min.js is 4.8 MB for a radar, bar charts and a heat map; this bundle holds only the
# core, scatterpolar, bar and heatmap. Usage: scripts/plotly-bundle/build.sh  (needs node and npm; writes nothing
# outside static/vendor/ and a temporary directory).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's/.*"plotly.js": "\([0-9.]*\)".*/\1/p' "$here/package.json")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.js" "$work/"
(cd "$work" && npm install --ignore-scripts --no-audit --no-fund --silent)
out="$root/static/vendor/plotly-polar-bar-$version.min.js"
# The same esbuild settings as plotly.js' own esbuild-config.js (iife, global Plotly, es2016); CSS is
# injected by plotly's own code, the map traces' stylesheet is not part of this bundle.
{
  printf '/**\n* plotly.js (custom: core, scatterpolar, bar, heatmap - minified) v%s\n' "$version"
  printf '* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/\n'
  (cd "$work" && node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=Plotly --minify \
     --target=es2016 --define:global=window --define:define.amd=false --alias:stream=stream-browserify \
     --loader:.css=empty --log-level=warning)
} > "$out"
cp "$work/node_modules/plotly.js/LICENSE" "$root/static/vendor/plotly.js-LICENSE.txt"
echo "wrote $out ($(wc -c < "$out") bytes)"
