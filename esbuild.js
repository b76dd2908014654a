// Builds every bundle with esbuild: the extension host, the sidecar, the command line, the webview,
// the benchmark and the tests. `--watch` keeps contexts alive; `--production` minifies.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
// --tests=a,b builds only the test files whose path contains one of the parts (quick iteration).
const testFilter = (process.argv.find((a) => a.startsWith('--tests=')) || '').slice('--tests='.length).split(',').filter(Boolean);
const watch = process.argv.includes('--watch');

/** Reports build results in the format the VS Code problem matcher "$esbuild-watch" understands. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

function listTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => /\.(test|bench)\.ts$/.test(f) || /test[\\/]integration[\\/]index\.ts$/.test(f));
}

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'warning',
  // Native and runtime-resolved modules stay outside the bundle and ship in node_modules.
  external: ['vscode', 'onnxruntime-node', 'sherpa-onnx-node', 'playwright-core', 'mocha'],
  plugins: watch ? [problemMatcherPlugin] : [],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { sidecar: 'src/sidecar/main.ts', cli: 'src/cli/main.ts', probe: 'src/engine/export/probe-main.ts' }, outdir: 'dist' },
  {
    ...node,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
  },
];
if (!production) {
  const tests = [...listTests('test/unit'), ...listTests('test/integration')]
    .filter((t) => testFilter.length === 0 || testFilter.some((f) => t.includes(f)));
  if (tests.length) builds.push({ ...node, entryPoints: tests, outbase: 'test', outdir: 'dist/test' });
  // The real-VS-Code harness (test/vscode/run.ts; it bundles test/ui/*) runs on the machine's Node.
  const harness = fs.existsSync('test/vscode')
    ? fs.readdirSync('test/vscode').filter((f) => f.endsWith('.ts')).map((f) => path.join('test/vscode', f))
    : [];
  if (harness.length) builds.push({ ...node, entryPoints: harness, outbase: 'test', outdir: 'dist/test' });
  if (fs.existsSync('bench/main.ts')) builds.push({ ...node, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist' });
  if (fs.existsSync('bench/soak.ts')) builds.push({ ...node, entryPoints: { soak: 'bench/soak.ts' }, outdir: 'dist' });
}

async function main() {
  const present = builds.filter((b) => Object.values(b.entryPoints).every((e) => fs.existsSync(e)));
  const contexts = await Promise.all(present.map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  // Build everything even when one bundle fails, so every error is reported in one run.
  const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  if (results.some((r) => r.status === 'rejected')) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
