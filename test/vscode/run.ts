/**
 * Offline end-to-end harness: Murmur inside a real VS Code (code-server 4.139 = VS Code 1.139.1,
 * real Node extension host) driven by headless Chromium. CI runs this; .vscode-test.mjs is the
 * desktop equivalent for machines that can download VS Code.
 *
 *   node esbuild.js && npm run test:vscode [-- options]
 *
 * 1. the mocha suites in dist/test/integration/**\/*.test.js, inside the extension host
 *    (extensionTestsPath = dist/test/integration/index.js), output streamed here;
 * 2. the Playwright UI tests in test/ui/, against a plain workbench with Murmur loaded;
 * 3. the hostile-folder suite (test/integration/hostile-folder.test.ts) twice, each in a server and
 *    window of its own, on a folder whose .vscode/settings.json tries to take Murmur over
 *    (lib/hostile-workspace.ts): once trusted (workspace trust disabled, as in 1), once untrusted
 *    (workspace trust enabled and never granted: Restricted Mode);
 * 4. Murmur as users get it: the linux-x64 VSIX (vsix/murmur-linux-x64.vsix, from `npm run package`;
 *    built here if missing) installed with --install-extension into a server of its own whose
 *    extensions folder held nothing, then dictation from the palette (test/ui/installed.ui.ts);
 * then one combined "N passed, N failed" line, and exit code 0 only if everything passed.
 *
 * Options:
 *   --grep=<regexp>        only mocha tests whose title matches (MURMUR_TEST_GREP)
 *   --ui-grep=<regexp>     only UI tests whose name matches
 *   --no-ui / --ui-only    skip the UI tests / the mocha suites (--ui-only skips 3 as well)
 *   --no-hostile           skip the hostile-folder runs (3). With --grep they run only when the
 *                          pattern matches "hostile folder" (e.g. --grep=hostile runs only them)
 *   --vsix=<file>          the VSIX for 4 (default vsix/murmur-linux-x64.vsix); --no-vsix skips 4
 *   --settings=<file>      JSON object of "murmur.*" settings for the run (also MURMUR_VSCODE_SETTINGS:
 *                          a JSON object, or a path to one), written as the user's settings
 *   --timeout=<seconds>    whole-run limit, default 1500
 *   --realtime-mic         pace the test microphone in real time (lib/paced-arecord.ts): benchmarks
 *   --keep                 keep the temporary HOME/user-data directory (path printed)
 *   --verbose              also print code-server's own output and the page's console
 * Environment of this process reaches the extension host (MURMUR_SHARED_DIR, MURMUR_CACHE_DIR,
 * ALSA_CONFIG_PATH, ...); HOME and XDG_* are replaced by a temporary directory, and
 * MURMUR_CACHE_DIR defaults to the real ~/.cache/murmur/ort so converted models survive runs.
 * MURMUR_CHROMIUM overrides /usr/bin/chromium.
 *
 * Results: test-results/ui-*.png (screenshots; ui-FAILED-* on failure), test-results/vscode/
 * (code-server.log, workbench-logs/ from the browser, server-logs/ with the extension host's logs).
 * Everything started is killed on exit, timeout or signal, and checked for with ps-like /proc scans.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { UI_TESTS } from '../ui/index';
import { installedVsixDictation } from '../ui/installed.ui';
import { createHostileWorkspace, HOSTILE_SUITE } from './lib/hostile-workspace';
import { markedProcesses, MemorySampler, RUN_MARKER, sleep } from './lib/processes';
import { installPacedArecord } from './lib/paced-arecord';
import { CodeServer, HarnessError, locateTools } from './lib/server';

const CHROMIUM_ARGS = [
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // /dev/shm is small in containers; Chromium crashes tabs when it runs out.
  '--disable-dev-shm-usage',
];
const VIEWPORT = { width: 1280, height: 800 };

interface Options {
  grep?: string;
  uiGrep?: string;
  mocha: boolean;
  ui: boolean;
  hostile: boolean;
  /** The VSIX to install for phase 4, or false to skip it. */
  vsix: string | false;
  settingsFile?: string;
  timeoutMs: number;
  keep: boolean;
  verbose: boolean;
  realtimeMic: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { mocha: true, ui: true, hostile: true, vsix: 'vsix/murmur-linux-x64.vsix', timeoutMs: 1_500_000, keep: false, verbose: false, realtimeMic: false };
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
    switch (k) {
      case '--grep': o.grep = v; break;
      case '--ui-grep': o.uiGrep = v; break;
      case '--no-ui': o.ui = false; break;
      case '--ui-only': o.mocha = false; o.hostile = false; break;
      case '--no-hostile': o.hostile = false; break;
      case '--vsix': o.vsix = v; break;
      case '--no-vsix': o.vsix = false; break;
      case '--settings': o.settingsFile = v; break;
      case '--timeout': o.timeoutMs = Number(v) * 1000; break;
      case '--keep': o.keep = true; break;
      case '--verbose': o.verbose = true; break;
      case '--realtime-mic': o.realtimeMic = true; break;
      default: throw new HarnessError(`unknown option ${a} (see the comment at the top of test/vscode/run.ts)`);
    }
  }
  if (!(o.timeoutMs > 0)) throw new HarnessError('--timeout needs a positive number of seconds');
  return o;
}

