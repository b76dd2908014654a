/**
 * A bounded soak of one real sidecar (the long one is `npm run soak`): 40 microphone dictations
 * through the real arecord (ALSA `file` plugin, helpers/alsa-file.ts), stopped or cancelled after a
 * short wait or right behind the start, with file dictations in between (to the end, and one paced
 * in real time that is cancelled). The sidecar's diagnostics must then show nothing left behind:
 * no child process (after every response, and at the end), open file descriptors back to the
 * warm-up count, no more timers or handles than at warm-up. Nothing here asserts a timing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultModelDir } from '../../src/engine/paths';
import { PROTOCOL_VERSION, type SidecarDiagnostics } from '../../src/protocol';
import { alsaFileDevice, requireArecord, type AlsaFileDevice } from '../helpers/alsa-file';
import { sharedPath } from '../helpers/shared';
import { writeWav } from '../helpers/samples';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
const LONG_CLIP = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav';
const CYCLES = 40;
/**
 * Open descriptors may sit up to 2 above the warm-up count: a reading is one instant, and the
 * runtime opens a few descriptors on its own schedule (onnxruntime's telemetry database journal,
 * an fs request of the libuv thread pool finishing). A recorder leaked per cycle would leave at
 * least one descriptor per cycle (its stdout pipe), 40 here: far above this slack.
 */
