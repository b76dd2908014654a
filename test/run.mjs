// Runs every compiled test file (dist/test/unit/**/*.test.js) with node:test, prints the spec
// report, and ends with the one line CI reads: "N passed, N failed".
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'dist', 'test', 'unit');
const only = process.argv.slice(2);
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
const stream = run({ files, concurrency: 1, timeout: 15 * 60 * 1000 });
stream.on('test:pass', (e) => { if (e.details?.type !== 'suite') passed++; });
stream.on('test:fail', (e) => { if (e.details?.type !== 'suite') failed++; });
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // Let the spec reporter flush before the summary line.
  setImmediate(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });
});