/** The repository root: the nearest package.json named "murmur" above this bundle. */
function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'murmur') return dir;
    if (path.dirname(dir) === dir) throw new HarnessError(`cannot find Murmur's package.json above ${__dirname}`);
  }
}

/** Test-only settings: a JSON object of murmur.* keys from --settings or MURMUR_VSCODE_SETTINGS. */
function loadTestSettings(o: Options): Record<string, unknown> {
  const source = o.settingsFile ?? process.env.MURMUR_VSCODE_SETTINGS;
  if (!source) return {};
  const text = source.trim().startsWith('{') ? source : fs.readFileSync(path.resolve(source), 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HarnessError(`test settings must be a JSON object: ${source}`);
  const bad = Object.keys(parsed).filter((k) => !k.startsWith('murmur.'));
  // Other keys could undo the recipe settings that keep keyboard focus where the tests expect it.
  if (bad.length) throw new HarnessError(`test settings may only set murmur.* keys, not ${bad.join(', ')}`);
  return parsed as Record<string, unknown>;
}

const SUMMARY = /^\s*(\d+) passed, (\d+) failed\s*$/;

/**
 * The workbench reports its own start-up through the same codeAutomationLog channel as the
 * extension host's console, with no marker telling them apart. These are the workbench's routine
 * messages on an offline box (connection set-up, GitHub sign-in and gallery lookups that cannot
 * succeed); they are hidden unless --verbose so the mocha report reads as a report.
 */
const WORKBENCH_NOISE: readonly RegExp[] = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^\[reconnection-grace-time\]/,
  /^Updating additional builtin extensions cache/,
  /^Ignoring fetching additional builtin extensions from gallery as it is disabled/,
  /^\[Service Worker\]/,
  /^\[AgentHost:remote\]/,
  /^\[AccountPolicyGate\]/,
  /^\[lifecycle\] Long running operations during shutdown/,
  /^Timed out waiting for authentication provider 'github'/,
  /getaddrinfo ENOTFOUND open-vsx\.org/,
  /^Started local extension host with pid/,
  // Start-up timing warnings: on a busy 2-core box every run has a few.
  /^Creation of workbench contribution '[^']*' took \d+ms/,
];

/**
 * Workbench errors carry minified stacks (frames served from the code-server origin) that say
 * nothing about Murmur; keep the first two frames. Extension host frames (file://) stay whole.
 */
function trimWorkbenchFrames(lines: string[], origin: string): string[] {
  const out: string[] = [];
  let dropped = 0;
  let kept = 0;
  for (const line of lines) {
    if (/^\s+at /.test(line) && line.includes(origin)) {
      if (kept++ < 2) out.push(line);
      else dropped++;
      continue;
    }
    kept = 0;
    out.push(line);
  }
  if (dropped) out.push(`    … ${dropped} workbench stack frames hidden (--verbose shows them)`);
  return out;
}

interface PhaseResult {
  passed: number;
  failed: number;
}

/**
 * Loads the workbench with the test payload and streams everything the extension host prints until
 * the workbench reports the test run's exit code through codeAutomationExit.
 */
