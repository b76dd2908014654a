/**
 * The real sidecar process (dist/sidecar.js) over real Node IPC, with real models and speech:
 * handshake, version mismatch, malformed input that never kills it, the state machine's refusals,
 * model errors, file dictation equal to the zipformer reference text, stop and cancel semantics,
 * shutdown, and its lifetime tied to its parent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type SidecarMessage } from '../../src/protocol';
import { referenceOutputs, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient, sidecarScript } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { waitUntil } from '../helpers/wait';

const REFERENCE = path.join(ZIPFORMER_DIR, 'reference-output.sherpa-onnx-node-1.13.8.txt');
const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
const LONG_CLIP = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav';

const indexOf = (client: SidecarClient, m: SidecarMessage) => client.messages.indexOf(m);

describe('sidecar process', () => {
  const cache = tempCacheDir();
  let client: SidecarClient;

  before(() => {
    client = new SidecarClient();
  });
  after(async () => {
    await client.close();
    cache.remove();
  });

  test('announces its state and answers the handshake', async () => {
    const first = await client.waitForEvent('state');
    assert.equal(first.state, 'idle');
    const hello = await client.call('hello', { version: PROTOCOL_VERSION });
    assert.equal(hello.version, PROTOCOL_VERSION);
    assert.equal(hello.pid, client.child.pid);
    assert.equal(hello.node, process.versions.node);
  });

  test('refuses another major protocol version, naming both', async () => {
    const error = await client.callError('hello', { version: '99.0' });
    assert.equal(error.code, 'PROTOCOL_VERSION');
    assert.match(error.message, /99\.0/);
    assert.ok(error.message.includes(PROTOCOL_VERSION), error.message);
  });

  test('answers malformed messages with errors and stays alive', async () => {
    // Without a readable id the answer is an error event.
    for (const [raw, reason] of [
      [42, 'message: expected an object, got the number 42'],
      ['ping', 'message: expected an object, got the string "ping"'],
      [[1, 2], 'message: expected an object, got an array of 2'],
      [{ type: 'ping' }, 'ping.id: expected an integer >= 0, got nothing (missing)'],
      [{ type: 'ping', id: 'seven' }, 'ping.id: expected an integer >= 0, got the string "seven"'],
    ] as const) {
      const from = client.messages.length;
      client.sendRaw(raw);
      const event = await client.waitForEvent('error', () => true, 10_000, from);
      assert.equal(event.code, 'PROTOCOL_INVALID');
      assert.equal(event.message, `Invalid message: ${reason}`);
    }
    // With one, an error response to that id.
    for (const [raw, reason] of [
      [{ type: 'reboot', id: 101 }, /^message\.type: expected one of "hello", .*, got the string "reboot"$/],
      [{ type: 'loadModel', id: 102, location: { dir: '/m' }, threads: 'two' }, /^loadModel\.threads: expected an integer from 1 to 64, got the string "two"$/],
      [{ type: 'startDictation', id: 103, source: { kind: 'file', path: 'relative.wav', realtime: false } }, /^startDictation\.source\.path: expected an absolute path/],
      [{ type: 'setOptions', id: 104, options: { endpointSilenceMs: 'long' } }, /^setOptions\.options\.endpointSilenceMs: expected a number from 10 to 60000/],
      [{ type: 'ping', id: 105, pad: 'x'.repeat(MAX_MESSAGE_BYTES * 4) }, new RegExp(`^message: larger than the ${MAX_MESSAGE_BYTES}-byte limit$`)],
    ] as const) {
      client.sendRaw(raw);
      const response = await client.response(raw.id, 10_000);
      assert.ok(!response.ok, `${raw.id} should fail`);
      assert.equal(response.error.code, 'PROTOCOL_INVALID');
      assert.match(response.error.message.replace(/^Invalid message: /, ''), reason);
    }
    assert.ok(client.alive);
    const pong = await client.call('ping', {});
    assert.ok(pong.uptimeMs > 0);
    assert.deepEqual(client.invalid, [], 'everything the sidecar sent was valid');
  });

  test('refuses to dictate without a model (NO_MODEL)', async () => {
    const error = await client.callError('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } });
    assert.equal(error.code, 'NO_MODEL');
    assert.match(error.message, /loadModel/);
  });

  test('reports a nonexistent model directory (MODEL_NOT_FOUND) and enters the error state', async () => {
    const from = client.messages.length;
    const error = await client.callError('loadModel', { location: { dir: '/nonexistent/murmur-model' }, threads: 1, cacheDir: cache.dir });
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.match(error.message, /\/nonexistent\/murmur-model does not exist/);
    assert.deepEqual(client.events('state', from).map((e) => e.state), ['loading', 'error']);
    assert.equal((await client.callError('startDictation', { source: { kind: 'microphone' } })).code, 'NO_MODEL');
  });

  test('reports a DeepSpeech .pbmm model (MODEL_DEEPSPEECH) with how to convert it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-deepspeech-'));
    try {
      const pbmm = path.join(dir, 'deepspeech-0.9.3-models.pbmm');
      // A memory-mapped TensorFlow graph starts with protobuf bytes; content does not matter, the export does.
      fs.writeFileSync(pbmm, Buffer.from([0x0a, 0x0f, 0x0a, 0x07, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x6e, 0x6f, 0x64, 0x65]));
      for (const location of [{ dir }, { dir: pbmm }]) {
        const error = await client.callError('loadModel', { location, threads: 1, cacheDir: cache.dir });
        assert.equal(error.code, 'MODEL_DEEPSPEECH', JSON.stringify(location));
        assert.match(error.message, /tf2onnx/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loads the zipformer and transcribes a file to the reference text, partials first', async () => {
    const from = client.messages.length;
    const info = await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache.dir }, 120_000);
    assert.equal(info.family, 'zipformer');
    assert.ok(['mmap', 'read'].includes(info.via), `model bytes via ${info.via}`);
    const loaded = await client.waitForEvent('modelLoaded', () => true, 1000, from);
    assert.deepEqual({ ...loaded, type: undefined }, { ...info, type: undefined });
    assert.deepEqual(client.events('state', from).map((e) => e.state), ['loading', 'ready']);

    const refs = referenceOutputs(REFERENCE);
    for (const clip of [GOFORWARD, LONG_CLIP]) {
      const start = client.messages.length;
      const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(clip), realtime: false }, options: { normalizeGain: false } });
      const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 60_000, start);
      assert.equal(ended.reason, 'end-of-file');
      const finals = client.events('final', start).filter((e) => e.session === session);
      const partials = client.events('partial', start).filter((e) => e.session === session);
      assert.equal(finals.map((f) => f.text).join(' '), refs.get(path.basename(clip)), clip);
      assert.ok(partials.length > 0, 'partials were sent');
      assert.ok(indexOf(client, partials[0]) < indexOf(client, finals[0]), 'the first partial came before the first final');
      assert.ok(finals.every((f) => f.endSec > f.startSec), 'finals carry their audio time');
      const levels = client.events('level', start);
      assert.ok(levels.length > 0, 'level events were sent');
      assert.ok(levels.every((l) => l.rms <= l.peak && l.peak <= 1));
      assert.ok(levels.some((l) => l.rms > 0.01), 'speech shows as level');
      await client.waitForEvent('state', (e) => e.state === 'ready', 5000, indexOf(client, ended));
    }
    assert.deepEqual(client.invalid, []);
  });

  test('refuses a second dictation and a model change while dictating (BUSY)', async () => {
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true } });
    assert.equal((await client.callError('startDictation', { source: { kind: 'microphone' } })).code, 'BUSY');
    assert.equal((await client.callError('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1 })).code, 'BUSY');
    assert.equal((await client.callError('unloadModel', {})).code, 'BUSY');
    assert.deepEqual(await client.call('cancelDictation', {}), { session });
  });

  test('stop decodes what was heard and sends its final before replying', async () => {
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true }, options: { endpointing: false } });
    await client.waitForEvent('state', (e) => e.state === 'listening', 5000, start);
    await client.waitForEvent('partial', (e) => e.session === session && e.text.split(' ').length >= 3, 30_000, start);
    const id = 900;
    client.sendRaw({ type: 'stopDictation', id });
    const response = await client.response(id);
    assert.deepEqual(response, { type: 'response', id, ok: true, result: { session } });
    const finals = client.events('final', start).filter((e) => e.session === session);
    assert.equal(finals.length, 1, 'one utterance (endpointing off), flushed by the stop');
    assert.equal(finals[0].reason, 'end-of-input');
    assert.match(finals[0].text, /^GOD AS A /, 'the words heard before the stop');
    assert.ok(finals[0].text.length < (referenceOutputs(REFERENCE).get('1.wav') ?? '').length, 'stopped before the end of the clip');
    const ended = client.events('dictationEnded', start);
    assert.deepEqual(ended.map((e) => [e.session, e.reason]), [[session, 'stopped']]);
    const order = [finals[0], ended[0], response].map((m) => indexOf(client, m));
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'final, then dictationEnded, then the response');
    assert.deepEqual(client.events('state', start).map((e) => e.state), ['listening', 'processing', 'ready']);
    assert.deepEqual(await client.call('stopDictation', {}), { session: null }, 'stopping again is harmless');
  });

  test('cancel drops the open utterance: no final', async () => {
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true }, options: { endpointing: false } });
    await client.waitForEvent('partial', (e) => e.session === session && e.text.length > 0, 30_000, start);
    assert.deepEqual(await client.call('cancelDictation', {}), { session });
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 1000, start);
    assert.equal(ended.reason, 'cancelled');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(client.events('final', start), [], 'no final for the cancelled utterance');
    assert.equal(client.events('partial', indexOf(client, ended)).length, 0, 'no partial after the cancel');
    // The next dictation starts clean.
    const next = client.messages.length;
    const second = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false }, options: { normalizeGain: false } });
    await client.waitForEvent('dictationEnded', (e) => e.session === second.session, 30_000, next);
    assert.deepEqual(client.events('final', next).map((f) => f.text), ['GO FORWARD TEN METERS']);
  });

  test('a stop or cancel naming a session ends only that one', async () => {
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true }, options: { endpointing: false } });
    // A request for an older session (one the host gave up) leaves the running dictation alone.
    assert.deepEqual(await client.call('cancelDictation', { session: session - 1 }), { session: null });
    assert.deepEqual(await client.call('stopDictation', { session: session + 1 }), { session: null });
    await client.waitForEvent('partial', (e) => e.session === session && e.text.length > 0, 30_000, start);
    assert.deepEqual(client.events('dictationEnded', start), [], 'still dictating');
    assert.deepEqual(await client.call('cancelDictation', { session }), { session });
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 1000, start);
    assert.equal(ended.reason, 'cancelled');
  });

  test('reports a missing audio file (AUDIO_NOT_FOUND) and stays ready', async () => {
    const error = await client.callError('startDictation', { source: { kind: 'file', path: '/nonexistent/clip.wav', realtime: false } });
    assert.equal(error.code, 'AUDIO_NOT_FOUND');
    assert.match(error.message, /\/nonexistent\/clip\.wav/);
    const again = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } });
    await client.waitForEvent('dictationEnded', (e) => e.session === again.session, 30_000, 0);
  });

  test('setOptions merges and applies from the next dictation', async () => {
    const { options } = await client.call('setOptions', { options: { partials: false, endpointSilenceMs: 500 } });
    assert.equal(options.partials, false);
    assert.equal(options.endpointSilenceMs, 500);
    assert.equal(options.decoding, 'greedy');
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } });
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 30_000, start);
    assert.equal(client.events('partial', start).length, 0, 'partials off');
    assert.equal(client.events('final', start).length, 1);
    await client.call('setOptions', { options: { partials: true, endpointSilenceMs: 800 } });
  });

  test('setOptions carries murmur.language to the sidecar, and an English-only model dictates with it set', async () => {
    assert.equal((await client.call('setOptions', { options: {} })).options.language, undefined, 'unset until the extension sends it');
    const { options } = await client.call('setOptions', { options: { language: 'de' } });
    assert.equal(options.language, 'de');
    // Zipformer hears English only: a forced language does not stop it.
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false }, options: { language: 'fr' } });
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 30_000, start);
    assert.equal(client.events('final', start).length, 1);
    assert.equal((await client.call('setOptions', { options: { language: 'auto' } })).options.language, 'auto');
  });

  test('unloads the model, then shuts down cleanly on request', async () => {
    assert.deepEqual(await client.call('unloadModel', {}), { unloaded: true });
    assert.equal((await client.callError('startDictation', { source: { kind: 'microphone' } })).code, 'NO_MODEL');
    assert.deepEqual(await client.call('shutdown', {}), {});
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    assert.deepEqual(client.invalid, []);
  });
});

describe('sidecar lifetime', () => {
  test('without an IPC channel it says why and exits 2', () => {
    const r = spawnSync(process.execPath, [sidecarScript()], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no IPC channel/);
  });

  test('exits when the parent closes the channel', async () => {
    const client = new SidecarClient();
    try {
      await client.waitForEvent('state');
      client.child.disconnect();
      assert.deepEqual(await client.exited, { code: 0, signal: null });
    } finally {
      await client.close();
    }
  });

  test('exits when the parent process is killed (no orphan)', async () => {
    // A real parent, killed with SIGKILL so it cannot say goodbye.
    const parentCode = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(sidecarScript())}], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
      c.on('message', (m) => { if (m.type === 'state') process.stdout.write(c.pid + '\\n'); });
    `;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      parent.once('exit', () => reject(new Error('the parent exited before starting the sidecar')));
    });
    assert.ok(isRunning(pid), 'the sidecar runs');
    parent.kill('SIGKILL');
    const gone = await waitUntil(() => !isRunning(pid), 10_000);
    if (!gone && isOurSidecar(pid)) process.kill(pid, 'SIGKILL'); // leave nothing behind even on failure
    assert.ok(gone, `sidecar ${pid} outlived its parent`);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes (its parent is gone and init reaps it).
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function isOurSidecar(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sidecar.js');
  } catch {
    return false;
  }
}
