/**
 * Mocha entry loaded by VS Code's extension host as `extensionTestsPath` (CommonJS, exports
 * `run()`), both by the offline harness (test/vscode/run.ts, code-server) and by @vscode/test-cli
 * (.vscode-test.mjs, desktop VS Code). It runs every compiled dist/test/integration/**\/*.test.js
 * and ends with the line CI reads: "N passed, N failed".
 *
 * Environment (set on the code-server process by the harness; it reaches the extension host):
 *   MURMUR_TEST_GREP     only run tests whose full title matches this regular expression
 *   MURMUR_TEST_TIMEOUT  per-test timeout in ms (default 60000: 2-core CI machines are slow)
 *   MURMUR_EXPECTED_SETTINGS  the settings the harness wrote (JSON); the run fails before any test
 *                        when one of them is not the value the window reads
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    // MURMUR_BENCH=1 (npm run bench:vscode) runs the benchmarks instead of the tests.
    .filter((f) => f.endsWith(process.env.MURMUR_BENCH === '1' ? '.bench.js' : '.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The settings the harness wrote for this run (MURMUR_EXPECTED_SETTINGS) that are not what the window
 * reads, one line each; empty when all are in effect.
 */
function ineffectiveSettings(): string[] {
  const raw = process.env.MURMUR_EXPECTED_SETTINGS;
  if (!raw) return [];
  const expected = JSON.parse(raw) as Record<string, unknown>;
  const config = vscode.workspace.getConfiguration();
  return Object.entries(expected)
    .filter(([key, value]) => !util.isDeepStrictEqual(config.get(key), value))
    .map(([key, value]) => {
      const where = config.inspect(key);
      return `${key}: written ${JSON.stringify(value)}, in effect ${JSON.stringify(config.get(key))} (user ${JSON.stringify(where?.globalValue)}, workspace ${JSON.stringify(where?.workspaceValue)}, default ${JSON.stringify(where?.defaultValue)})`;
    });
}

export async function run(): Promise<void> {
  // In the extension host, console.log is what VS Code forwards to the test runner (and to
  // codeAutomationLog in the browser); mocha's default writes to process.stdout piecewise, which
  // is lost or split mid-line there. One formatted console.log per reporter line keeps it readable.
  Mocha.reporters.Base.consoleLog = (...a: unknown[]) => console.log(util.format(...a));

  const timeout = Number(process.env.MURMUR_TEST_TIMEOUT) || 60_000;
  const grep = process.env.MURMUR_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout, ...(grep ? { grep } : {}) });

  const ignored = ineffectiveSettings();
  if (ignored.length) {
    console.log(`the harness's settings are not in effect in this window, so the tests would run on other values:\n  ${ignored.join('\n  ')}`);
    console.log('0 passed, 1 failed');
    throw new Error('test settings not in effect');
  }

  // This bundle sits at dist/test/integration/index.js, beside the compiled tests.
  const files = findTests(__dirname);
  if (files.length === 0) {
    console.log(`no compiled integration tests under ${__dirname}: run "node esbuild.js" first`);
    console.log('0 passed, 1 failed');
    throw new Error('no integration tests found');
  }
  for (const f of files) mocha.addFile(f);

  const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve(runner.stats ?? { passes: 0, failures: 1 } as Mocha.Stats));
    } catch (e) {
      // A test file that throws while loading (e.g. a broken import) lands here, not in a test.
      console.log(`loading the integration tests failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  }).catch((e: unknown) => {
    console.log('0 passed, 1 failed');
    throw e;
  });

  console.log(`${stats.passes} passed, ${stats.failures} failed`);
  if (stats.failures > 0) throw new Error(`${stats.failures} integration test(s) failed`);
  if (stats.passes === 0) throw new Error('no integration test passed (all skipped or filtered out?)');
}
