// Runs every compiled test file (dist/test/unit/**/*.test.js) with node:test, prints the spec
// report; with --all it then runs the real-VS-Code suites (test/vscode harness: code-server +
// Chromium, integration tests in the extension host, UI tests) and adds their counts. With --all it
// (or --checks) first runs the static checks (the type check and ESLint: esbuild strips types unchecked), each
// counted as a test, so a type error or a lint error fails the test command in seconds, not after
// the long suites. It ends with the one line CI reads: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'dist', 'test', 'unit');
const all = process.argv.includes('--all');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = fs.existsSync(dir)
  ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.test.js'))
      .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
      .sort().map((f) => path.join(dir, f))
  : [];
if (files.length === 0) {
  console.error(`no compiled tests under ${dir}: run "npm run build" first`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let passed = 0;
let failed = 0;

/** `npm run typecheck` and `npm run lint`, without npm in between (its output is not ours). */
function staticChecks() {
  const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
  const checks = [
    { name: 'type check (tsc -p . --noEmit)', command: bin('tsc'), args: ['-p', '.', '--noEmit'] },
    { name: 'lint (eslint .)', command: bin('eslint'), args: ['.'] },
  ];
  let ok = 0;
  let bad = 0;
  for (const c of checks) {
    const started = Date.now();
    const r = spawnSync(c.command, c.args, { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (r.status === 0 && !r.error) {
      ok++;
      console.log(`\u2714 ${c.name} (${seconds} s)`);
    } else {
      bad++;
      console.log(`\u2716 ${c.name} (${seconds} s)\n${r.error ? String(r.error) : ''}${r.stdout}${r.stderr}`);
    }
  }
  console.log(`checks: ${ok} passed, ${bad} failed`);
  return { passed: ok, failed: bad };
}
const checks = all || process.argv.includes('--checks') ? staticChecks() : { passed: 0, failed: 0 };

const stream = run({ files, concurrency: 1, timeout: 15 * 60 * 1000 });
stream.on('test:pass', (e) => { if (e.details?.type !== 'suite') passed++; });
stream.on('test:fail', (e) => { if (e.details?.type !== 'suite') failed++; });
stream.compose(spec).pipe(process.stdout);
/** Runs the real-VS-Code harness, streaming its output; resolves with its own summary counts. */
function runVscodeSuites() {
  return new Promise((resolve) => {
    const harness = path.join(root, 'dist', 'test', 'vscode', 'run.js');
    const child = spawn(process.execPath, [harness], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let last = null;
    let buffer = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const m = /^\s*(\d+) passed, (\d+) failed\s*$/.exec(line);
        if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      }
    });
    child.on('exit', (code) => {
      if (!last) last = { passed: 0, failed: 1 };
      else if (code !== 0 && last.failed === 0) last.failed = 1;
      resolve(last);
    });
  });
}

stream.on('end', () => {
  // Let the spec reporter flush before the summary lines.
  setImmediate(async () => {
    console.log(`unit: ${passed} passed, ${failed} failed`);
    passed += checks.passed;
    failed += checks.failed;
    if (all) {
      const v = await runVscodeSuites();
      console.log(`real VS Code: ${v.passed} passed, ${v.failed} failed`);
      passed += v.passed;
      failed += v.failed;
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });
});
