// `npm run package`: one VSIX per desktop target that onnxruntime-node ships binaries for, each
// holding only its own platform's onnxruntime runtime and Murmur's own prebuilt mmap addon, the
// production bundles, the embedded models and the README with its images. Prints each VSIX's
// path and size.
//
// Targets: onnxruntime-node 1.30's tarball has bin/napi-v6/{linux,win32}/{x64,arm64} and
// darwin/arm64; there is no darwin-x64 (Intel Mac) or 32-bit/Alpine build, so Murmur cannot ship
// those.
//
// README images: vsce rewrites relative links to a public repository's URLs, which Murmur does not
// name, and which an offline Extensions view could not load. They stay relative
// (--no-rewrite-relative-links) and the images are inside the VSIX, where VS Code resolves them.
// To publish on the Marketplace, pass the public repository's raw URL:
//   npm run package -- --baseImagesUrl https://<host>/<repo>/raw/main/
//
// Usage: node scripts/package.mjs [--only=linux-x64,win32-x64] [--out=DIR] [extra vsce options]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const TARGETS = [
  { target: 'win32-x64', ort: 'win32/x64' },
  { target: 'win32-arm64', ort: 'win32/arm64' },
  { target: 'darwin-arm64', ort: 'darwin/arm64' },
  { target: 'linux-x64', ort: 'linux/x64' },
  { target: 'linux-arm64', ort: 'linux/arm64' },
];

function arg(name) {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : undefined;
}

function run(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  if (r.status !== 0) {
    console.error(`package: ${command} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
    process.exit(1);
  }
}

function addonFor(target) {
  return path.join('native', 'prebuilds', target, 'murmur_mmap.node');
}

const only = (arg('only') ?? '').split(',').filter(Boolean);
const unknown = only.filter((t) => !TARGETS.some((x) => x.target === t));
if (unknown.length) {
  console.error(`package: unknown target(s) ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.target).join(', ')}`);
  process.exit(2);
}
const targets = only.length ? TARGETS.filter((t) => only.includes(t.target)) : TARGETS;
const outDir = path.resolve(root, arg('out') ?? 'vsix');
const passThrough = process.argv.slice(2).filter((a) => !a.startsWith('--only=') && !a.startsWith('--out='));

for (const need of ['models/moonshine-tiny-en-int8/encoder_model.onnx', 'models/silero-vad/silero_vad.onnx']) {
  if (!fs.existsSync(path.join(root, need))) {
    console.error(`package: ${need} is missing: run "npm run models" (or scripts/setup.sh) first`);
    process.exit(1);
  }
}
run(process.execPath, ['esbuild.js', '--production']);
if (targets.some((t) => !fs.existsSync(path.join(root, addonFor(t.target))))) run(process.execPath, ['scripts/build-native.mjs']);

fs.mkdirSync(outDir, { recursive: true });
const base = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
for (const { target, ort } of targets) {
  const addon = addonFor(target);
  if (!fs.existsSync(path.join(root, addon))) {
    console.error(`package: ${addon} was not built (see scripts/build-native.mjs)`);
    process.exit(1);
  }
  // The shared list of what ships, plus this target's own native parts.
  const ignoreFile = path.join(outDir, `.vscodeignore-${target}`);
  fs.writeFileSync(ignoreFile, `${base.trimEnd()}\n# ${target}\n!${addon}\n!node_modules/onnxruntime-node/bin/napi-v6/${ort}/**\n`);
  const out = path.join(outDir, `murmur-${target}.vsix`);
  fs.rmSync(out, { force: true });
  run(process.execPath, [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--no-rewrite-relative-links', '--allow-missing-repository', '--out', out, ...passThrough]);
  fs.rmSync(ignoreFile);
  console.log(`package: ${path.relative(root, out)} ${(fs.statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
}
