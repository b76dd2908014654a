/**
 * .github/workflows/ci.yml: it parses as YAML, builds and tests on Linux, Windows and macOS, runs
 * the steps in the order that works (install, build, unit tests, desktop VS Code tests), and every
 * script or test file it names exists in the repository (a renamed file would otherwise surface
 * only as a red CI run somewhere else). GitHub itself is not reachable from here; this is the check
 * that can run everywhere.
 *
 * Parsed with js-yaml, which is installed (eslint and @vscode/vsce depend on it) but not a direct
 * devDependency yet: loaded through createRequire with the one function used typed here.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

interface Job {
  'runs-on'?: unknown;
  strategy?: { matrix?: { os?: unknown } };
  env?: Record<string, unknown>;
  steps?: Step[];
}

const root = packageRoot();
const WORKFLOW = path.join(root, '.github', 'workflows', 'ci.yml');
const yamlLoad = (createRequire(path.join(root, 'package.json'))('js-yaml') as { load(text: string): unknown }).load;

function workflow(): { on: Record<string, unknown>; job: Job; raw: Record<string, unknown> } {
  const raw = yamlLoad(fs.readFileSync(WORKFLOW, 'utf8'));
  assert.ok(raw && typeof raw === 'object' && !Array.isArray(raw), 'the workflow is a YAML mapping');
  const doc = raw as Record<string, unknown>;
  const jobs = doc.jobs as Record<string, Job> | undefined;
  assert.ok(jobs && typeof jobs === 'object', 'it has jobs');
  const names = Object.keys(jobs);
  assert.equal(names.length, 1, `one job (the matrix), not ${names.join(', ')}`);
  return { on: (doc.on ?? {}) as Record<string, unknown>, job: jobs[names[0]], raw: doc };
}

/** The index of the first step whose `run` or `uses` matches. */
function stepIndex(steps: Step[], what: RegExp): number {
  const i = steps.findIndex((s) => what.test(s.run ?? s.uses ?? ''));
  assert.ok(i >= 0, `no step matches ${what}`);
  return i;
}

