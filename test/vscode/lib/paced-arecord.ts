/**
 * A real-time `arecord`. The test microphone is arecord reading a WAV through the ALSA `file`
 * plugin with a `null` slave, which is not paced: arecord delivers the clip and then endless
 * silence as fast as the sidecar takes it, so the sidecar decodes flat out on both cores and every
 * latency measured beside it is a figure of that rig, not of a microphone. A microphone delivers
 * 16000 frames a second. This writes an `arecord` into a directory to put first on PATH; when
 * pacing is on, it runs the real arecord with the same arguments and passes its audio on at the
 * rate its arguments (-r, -c, -f) say, in 10 ms periods like an ALSA capture.
 *
 * Pacing is on when MURMUR_REALTIME_MIC=1 (npm run bench:vscode), or when the file named by
 * MURMUR_MIC_PACING_FILE holds "realtime" as the recorder starts: a test turns it on for itself
 * (test/integration/paced-microphone.test.ts) without slowing every other test. Otherwise, and for
 * listing (-L, -l), the shim execs the real arecord. Murmur stops the recorder with SIGTERM
 * (src/engine/process-stop.ts): forwarded to arecord, and the shim exits at once.
 *
 * Putting the directory first on the server's PATH is not enough: code-server starts the extension
 * host with the environment of a login shell, and Debian's /etc/profile sets PATH afresh. The
 * harness also writes it into the temporary HOME's .profile (lib/server.ts), read by that shell
 * after /etc/profile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SHIM = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const self = path.dirname(fs.realpathSync(__filename));
const real = (process.env.PATH || '').split(':')
  .filter((d) => d && path.resolve(d) !== self)
  .map((d) => path.join(d, 'arecord'))
  .find((f) => { try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; } });
if (!real) {
  process.stderr.write('arecord: command not found\n');
  process.exit(127);
}
const args = process.argv.slice(2);
const passThrough = args.includes('-L') || args.includes('-l');
const child = spawn(real, args, { stdio: passThrough ? 'inherit' : ['ignore', 'pipe', 'inherit'] });
// A recorder told to stop stops: what is still queued is dropped, as a microphone's would be.
// arecord is reaped before the shim goes, so no zombie outlives the run.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    if (child.exitCode !== null || child.signalCode !== null) process.exit(0);
    child.once('exit', () => process.exit(0));
    child.kill(sig);
    setTimeout(() => { child.kill('SIGKILL'); }, 500).unref();
  });
}
child.on('error', (e) => { process.stderr.write('arecord: ' + e.message + '\n'); process.exit(1); });
if (passThrough) {
  child.on('exit', (code) => process.exit(code === null ? 1 : code));
} else {
  const arg = (flag, fallback) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : fallback; };
  const format = arg('-f', 'U8');
  const frameBytes = Number(arg('-c', '1')) * (/32/.test(format) ? 4 : /24/.test(format) ? 3 : /16/.test(format) ? 2 : 1);
  const bytesPerSec = Number(arg('-r', '8000')) * frameBytes;
  const queue = [];
  let queued = 0;
  let sent = 0;
  let ended = false;
  const t0 = process.hrtime.bigint();
  child.stdout.on('data', (b) => {
    queue.push(b);
    queued += b.length;
    // Back-pressure: arecord blocks on its pipe instead of spinning ahead of the clock.
    if (queued > bytesPerSec) child.stdout.pause();
  });
  child.stdout.on('end', () => { ended = true; });
  process.stdout.on('error', () => { child.kill('SIGTERM'); process.exit(0); });
  const tick = () => {
    const due = Number(process.hrtime.bigint() - t0) / 1e9 * bytesPerSec;
    let allowed = Math.floor((due - sent) / frameBytes) * frameBytes;
    const out = [];
    while (allowed > 0 && queue.length) {
      const b = queue[0];
      const n = Math.min(allowed, b.length);
      out.push(b.subarray(0, n));
      if (n === b.length) queue.shift(); else queue[0] = b.subarray(n);
      allowed -= n; sent += n; queued -= n;
    }
    if (out.length) process.stdout.write(Buffer.concat(out));
    if (queued < bytesPerSec / 2) child.stdout.resume();
    if (ended && queue.length === 0) {
      clearInterval(timer);
      child.on('exit', (code) => process.exit(code === null ? 1 : code));
      if (child.exitCode !== null) process.exit(child.exitCode);
    }
  };
  const timer = setInterval(tick, 10);
}
`;

/**
 * The `arecord` on PATH: decides, each time a recorder starts, whether to pace. When not, it
 * becomes the real arecord (exec: the same process, signals and pipes as with no shim at all, so
 * tests that kill the recorder kill arecord); when it does, it becomes the pacer.
 */
function dispatcher(dir: string, node: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# The test microphone (test/vscode/lib/paced-arecord.ts): arecord, paced in real time when asked.',
    `here=${q(dir)}`,
    'pace=',
    '[ "$MURMUR_REALTIME_MIC" = 1 ] && pace=1',
    '[ -n "$MURMUR_MIC_PACING_FILE" ] && [ "$(cat "$MURMUR_MIC_PACING_FILE" 2>/dev/null)" = realtime ] && pace=1',
    'for a in "$@"; do case "$a" in -L|-l) pace= ;; esac; done',
    `[ -n "$pace" ] && exec ${q(node)} "$here/pacer.js" "$@"`,
    'PATH=$(printf %s "$PATH" | tr : \'\\n\' | grep -vxF "$here" | paste -sd: -)',
    'export PATH',
    'exec arecord "$@"',
    '',
  ].join('\n');
}

/** Writes the test microphone's arecord into `dir` (created) and returns `dir`, to go first on PATH. */
export function installPacedArecord(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  // This Node runs the pacer: the harness's own, so nothing has to be on PATH for it.
  fs.writeFileSync(path.join(dir, 'pacer.js'), SHIM);
  fs.writeFileSync(path.join(dir, 'arecord'), dispatcher(dir, process.execPath), { mode: 0o755 });
  return dir;
}
