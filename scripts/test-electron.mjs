// Runs Murmur's integration suites in a desktop VS Code (Electron) that @vscode/test-electron
// downloads: the same mocha entry, dist/test/integration/index.js, that the offline harness
// (test/vscode/run.ts, code-server + headless Chromium) loads as extensionTestsPath.
//
// NEEDS INTERNET: VS Code is downloaded from Microsoft's update server (then cached in
// .vscode-test/). It cannot run on this project's offline development machines, which use
// `npm run test:vscode` instead; GitHub CI (.github/workflows/ci.yml) runs it on Linux (under
// xvfb-run: Electron needs a display), Windows and macOS.
//
//   node esbuild.js && node scripts/test-electron.mjs [--grep=<regexp>] [--version=<x.y.z>]
//
// --grep     only the mocha tests whose full title matches (MURMUR_TEST_GREP in the extension
//            host). CI runs "^smoke" everywhere: the other suites dictate through an ALSA test
//            microphone (Linux) and read models and audio from ../shared.
// --version  the VS Code to download; default the one .vscode-test.mjs names (one place for both).
// The extension host inherits this process's environment (MURMUR_SHARED_DIR, MURMUR_CACHE_DIR...).
// Exit code 0 only if every selected test passed; the suites print "N passed, N failed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import config from '../.vscode-test.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const unknown = process.argv.slice(2).filter((a) => !/^--(grep|version)=/.test(a));
if (unknown.length) {
  console.error(`unknown option(s) ${unknown.join(' ')} (see the comment at the top of scripts/test-electron.mjs)`);
  process.exit(2);
}

const extensionTestsPath = path.join(root, 'dist', 'test', 'integration', 'index.js');
for (const f of [path.join(root, 'dist', 'extension.js'), extensionTestsPath]) {
  if (!fs.existsSync(f)) {
    console.error(`missing ${path.relative(root, f)}: run "node esbuild.js" first`);
    process.exit(1);
  }
}

// A folder of its own to open, as the offline harness does: tests must not see the repository.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-electron-'));
fs.writeFileSync(path.join(workspace, 'README.txt'), 'Murmur test workspace\n');

const grep = option('grep');
try {
  await runTests({
    version: option('version') ?? config.version,
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [workspace, ...config.launchArgs],
    extensionTestsEnv: { ...(grep ? { MURMUR_TEST_GREP: grep } : {}), MURMUR_TEST_TIMEOUT: String(config.mocha.timeout) },
  });
  process.exitCode = 0;
} catch (e) {
  // runTests rejects when VS Code exits non-zero (a test failed) or could not be downloaded/started.
  console.error(`integration tests in desktop VS Code failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