/** Repository files a `*` pattern (file names only) matches. */
function globFiles(pattern: string): string[] {
  const dir = path.join(root, path.dirname(pattern));
  const re = new RegExp(`^${path.basename(pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(path.dirname(pattern), f)) : [];
}

/** dist/test/unit/x.test.js is built from test/unit/x.test.ts: the source files behind a pattern. */
function testSources(distPattern: string): string[] {
  const m = /^dist\/test\/(unit|integration)\/(.+)\.js$/.exec(distPattern);
  assert.ok(m, `${distPattern} is not a compiled test under dist/test`);
  return globFiles(`test/${m[1]}/${m[2]}.ts`);
}

/** The files a command line runs: `node [--opts] FILE...` (with --test, every file), `bash FILE`. */
function scriptsRun(command: string): string[] {
  const files: string[] = [];
  for (const part of command.split(/&&|;|\|\|/)) {
    const words = part.trim().split(/\s+/);
    const at = words.findIndex((w) => w === 'node' || w === 'bash');
    if (at < 0) continue;
    const rest = words.slice(at + 1);
    const isTest = rest.includes('--test');
    const args = rest.filter((w) => !w.startsWith('-'));
    files.push(...(isTest ? args : args.slice(0, 1)));
  }
  return files;
}

describe('CI workflow (.github/workflows/ci.yml)', () => {
  test('runs on pushes and pull requests, on Linux, Windows and macOS, without stopping the others on a failure', () => {
    const { on, job } = workflow();
    assert.ok('push' in on && 'pull_request' in on, `on: ${JSON.stringify(on)}`);
    assert.deepEqual(job.strategy?.matrix?.os, ['ubuntu-latest', 'windows-latest', 'macos-latest']);
    assert.equal(job['runs-on'], '${{ matrix.os }}');
    assert.equal((job.strategy as { 'fail-fast'?: unknown })['fail-fast'], false);
  });

  test('checkout, Node 20, npm ci without the CUDA download, build, unit tests, then desktop VS Code tests', () => {
    const steps = workflow().job.steps ?? [];
    const checkout = stepIndex(steps, /^actions\/checkout@v\d+$/);
    const node = stepIndex(steps, /^actions\/setup-node@v\d+$/);
    assert.equal(String(steps[node].with?.['node-version']), '20');
    const ci = stepIndex(steps, /^npm ci$/);
    const job = workflow().job;
    const skip = steps[ci].env?.ONNXRUNTIME_NODE_INSTALL ?? job.env?.ONNXRUNTIME_NODE_INSTALL ?? (workflow().raw.env as Record<string, unknown> | undefined)?.ONNXRUNTIME_NODE_INSTALL;
    assert.equal(skip, 'skip', 'npm ci runs with ONNXRUNTIME_NODE_INSTALL=skip');
    const build = stepIndex(steps, /^node esbuild\.js$/);
    const unit = stepIndex(steps, /node --test .*dist\/test\/unit\//);
    const electron = stepIndex(steps, /scripts\/test-electron\.mjs/);
    assert.ok(checkout < node && node < ci && ci < build && build < unit && unit < electron, `order: ${[checkout, node, ci, build, unit, electron]}`);
  });

  test('the desktop VS Code tests run under xvfb-run on Linux (Electron needs a display) and directly elsewhere', () => {
    const steps = (workflow().job.steps ?? []).filter((s) => /scripts\/test-electron\.mjs/.test(s.run ?? ''));
    const linux = steps.filter((s) => /runner\.os == 'Linux'/.test(s.if ?? ''));
    const others = steps.filter((s) => /runner\.os != 'Linux'/.test(s.if ?? ''));
    assert.equal(linux.length, 1);
    assert.equal(others.length, 1);
    assert.match(linux[0].run ?? '', /^xvfb-run -a node scripts\/test-electron\.mjs/);
    assert.match(others[0].run ?? '', /^node scripts\/test-electron\.mjs/);
    const apt = (workflow().job.steps ?? []).find((s) => /apt-get install/.test(s.run ?? ''));
    assert.ok(apt && /runner\.os == 'Linux'/.test(apt.if ?? ''), 'Linux packages are installed on Linux only');
    for (const pkg of ['xvfb', 'sox', 'alsa-utils']) assert.ok(new RegExp(`\\b${pkg}\\b`).test(apt.run ?? ''), `${pkg} is installed`);
  });

  test('every script and test file it runs exists, and no test it runs needs ../shared', () => {
    const runs = (workflow().job.steps ?? []).map((s) => s.run).filter((r): r is string => typeof r === 'string');
    const files = runs.flatMap(scriptsRun);
    assert.ok(files.includes('esbuild.js') && files.includes('scripts/test-electron.mjs'), files.join(' '));
    for (const file of files) {
      if (file.startsWith('dist/')) {
        const sources = testSources(file);
        assert.ok(sources.length > 0, `${file}: no test source builds it`);
        for (const src of sources) {
          const text = fs.readFileSync(path.join(root, src), 'utf8');
          // The helpers that read ../shared or play its clips, and the calls that locate it.
          const needs = /from '\.\.\/helpers\/(shared|alsa-file|samples|sidecar-client)'|\b(sharedDir|sharedPath|defaultModelDir|bundledVadPath)\(/.exec(text);
          assert.equal(needs, null, `${src} needs ../shared (${needs?.[0]}), which CI does not have`);
        }
      } else {
        assert.ok(fs.existsSync(path.join(root, file)), `${file} does not exist`);
      }
    }
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    for (const r of runs) for (const m of r.matchAll(/npm run ([\w:-]+)/g)) assert.ok(m[1] in scripts, `npm run ${m[1]}: no such script`);
  });

  test('actions are pinned to a major version', () => {
    for (const s of workflow().job.steps ?? []) if (s.uses) assert.match(s.uses, /^[\w-]+\/[\w-]+@v\d+$/, s.uses);
  });
});