async function runExtensionTests(page: Page, server: CodeServer, repoRoot: string, workspace: string, logsDir: string, verbose: boolean, timeoutMs: number): Promise<PhaseResult> {
  let summary: PhaseResult | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));

  let finished = false;
  await page.exposeFunction('codeAutomationLog', (type: string, message: string) => {
    const text = String(message);
    // After the exit code the workbench unloads and logs cancelled requests: not test output.
    if (!verbose && (finished || WORKBENCH_NOISE.some((re) => re.test(text)))) return;
    const lines = text.split('\n');
    for (const line of verbose ? lines : trimWorkbenchFrames(lines, server.url)) {
      const m = SUMMARY.exec(line);
      if (m) summary = { passed: Number(m[1]), failed: Number(m[2]) };
      console.log(type === 'error' || type === 'warn' ? `[${type}] ${line}` : line);
    }
  });
  await page.exposeFunction('codeAutomationExit', (code: number, logs?: Array<{ relativePath: string; contents: string }>) => {
    // The workbench hands over its log files on exit; keep them for post-mortems.
    for (const l of logs ?? []) {
      const file = path.join(logsDir, l.relativePath);
      if (!file.startsWith(logsDir)) continue;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, l.contents);
    }
    finished = true;
    resolveExit(code);
  });
  page.on('crash', () => {
    console.log('[harness] the workbench page crashed');
    resolveExit(1);
  });
  if (verbose) page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));

  const payload = [
    ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
    ['extensionTestsPath', server.remoteUri(path.join(repoRoot, 'dist', 'test', 'integration', 'index.js'))],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    // A hung test or an extension host that never started: keep the UI tests' share of the time.
    finished = true;
    console.log(`[harness] extension tests did not finish within ${Math.round(timeoutMs / 1000)} s`);
    await page.screenshot({ path: path.join(logsDir, '..', 'extension-tests-timeout.png'), timeout: 10_000 }).catch(() => undefined);
    return { passed: summary?.passed ?? 0, failed: (summary?.failed ?? 0) + 1 };
  }

  if (!summary) {
    // Activation failure, a crash, or a broken test entry: no mocha summary at all.
    console.log(`[harness] extension tests exited with code ${code} without a "N passed, N failed" line`);
    return { passed: 0, failed: 1 };
  }
  if (summary.passed === 0 && summary.failed === 0) {
    // --grep selected nothing in this window (the hostile-folder suite exists only in its own
    // windows). Not a failure by itself; a run in which nothing at all passed still fails.
    console.log('[harness] no extension test in this window matched');
    return summary;
  }
  if (code !== 0 && summary.failed === 0) {
    console.log(`[harness] extension tests exited with code ${code} although mocha reported no failures`);
    return { passed: summary.passed, failed: 1 };
  }
  return summary;
}

