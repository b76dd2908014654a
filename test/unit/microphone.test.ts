/**
 * The microphone path for real: the sidecar spawns the real arecord (src/sidecar/recorder.ts),
 * which captures from an ALSA `file` device playing a speech clip (see helpers/alsa-file.ts).
 * Dictation must give the clip's text; a missing recorder, a missing device and a recorder dying
 * mid-session must each give their specific error and leave the sidecar usable; a killed parent
 * must take the sidecar and its recorder with it.
 *
 * Needs alsa-utils (apt-get install -y alsa-utils): fails, never skips, without it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultModelDir } from '../../src/engine/paths';
import { alsaFileDevice, requireArecord, type AlsaFileDevice } from '../helpers/alsa-file';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient, sidecarScript } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { waitUntil } from '../helpers/wait';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';

describe('microphone through arecord', () => {
  const cache = tempCacheDir();
  let alsa: AlsaFileDevice;
  let client: SidecarClient;

  before(async () => {
    requireArecord();
    alsa = alsaFileDevice(sharedPath(GOFORWARD));
    client = new SidecarClient({ env: alsa.env });
    await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache.dir }, 120_000);
  });
  after(async () => {
    await client?.close();
    alsa?.remove();
    cache.remove();
  });

  test('lists the ALSA devices from arecord -L', async () => {
    const { devices } = await client.call('listDevices', {});
    assert.deepEqual(devices.find((d) => d.name === alsa.device), { name: alsa.device, description: alsa.description });
    assert.equal(devices[0].name, 'default', 'the default device comes first');
    assert.ok(!devices.some((d) => d.name === 'null'), 'the null device is not a microphone');
  });

  for (const family of ['zipformer', 'moonshine'] as const) {
    test(`dictates from the microphone: ${family} gives the clip's text`, async () => {
      if (family === 'moonshine') {
        const info = await client.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir: cache.dir }, 120_000);
        assert.equal(info.family, 'moonshine');
      }
      const expected = family === 'zipformer' ? 'GO FORWARD TEN METERS' : 'Go forward ten meters.';
      const start = client.messages.length;
      const { session } = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device }, options: { normalizeGain: family === 'moonshine' } });
      const recorder = await waitForChild(client.child.pid ?? -1, 'arecord');
      assert.ok(recorder, 'arecord runs under the sidecar');
      // The clip, then the device's endless silence: the pause ends the utterance.
      const final = await client.waitForEvent('final', (e) => e.session === session, 60_000, start);
      assert.equal(final.text, expected);
      assert.equal(final.reason, 'endpoint');
      assert.ok(client.events('partial', start).some((p) => p.session === session && p.text.length > 0), 'partials came first');
      assert.ok(client.events('level', start).some((l) => l.rms > 0.01), 'level events show the speech');
      assert.deepEqual(await client.call('stopDictation', {}), { session });
      const finals = client.events('final', start).filter((e) => e.session === session && e.text.trim());
      assert.deepEqual(finals.map((f) => f.text), [expected], 'nothing but the clip was heard');
      assert.equal(client.events('dictationEnded', start).at(-1)?.reason, 'stopped');
      assert.ok(await waitUntil(() => !isRunning(recorder), 5000), 'arecord stopped with the dictation');
      assert.deepEqual(client.invalid, []);
    });
  }

  test('a stop sent right behind the start (before the recorder delivers) ends that dictation', async () => {
    const start = client.messages.length;
    client.sendRaw({ type: 'startDictation', id: 7001, source: { kind: 'microphone', device: alsa.device } });
    client.sendRaw({ type: 'stopDictation', id: 7002 });
    const started = await client.response(7001);
    const stopped = await client.response(7002);
    assert.ok(started.ok && stopped.ok);
    assert.deepEqual(stopped.result, started.result, 'the stop ended the session the start opened');
    const ended = await client.waitForEvent('dictationEnded', () => true, 10_000, start);
    assert.equal(ended.reason, 'stopped');
    assert.deepEqual(client.events('state', start).map((e) => e.state), ['listening', 'processing', 'ready']);
    assert.equal(await waitForChild(client.child.pid ?? -1, 'arecord', 200), undefined, 'no recorder left');
  });

  test('a missing device is MIC_DEVICE_ERROR quoting arecord', async () => {
    // A well-formed hardware name (the device check lets it through) of a card that is not there.
    const device = 'hw:7,0';
    const error = await client.callError('startDictation', { source: { kind: 'microphone', device } });
    assert.equal(error.code, 'MIC_DEVICE_ERROR');
    assert.ok(error.message.includes(`"${device}"`), `names the device: ${error.message}`);
    assert.match(error.message, /audio open error: No such file or directory/, 'quotes arecord');
    const pong = await client.call('ping', {});
    assert.ok(pong.uptimeMs > 0);
    assert.equal(client.events('state').at(-1)?.state, 'ready');
  });

  test('a recorder dying mid-session is an error event and a clean end', async () => {
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } });
    await client.waitForEvent('level', () => true, 10_000, start);
    const recorder = await waitForChild(client.child.pid ?? -1, 'arecord');
    assert.ok(recorder, 'found the recorder');
    process.kill(recorder, 'SIGKILL');
    const error = await client.waitForEvent('error', () => true, 10_000, start);
    assert.equal(error.code, 'MIC_DEVICE_ERROR');
    assert.match(error.message, /stopped unexpectedly \(killed by SIGKILL\)/);
    assert.ok(error.message.includes(alsa.device));
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 10_000, start);
    assert.equal(ended.reason, 'error');
    await client.waitForEvent('state', (e) => e.state === 'ready', 5000, start);
    // Usable again at once.
    const next = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device } });
    assert.ok(next.session > session);
    assert.deepEqual(await client.call('cancelDictation', {}), { session: next.session });
    assert.ok(client.alive);
  });
});

describe('microphone without a recorder', () => {
  test('a missing arecord is MIC_RECORDER_MISSING saying what to install', async () => {
    const cache = tempCacheDir();
    const emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-nobin-'));
    const client = new SidecarClient({ env: { ...process.env, PATH: emptyBin } });
    try {
      await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache.dir }, 120_000);
      const error = await client.callError('startDictation', { source: { kind: 'microphone' } });
      assert.equal(error.code, 'MIC_RECORDER_MISSING');
      assert.match(error.message, /"arecord" was not found/);
      assert.match(error.message, /apt-get install alsa-utils/);
      assert.equal((await client.callError('listDevices', {})).code, 'MIC_RECORDER_MISSING');
      assert.ok(client.alive);
      assert.equal(client.events('state').at(-1)?.state, 'ready');
    } finally {
      await client.close();
      fs.rmSync(emptyBin, { recursive: true, force: true });
      cache.remove();
    }
  });
});

describe('microphone lifetime', () => {
  test('a killed parent takes the sidecar and its recorder with it', async () => {
    requireArecord();
    const alsa = alsaFileDevice(sharedPath(GOFORWARD));
    const cache = tempCacheDir();
    // A parent that starts a microphone dictation, then is killed with SIGKILL.
    const parentCode = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(sidecarScript())}], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      c.on('message', (m) => {
        if (m.type === 'state' && m.state === 'idle') c.send({ type: 'loadModel', id: 1, threads: 1, cacheDir: ${JSON.stringify(cache.dir)}, location: { dir: ${JSON.stringify(sharedPath(ZIPFORMER_DIR))} } });
        if (m.type === 'response' && m.id === 1) c.send({ type: 'startDictation', id: 2, source: { kind: 'microphone', device: ${JSON.stringify(alsa.device)} } });
        if (m.type === 'response' && m.id === 2) process.stdout.write((m.ok ? c.pid : 'failed ' + JSON.stringify(m)) + '\\n');
      });
    `;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'], env: alsa.env });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        parent.stdout.once('data', (d: Buffer) => resolve(String(d).trim()));
        parent.once('exit', () => reject(new Error('the parent exited early')));
      });
      const sidecar = Number(line);
      assert.ok(Number.isInteger(sidecar), line);
      const recorder = await waitForChild(sidecar, 'arecord');
      assert.ok(recorder, 'the sidecar is recording');
      parent.kill('SIGKILL');
      const gone = await waitUntil(() => !isRunning(sidecar) && !isRunning(recorder), 10_000);
      // Leave nothing behind even when the assertion fails.
      for (const pid of [sidecar, recorder]) if (isRunning(pid) && commandOf(pid).match(/sidecar\.js|arecord/)) process.kill(pid, 'SIGKILL');
      assert.ok(gone, 'sidecar and arecord exited with their parent');
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      alsa.remove();
      cache.remove();
    }
  });
});

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function isRunning(pid: number): boolean {
  try {
    // A zombie has exited; only its parent's bookkeeping remains.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pid of a running child of `parent` whose command is `name`, waiting up to `timeoutMs` for it. */
async function waitForChild(parent: number, name: string, timeoutMs = 5000): Promise<number | undefined> {
  let found: number | undefined;
  await waitUntil(() => {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
        if (m && m[1] === name && m[2] !== 'Z' && Number(m[3]) === parent) {
          found = Number(entry);
          return true;
        }
      } catch {
        // exited while we looked
      }
    }
    return false;
  }, timeoutMs);
  return found;
}
