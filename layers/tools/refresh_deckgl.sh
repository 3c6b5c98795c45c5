#!/usr/bin/env bash
# Refresh the vendored deck.gl standalone bundle (served by this server: the wall and console must
# work with no internet). Needs npm and the npm registry, only when refreshing.
#   layers/tools/refresh_deckgl.sh [VERSION]     default: the version in VERSION.md
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/../static/layers/vendor/deck.gl"
MVT_DEST="$HERE/../static/layers/vendor/loaders.gl-mvt"
VERSION="${1:-$(sed -n 's/^version: //p' "$DEST/VERSION.md")}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "deck.gl@$VERSION" >/dev/null && tar xzf "deck.gl-$VERSION.tgz")
grep -q MVTLayer "$TMP/package/dist.min.js" || { echo "dist.min.js has no MVTLayer" >&2; exit 1; }
size=$(stat -c %s "$TMP/package/dist.min.js")
[ "$size" -lt 10000000 ] || { echo "dist.min.js is over 10 MB ($size bytes)" >&2; exit 1; }
cp "$TMP/package/dist.min.js" "$DEST/dist.min.js"
cp "$TMP/package/LICENSE" "$DEST/LICENSE"
# The bundle's MVTLayer parses tiles in a web worker loaded from a CDN; the page uses the
# main-thread MVTLoader of the same loaders.gl version instead (served from here too).
LOADERS=$(grep -o 'id:"mvt",module:"mvt",version:[A-Za-z0-9_$]*' "$DEST/dist.min.js" | sed 's/.*version://')
LOADERS=$(grep -o "$LOADERS=\"[0-9.]*\"" "$DEST/dist.min.js" | head -n1 | cut -d'"' -f2)
(cd "$TMP" && npm pack --silent "@loaders.gl/mvt@$LOADERS" >/dev/null && mkdir mvt \
    && tar xzf "loaders.gl-mvt-$LOADERS.tgz" -C mvt)
cp "$TMP/mvt/package/dist/dist.min.js" "$MVT_DEST/dist.min.js"
cp "$TMP/mvt/package/LICENSE" "$MVT_DEST/LICENSE"
sha=$(sha256sum "$DEST/dist.min.js" | cut -d' ' -f1)
cat > "$DEST/VERSION.md" <<MD
# deck.gl standalone bundle (vendored)

version: $VERSION
loaders.gl-mvt: $LOADERS (../loaders.gl-mvt/dist.min.js from \`@loaders.gl/mvt@$LOADERS\`, MIT)
file: dist.min.js from the npm package \`deck.gl@$VERSION\` (MIT, see LICENSE)
sha256: $sha

The page parses tiles with the main-thread MVTLoader of loaders.gl-mvt (the bundle's own MVTLayer
would load its parser as a web worker from a CDN). The bundle defines the global \`deck\` with the core, layers, geo-layers (MVTLayer, TileLayer)
and aggregation layers. It is served by this server so that the wall and the console need no
internet. Refresh: \`layers/tools/refresh_deckgl.sh [VERSION]\` (uses \`npm pack\`), then run the
browser tests (\`pytest tests/test_browser_wall.py\`).
MD
echo "deck.gl $VERSION and @loaders.gl/mvt $LOADERS vendored ($size bytes)"