/** The last lines of each extension host's "Murmur" output channel, newest host last. */
function printMurmurLogTails(serverLogs: string, lines = 60): void {
  let files: string[];
  try {
    files = (fs.readdirSync(serverLogs, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'Murmur.log').sort();
  } catch {
    return; // the server never wrote logs
  }
  for (const f of files) {
    const text = fs.readFileSync(path.join(serverLogs, f), 'utf8').trimEnd();
    if (!text) continue;
    const all = text.split('\n');
    console.log(`\n[harness] ${f}, last ${Math.min(lines, all.length)} of ${all.length} lines:`);
    for (const l of all.slice(-lines)) console.log(`    ${l}`);
  }
}

async function runUiTests(browser: Browser, server: CodeServer, repoRoot: string, workspace: string, resultsDir: string, grep: string | undefined, verbose: boolean): Promise<PhaseResult> {
  const result: PhaseResult = { passed: 0, failed: 0 };
  const payload = [['extensionDevelopmentPath', server.remoteUri(repoRoot)], ['skipWelcome', 'true']];
  const workbenchUrl = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const tests = UI_TESTS.filter((t) => !grep || new RegExp(grep).test(t.name));
  console.log(`\nUI tests (${tests.length})`);
  for (const t of tests) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    if (verbose) page.on('console', (m) => console.log(`    [page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));
    const started = Date.now();
    // Every UI test starts from the same settings: one that changes them (the export panel
    // switches the model to its export, then deletes the export) must not leave the next test
    // dictating with a model that no longer exists.
    const settingsBefore = server.settingsFiles.map((f) => ({ f, text: fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined }));
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs / 1000} s`)), t.timeoutMs);
      });
      try {
        await Promise.race([t.run({ page, workbenchUrl, resultsDir, workspace, userSettingsFile: server.settingsFiles[0], micPacingFile: process.env.MURMUR_MIC_PACING_FILE ?? path.join(resultsDir, 'mic-pacing'), log: (l) => console.log(`    ${l}`) }), timeout]);
      } finally {
        clearTimeout(timer);
      }
      result.passed++;
      console.log(`  ✔ ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      result.failed++;
      console.log(`  ✘ ${t.name}\n    ${e instanceof Error ? e.message.split('\n').join('\n    ') : String(e)}`);
      const shot = path.join(resultsDir, `ui-FAILED-${t.name.replace(/[^\w.-]+/g, '_')}.png`);
      await page.screenshot({ path: shot, timeout: 10_000 }).then(
        () => console.log(`    screenshot: ${path.relative(repoRoot, shot)}`),
        () => undefined,
      );
    } finally {
      await context.close().catch(() => undefined);
      for (const { f, text } of settingsBefore) {
        const now = fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
        if (now === text) continue;
        if (text === undefined) fs.rmSync(f, { force: true });
        else fs.writeFileSync(f, text);
        console.log(`    (settings restored after the test: ${path.basename(path.dirname(f))}/settings.json)`);
      }
    }
  }
  return result;
}

/**
 * The hostile-folder suite in a window of its own: a fresh server (its own user data, trust on or
 * off), the folder written before the window opens, only that suite selected.
 */
async function runHostileFolder(
  browser: Browser,
  trusted: boolean,
  ctx: { runDir: string; runId: string; repoRoot: string; vscodeDir: string; env: NodeJS.ProcessEnv; settings: Record<string, unknown>; tools: ReturnType<typeof locateTools>; opts: Options; servers: Set<CodeServer> },
): Promise<PhaseResult> {
  const name = trusted ? 'hostile-trusted' : 'hostile-untrusted';
  const dir = path.join(ctx.runDir, name);
  const workspace = path.join(dir, 'workspace');
  createHostileWorkspace(workspace, dir, trusted);
  // Only this suite, and within it only what --grep selects.
  const grep = ctx.opts.grep ? `^(?=.*(?:${ctx.opts.grep}))${HOSTILE_SUITE}` : `^${HOSTILE_SUITE}`;
  const server = await CodeServer.start({
    tools: ctx.tools,
    runDir: dir,
    runId: ctx.runId,
    settings: ctx.settings,
    env: { ...ctx.env, MURMUR_TEST_GREP: grep },
    workspaceTrust: !trusted,
    logFile: path.join(ctx.vscodeDir, `code-server-${name}.log`),
    startTimeoutMs: 60_000,
    ...(ctx.opts.verbose ? { onLine: (l: string) => console.log(`[code-server ${name}] ${l}`) } : {}),
  });
  ctx.servers.add(server);
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    return await runExtensionTests(page, server, ctx.repoRoot, workspace, path.join(ctx.vscodeDir, `workbench-logs-${name}`), ctx.opts.verbose, 240_000);
  } finally {
    await context.close().catch(() => undefined);
    // Its extension host and sidecar go now: the next window starts from nothing of this one's.
    await bounded(server.stop(), 15_000);
    ctx.servers.delete(server);
    try {
      fs.cpSync(path.join(dir, 'ud', 'logs'), path.join(ctx.vscodeDir, 'server-logs', name), { recursive: true });
    } catch {
      // the server never got far enough to write any
    }
  }
}

/**
 * Phase 4: the packaged VSIX installed into a fresh server (nothing in its extensions folder, no
 * development path in the window), and a user's dictation there (test/ui/installed.ui.ts).
 */
async function runInstalledVsix(
  browser: Browser,
  vsix: string,
  ctx: { runDir: string; runId: string; repoRoot: string; vscodeDir: string; resultsDir: string; env: NodeJS.ProcessEnv; settings: Record<string, unknown>; tools: ReturnType<typeof locateTools>; opts: Options; servers: Set<CodeServer> },
): Promise<PhaseResult> {
  const file = path.resolve(ctx.repoRoot, vsix);
  if (!fs.existsSync(file)) {
    // Exactly what a user or a release runs; the VSIX test in npm test built it already.
    console.log(`[harness] ${vsix} is missing: node scripts/package.mjs --only=linux-x64`);
    const r = spawnSync(process.execPath, [path.join(ctx.repoRoot, 'scripts', 'package.mjs'), '--only=linux-x64'], { cwd: ctx.repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new HarnessError('npm run package (linux-x64) failed');
  }
  const dir = path.join(ctx.runDir, 'installed');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'README.txt'), 'Murmur installed from its VSIX\n');
  const server = await CodeServer.start({
    tools: ctx.tools,
    runDir: dir,
    runId: ctx.runId,
    settings: ctx.settings,
    env: ctx.env,
    vsix: file,
    logFile: path.join(ctx.vscodeDir, 'code-server-installed.log'),
    startTimeoutMs: 60_000,
    ...(ctx.opts.verbose ? { onLine: (l: string) => console.log(`[code-server installed] ${l}`) } : {}),
  });
  ctx.servers.add(server);
  const context = await browser.newContext({ viewport: VIEWPORT });
  const name = 'installed VSIX: Murmur: Start Dictation types what the microphone hears';
  const started = Date.now();
  const page = await context.newPage();
  try {
    const workbenchUrl = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify([['skipWelcome', 'true']]))}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out after 240 s')), 240_000);
    });
    try {
      await Promise.race([installedVsixDictation({ page, workbenchUrl, resultsDir: ctx.resultsDir, workspace, userSettingsFile: server.settingsFiles[0], micPacingFile: path.join(dir, 'mic-pacing'), extensionsDir: path.join(dir, 'exts'), log: (l) => console.log(`    ${l}`) }), timeout]);
    } finally {
      clearTimeout(timer);
    }
    console.log(`  ✔ ${name} (${Date.now() - started} ms)`);
    return { passed: 1, failed: 0 };
  } catch (e) {
    console.log(`  ✘ ${name}\n    ${e instanceof Error ? e.message.split('\n').join('\n    ') : String(e)}`);
    await page.screenshot({ path: path.join(ctx.resultsDir, 'ui-FAILED-installed-vsix.png'), timeout: 10_000 }).catch(() => undefined);
    return { passed: 0, failed: 1 };
  } finally {
    await context.close().catch(() => undefined);
    await bounded(server.stop(), 15_000);
    ctx.servers.delete(server);
    try {
      fs.cpSync(path.join(dir, 'ud', 'logs'), path.join(ctx.vscodeDir, 'server-logs', 'installed'), { recursive: true });
    } catch {
      // the server never got far enough to write any
    }
  }
}

/** Waits for `p` (errors ignored) but at most `ms`. */
async function bounded(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function fmtMb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const repoRoot = findRepoRoot();
  for (const f of ['dist/extension.js', 'dist/test/integration/index.js']) {
    if (!fs.existsSync(path.join(repoRoot, f))) throw new HarnessError(`missing ${f}: run "node esbuild.js" first`);
  }
  const settings = loadTestSettings(opts);
  const chromiumPath = process.env.MURMUR_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    throw new HarnessError(`Chromium not found at ${chromiumPath}: run "bash scripts/install-code-server.sh" as root (it apt-installs chromium), or set MURMUR_CHROMIUM`);
  }

  const resultsDir = path.join(repoRoot, 'test-results');
  const vscodeDir = path.join(resultsDir, 'vscode');
  // Start from nothing of ours: a screenshot left by an earlier run must not pass for this one's.
  fs.rmSync(vscodeDir, { recursive: true, force: true });
  fs.mkdirSync(vscodeDir, { recursive: true });
  for (const f of fs.readdirSync(resultsDir)) if (/^ui-.*\.png$/.test(f)) fs.rmSync(path.join(resultsDir, f));
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-vscode-'));
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(path.join(workspace, 'README.txt'), 'Murmur test workspace\n');
  const runId = `${process.pid}-${started}`;

  const tally: PhaseResult = { passed: 0, failed: 0 };
  // The hostile-folder windows hold one suite only: with a --grep that cannot select it, or for
  // the benchmarks (MURMUR_BENCH=1 runs *.bench.js instead of the tests), skip them.
  const hostilePhases = opts.mocha && opts.hostile && process.env.MURMUR_BENCH !== '1' && (!opts.grep || new RegExp(opts.grep).test(HOSTILE_SUITE));
  // The installed-VSIX window runs a user's dictation: part of a full run, or of a --ui-grep that
  // matches "installed VSIX"; not of a --grep selection of mocha tests, nor of the benchmarks.
  const vsixPhase = opts.vsix !== false && opts.ui && process.env.MURMUR_BENCH !== '1' && (opts.uiGrep ? new RegExp(opts.uiGrep).test('installed VSIX') : !opts.grep);
  const sampler = new MemorySampler(runId);
  let server: CodeServer | undefined;
  /** Servers of the hostile-folder windows still running (each is stopped when its phase ends). */
  const hostileServers = new Set<CodeServer>();
  let browserServer: BrowserServer | undefined;
  let browser: Browser | undefined;
  let phase = 'setup';
  let phaseStarted = started;

  let tornDown: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (tornDown ??= (async () => {
      sampler.stop();
      // Browser first, so the extension hosts see their clients go; then the server's group.
      // Each step is bounded: a wedged browser or server must not turn teardown into the hang.
      await bounded(browser?.close(), 10_000);
      await bounded(browserServer?.kill(), 10_000);
      await bounded(server?.stop(), 15_000);
      for (const s of hostileServers) await bounded(s.stop(), 15_000);
      // Anything that left its process group (setsid, detached spawns) still carries the marker.
      await sleep(300);
      const left = markedProcesses(runId);
      for (const p of left) {
        console.log(`[harness] killing leftover process ${p.pid}: ${p.command}`);
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // The server-side logs (extension host, Murmur's own channel, remote agent) for post-mortems.
      try {
        fs.cpSync(path.join(runDir, 'ud', 'logs'), path.join(vscodeDir, 'server-logs'), { recursive: true });
      } catch {
        // the server never got far enough to write any
      }
      if (opts.keep) console.log(`[harness] kept ${runDir}`);
      else fs.rmSync(runDir, { recursive: true, force: true });
    })());

  const finish = (code: number): number => {
    // CI keeps only the console: on a failure, Murmur's own log is what explains it.
    if (tally.failed > 0) printMurmurLogTails(path.join(vscodeDir, 'server-logs'));
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const peak = sampler.peakBytes
      ? `, peak memory ${fmtMb(sampler.peakBytes)} PSS (${fmtMb(sampler.peakRssBytes)} summed RSS) over ${sampler.peakProcesses} processes`
      : '';
    console.log(`\n[harness] ${secs} s${peak}`);
    console.log(`${tally.passed} passed, ${tally.failed} failed`);
    return code;
  };

  // Last line of defence, synchronous so it runs on any exit path: nothing this run started may
  // outlive it (e.g. a server whose start was still pending when the deadline tore down).
  process.on('exit', () => {
    for (const p of markedProcesses(runId)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  // A timeout, Ctrl-C or a CI cancel abandons the running phase (it may still be awaiting a page
  // that is about to close), tears everything down, and exits with the summary so far plus one
  // failure. `aborted` keeps the abandoned phase from reporting or exiting on its own.
  let aborted = false;
  const abort = (why: string, code: number): void => {
    if (aborted) return;
    aborted = true;
    console.log(`\n[harness] ${why} during ${phase}: tearing down`);
    tally.failed++;
    void teardown().finally(() => process.exit(finish(code)));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => abort(sig, 130));
  const deadline = setTimeout(() => abort(`whole run exceeded ${opts.timeoutMs / 1000} s`, 1), opts.timeoutMs);

  try {
    phase = 'installing/locating code-server';
    const tools = locateTools(repoRoot, (l) => console.log(`[harness] ${l}`));

    // Keep converted models across runs: the temporary HOME would otherwise make every run cold.
    const env: NodeJS.ProcessEnv = {};
    if (!process.env.MURMUR_CACHE_DIR) {
      // Also in this process's environment: UI tests look at the cache (two-windows.ui.ts).
      process.env.MURMUR_CACHE_DIR = env.MURMUR_CACHE_DIR = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'murmur', 'ort');
    }
    if (opts.grep) env.MURMUR_TEST_GREP = opts.grep;
    // The pacing arecord is always first on the extension host's PATH; it paces when a test asks
    // (the file below) or, with --realtime-mic, always.
    const pathPrefix = installPacedArecord(path.join(runDir, 'paced-bin'));
    // Also in this process's environment: UI tests pace the microphone through it (follow.ui.ts).
    process.env.MURMUR_MIC_PACING_FILE = env.MURMUR_MIC_PACING_FILE = path.join(runDir, 'mic-pacing');
    if (opts.realtimeMic) {
      env.MURMUR_REALTIME_MIC = '1';
      console.log('[harness] the test microphone is paced in real time (test/vscode/lib/paced-arecord.ts)');
    }
    // Offline: an empty gallery turns the marketplace off instead of failing lookups at open-vsx.org.
    if (!process.env.EXTENSIONS_GALLERY) env.EXTENSIONS_GALLERY = JSON.stringify({ serviceUrl: '' });

    phase = 'starting code-server';
    sampler.start();
    server = await CodeServer.start({
      tools,
      runDir,
      runId,
      settings,
      env,
      pathPrefix,
      logFile: path.join(vscodeDir, 'code-server.log'),
      startTimeoutMs: 60_000,
      ...(opts.verbose ? { onLine: (l: string) => console.log(`[code-server] ${l}`) } : {}),
    });
    console.log(`[harness] code-server ${server.url} (pid ${server.pid}) ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    phase = 'starting Chromium';
    browserServer = await chromium.launchServer({
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, [RUN_MARKER]: runId },
      timeout: 60_000,
      // Playwright's own handlers kill the browser and call process.exit at once, cutting our
      // teardown (and the code-server kill) short; ours close the browser too.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    browser = await chromium.connect(browserServer.wsEndpoint(), { timeout: 60_000 });

    if (opts.mocha) {
      phase = 'extension tests (mocha)';
      phaseStarted = Date.now();
      console.log('\nExtension tests (mocha in the extension host)');
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      // Leave the UI tests seven minutes of the whole-run limit and the hostile-folder windows four,
      // but give mocha at least two.
      const left = opts.timeoutMs - (Date.now() - started) - (opts.ui ? 420_000 : 10_000) - (hostilePhases ? 240_000 : 0) - (vsixPhase ? 120_000 : 0);
      const r = await runExtensionTests(page, server, repoRoot, workspace, path.join(vscodeDir, 'workbench-logs'), opts.verbose, Math.max(120_000, left));
      await context.close().catch(() => undefined);
      tally.passed += r.passed;
      tally.failed += r.failed;
      console.log(`[harness] extension tests took ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s (workbench load included)`);
    }
    if (opts.ui) {
      phase = 'UI tests';
      phaseStarted = Date.now();
      const r = await runUiTests(browser, server, repoRoot, workspace, resultsDir, opts.uiGrep, opts.verbose);
      tally.passed += r.passed;
      tally.failed += r.failed;
      console.log(`[harness] UI tests took ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
    }
    if (hostilePhases) {
      for (const trusted of [true, false]) {
        phase = `hostile folder (${trusted ? 'trusted' : 'untrusted'})`;
        phaseStarted = Date.now();
        console.log(`\nExtension tests in a ${trusted ? 'trusted' : 'untrusted'} hostile folder (a window of its own)`);
        const r = await runHostileFolder(browser, trusted, { runDir, runId, repoRoot, vscodeDir, env, settings, tools, opts, servers: hostileServers });
        tally.passed += r.passed;
        tally.failed += r.failed;
        console.log(`[harness] ${phase} took ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
      }
    }
    if (vsixPhase && opts.vsix) {
      phase = 'installed VSIX';
      phaseStarted = Date.now();
      console.log(`\nMurmur installed from ${opts.vsix} (a server of its own)`);
      const r = await runInstalledVsix(browser, opts.vsix, { runDir, runId, repoRoot, vscodeDir, resultsDir, env, settings, tools, opts, servers: hostileServers });
      tally.passed += r.passed;
      tally.failed += r.failed;
      console.log(`[harness] ${phase} took ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    if (!aborted) {
      tally.failed++;
      console.log(`\n[harness] ${phase} failed: ${e instanceof HarnessError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const serverLog = path.join(vscodeDir, 'code-server.log');
      if (fs.existsSync(serverLog)) console.log(`[harness] code-server output: ${path.relative(process.cwd(), serverLog)}`);
    }
  } finally {
    if (!aborted) phase = 'teardown';
    await teardown();
    clearTimeout(deadline);
  }
  // The abort path prints the summary and exits; do not race it.
  if (aborted) return new Promise<number>(() => undefined);
  return finish(tally.failed === 0 && tally.passed > 0 ? 0 : 1);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Only argument and build checks fail before anything is started.
    console.error(`[harness] ${e instanceof Error ? e.message : String(e)}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
