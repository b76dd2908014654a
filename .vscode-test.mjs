// Configuration for @vscode/test-cli (`npx @vscode/test-cli` or `npx vscode-test` after
// `npm i -D @vscode/test-cli`): runs the integration suites in a desktop VS Code it downloads from
// Microsoft's update server. That needs internet, so it is for contributors' machines and GitHub CI.
// scripts/test-electron.mjs reads `version`, `launchArgs` and `mocha.timeout` from here and runs
// the same suites with @vscode/test-electron (a devDependency) through their own entry,
// test/integration/index.ts; .github/workflows/ci.yml runs that on Linux, Windows and macOS.
// Offline machines use test/vscode instead (`node esbuild.js && npm run test:vscode`): the same
// compiled suites inside code-server's real extension host, plus the Playwright UI tests.
//
// This is the shape defineConfig() from '@vscode/test-cli' takes (defineConfig is the identity
// function); the type is referenced only in JSDoc so this file loads without @vscode/test-cli
// installed, which is not a dependency of this repository.

/** @type {import('@vscode/test-cli').TestConfiguration} */
const config = {
  label: 'integration',
  // Compiled by `node esbuild.js`; test-cli does not build, so run the build first.
  files: 'dist/test/integration/**/*.test.js',
  version: '1.139.0',
  // Keep the contributor's other extensions out of the test window (Murmur itself still loads).
  launchArgs: ['--disable-extensions'],
  // test-cli runs these files with its own mocha runner, not test/integration/index.ts, so the
  // options below mirror that entry's defaults.
  mocha: {
    ui: 'bdd',
    // Model loading and the sidecar start-up are slow on small machines.
    timeout: 60_000,
    color: true,
  },
};

export default config;