const FD_SLACK = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sidecar soak (short)', () => {
  const cache = tempCacheDir();
  let alsa: AlsaFileDevice;
  let client: SidecarClient;

  before(async () => {
    requireArecord();
    alsa = alsaFileDevice(sharedPath(GOFORWARD));
    client = new SidecarClient({ env: { ...alsa.env, MURMUR_CACHE_DIR: cache.dir } });
    await client.call('hello', { version: PROTOCOL_VERSION });
    await client.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir: cache.dir }, 300_000);
  });
  after(async () => {
    await client?.close();
    alsa?.remove();
    cache.remove();
  });

  /** A file dictation to its end; returns its finals. */
  async function dictateFile(clip: string): Promise<string[]> {
    const from = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(clip), realtime: false } });
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, from);
    assert.equal(ended.reason, 'end-of-file');
    return client.events('final', from).filter((e) => e.session === session).map((e) => e.text);
  }

  /** A microphone dictation ended by stop or cancel, after `waitMs` or (undefined) right behind the start. */
  async function cycle(end: 'stopDictation' | 'cancelDictation', waitMs: number | undefined): Promise<SidecarDiagnostics> {
    const from = client.messages.length;
    let session: number;
    let ended: number | null;
    if (waitMs === undefined) {
      const [a, b] = await Promise.all([client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } }), client.call(end, {})]);
      session = a.session;
      ended = b.session;
    } else {
      session = (await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } })).session;
      await sleep(waitMs);
      ended = (await client.call(end, {})).session;
    }
    assert.equal(ended, session, `${end} ended the dictation that was started`);
    const done = await client.waitForEvent('dictationEnded', (e) => e.session === session, 10_000, from);
    assert.equal(done.reason, end === 'stopDictation' ? 'stopped' : 'cancelled');
    const finals = client.events('final', from).filter((e) => e.session === session);
    assert.ok(finals.every((f) => f.text.trim().length > 0), 'finals carry text');
    // A final may come before a cancel (the clip's pause ended the utterance), never after its end.
    const after = client.messages.slice(client.messages.indexOf(done) + 1);
    assert.deepEqual(after.filter((m) => (m.type === 'final' || m.type === 'partial') && m.session === session), [], `nothing of dictation ${session} after it ended`);
    // The response comes once the recorder has exited.
    const d = await client.call('diagnostics', {});
    assert.deepEqual(d.childPids, [], `no recorder left after ${end} of dictation ${session}`);
    return d;
  }

  test('diagnostics reports the process figures', async () => {
    const d = await client.call('diagnostics', {});
    assert.ok(d.rssBytes > d.heapUsedBytes && d.heapUsedBytes > 0);
    assert.ok(d.openFds >= 3, `stdio and the IPC channel at least: ${d.openFds}`);
    assert.ok((d.activeResources.PipeWrap ?? 0) >= 1, `the IPC channel is an active pipe: ${JSON.stringify(d.activeResources)}`);
    assert.deepEqual(d.childPids, []);
    // While the microphone records, its recorder is the sidecar's child.
    const { session } = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } });
    const recording = await client.call('diagnostics', {});
    assert.equal(recording.childPids.length, 1, 'arecord runs under the sidecar');
    assert.ok((recording.activeResources.ProcessWrap ?? 0) >= 1, JSON.stringify(recording.activeResources));
    assert.ok((recording.activeResources.Timeout ?? 0) >= 1, `the level timer runs: ${JSON.stringify(recording.activeResources)}`);
    assert.deepEqual(await client.call('cancelDictation', {}), { session });
    assert.deepEqual((await client.call('diagnostics', {})).childPids, []);
  });

  test('the audio of a long file is released when its dictation ends (idle memory back to before)', async () => {
    // Five minutes of faint noise: 9.6 MB as a WAV, 19 MB as samples; the VAD hears no speech,
    // so it takes seconds. Garbage V8 has no reason to collect in an idle process would keep
    // this resident; the sidecar collects and trims when a dictation ends.
    const file = path.join(cache.dir, 'five-minutes.wav');
    const samples = new Float32Array(5 * 60 * 16000);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i * 0.37) * 0.001;
    writeWav(file, samples);
    await sleep(500);
    const before = await client.call('diagnostics', {});
    const from = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: file, realtime: false } });
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, from);
    fs.rmSync(file);
    await sleep(500);
    const after = await client.call('diagnostics', {});
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(`  before: external ${mb(before.externalBytes)} MB, RSS ${mb(before.rssBytes)} MB; after: external ${mb(after.externalBytes)} MB, RSS ${mb(after.rssBytes)} MB`);
    assert.ok(after.externalBytes - before.externalBytes < 4 * 1024 * 1024, `buffers outside the JS heap grew by ${mb(after.externalBytes - before.externalBytes)} MB`);
  });

  test(`${CYCLES} microphone start/stop/cancel cycles and file dictations leave nothing behind`, async () => {
    // Warm-up: every path once (file, microphone stop and cancel, both right behind the start).
    assert.match((await dictateFile(GOFORWARD)).join(' '), /go forward ten meters/i);
    for (const [end, wait] of [
      ['stopDictation', 300],
      ['cancelDictation', 300],
      ['stopDictation', undefined],
      ['cancelDictation', undefined],
    ] as const) {
      await cycle(end, wait);
    }
    await sleep(500);
    const warm = await client.call('diagnostics', {});

    let stops = 0;
    for (let i = 0; i < CYCLES; i++) {
      const end = i % 3 === 1 ? 'cancelDictation' : 'stopDictation';
      // Mostly a short wait (0 to 490 ms, varied), every fifth right behind the start.
      const wait = i % 5 === 4 ? undefined : (i * 137) % 500;
      await cycle(end, wait);
      if (end === 'stopDictation') stops++;
      if (i % 10 === 9) {
        assert.match((await dictateFile(i % 20 === 19 ? LONG_CLIP : GOFORWARD)).join(' '), /\w/, 'the file gave text');
      }
      if (i === CYCLES / 2) {
        // A real-time file (its pacing timer pending) cancelled mid-way.
        const from = client.messages.length;
        const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true } });
        await client.waitForEvent('level', () => true, 10_000, from);
        assert.deepEqual(await client.call('cancelDictation', {}), { session });
      }
    }
    assert.ok(stops > 0);

    await sleep(500);
    const end = await client.call('diagnostics', {});
    const show = (d: SidecarDiagnostics) => `fds ${d.openFds}, resources ${JSON.stringify(d.activeResources)}, children ${JSON.stringify(d.childPids)}`;
    console.log(`  warm-up: ${show(warm)}\n  end:     ${show(end)}`);
    assert.deepEqual(end.childPids, [], 'no child process at idle');
    assert.ok(end.openFds <= warm.openFds + FD_SLACK, `open fds back to the warm-up count: ${warm.openFds} -> ${end.openFds}`);
    for (const [kind, n] of Object.entries(end.activeResources)) {
      assert.ok(n <= (warm.activeResources[kind] ?? 0), `${kind}: ${n} active at the end, ${warm.activeResources[kind] ?? 0} at warm-up`);
    }
    assert.ok(client.alive);
    assert.deepEqual(client.invalid, []);
  });
});
