/**
 * The SoX command lines of macOS and Windows, run for real with Linux's SoX: its ALSA driver stands
 * in for CoreAudio and waveaudio, reading an ALSA `file` device that plays a tone we wrote (the
 * same trick as helpers/alsa-file.ts). Everything else in the command line is what those platforms
 * run, so SoX itself checks the arguments and the output format.
 *
 * - macOS: MicrophoneSource with platform 'darwin' spawns `rec` with the device in AUDIODEV
 *   (AUDIODRIVER=alsa picks the driver here) and stops it with the POSIX steps: SIGTERM, SoX flushes.
 * - Windows: recorderSpawn('win32', ...) with `-t waveaudio` replaced by `-t alsa`, stopped with the
 *   Windows steps (flush time, then a plain kill): the audio comes out as s16le 16 kHz mono.
 *
 * Linux only (needs ALSA and SoX: apt-get install -y sox alsa-utils); fails, never skips, there.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recorderStopSteps, runStopSteps } from '../../src/engine/process-stop';
import { MicrophoneSource } from '../../src/sidecar/microphone';
import { recorderSpawn } from '../../src/sidecar/recorder';

const linuxOnly = process.platform === 'linux' ? false : 'SoX through ALSA stands in for the other platforms on Linux only';
const SYSTEM_ALSA_CONF = '/usr/share/alsa/alsa.conf';
const DEVICE = 'murmursox';

/** s16le samples of a `hz` tone at amplitude 0.25, `channels` interleaved. */
function tone(hz: number, rate: number, seconds: number, channels: number): Buffer {
  const frames = Math.round(rate * seconds);
  const buf = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(8192 * Math.sin((2 * Math.PI * hz * i) / rate));
    for (let c = 0; c < channels; c++) buf.writeInt16LE(v, (i * channels + c) * 2);
  }
  return buf;
}

/** An ALSA config defining DEVICE as a capture device that reads `raw` (format as the recorder opens it). */
function alsaDevice(dir: string, raw: Buffer): NodeJS.ProcessEnv {
  const file = path.join(dir, `capture-${raw.length}.raw`);
  fs.writeFileSync(file, raw);
  const conf = path.join(dir, `asound-${raw.length}.conf`);
  fs.writeFileSync(conf, [`<${SYSTEM_ALSA_CONF}>`, `pcm.${DEVICE} {`, '  type file', '  slave.pcm "null"', '  file "/dev/null"', `  infile ${JSON.stringify(file)}`, '  format "raw"', '}', ''].join('\n'));
  return { ...process.env, ALSA_CONFIG_PATH: conf, AUDIODRIVER: 'alsa' };
}

/** Sign changes per second of `samples` at 16 kHz: twice the frequency of a clean tone. */
function crossingsPerSecond(samples: ArrayLike<number>): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 !== samples[i] < 0) n++;
  return n / (samples.length / 16000);
}

describe('SoX command lines of macOS and Windows, run with Linux SoX', { skip: linuxOnly }, () => {
  let dir: string;
  before(() => {
    const sox = spawnSync('sox', ['--version'], { encoding: 'utf8' });
    assert.ok(!sox.error && sox.status === 0, `SoX is required: apt-get install -y sox (${sox.error?.message ?? sox.stderr})`);
    assert.ok(fs.existsSync(SYSTEM_ALSA_CONF), `missing ${SYSTEM_ALSA_CONF}: apt-get install -y alsa-utils`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-sox-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('macOS: rec with AUDIODEV records the device sample for sample; stop (SIGTERM) ends it cleanly', async () => {
    // rec opens the device with the output's format, so the file is 16 kHz mono as it will come out.
    const raw = tone(440, 16000, 1, 1);
    const mic = new MicrophoneSource({ device: DEVICE, env: alsaDevice(dir, raw), platform: 'darwin', startTimeoutMs: 10_000 });
    assert.match(mic.label, /\(rec\)$/);
    const chunks: Float32Array[] = [];
    let ended: unknown = 'no';
    await mic.start({ audio: (s) => chunks.push(s), ended: (e) => (ended = e) });
    const enough = Date.now() + 10_000;
    while (chunks.reduce((n, c) => n + c.length, 0) < 16000 && Date.now() < enough) await new Promise((r) => setTimeout(r, 20));
    await mic.stop();
    assert.equal(ended, 'no', 'a stop is not a failure');
    const got = Float32Array.from(chunks.flatMap((c) => Array.from(c)));
    assert.ok(got.length >= 16000, `only ${got.length} samples`);
    for (let i = 0; i < 16000; i++) assert.equal(got[i], raw.readInt16LE(i * 2) / 32768, `sample ${i}`);
  });

  test('Windows: the waveaudio command line (driver aside) gives s16le 16 kHz mono; the Windows steps stop it', async () => {
    // sox opens a device at its default, 48 kHz stereo here, and converts to the output format.
    const spec = recorderSpawn('win32', DEVICE, alsaDevice(dir, tone(440, 48000, 2, 2)));
    assert.deepEqual(spec.args.slice(0, 3), ['-t', 'waveaudio', DEVICE]);
    const args = ['-t', 'alsa', ...spec.args.slice(2)];
    const child = spawn(spec.command, args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const enough = Date.now() + 10_000;
    while (Buffer.concat(out).length < 32000 && Date.now() < enough && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    await runStopSteps(recorderStopSteps('win32', { graceMs: 0, flushMs: 100 }), { child, readRest: () => child.stdout.resume(), closed });
    const bytes = Buffer.concat(out);
    assert.ok(bytes.length >= 32000, `only ${bytes.length} bytes; sox said: ${stderr}`);
    const samples = Array.from({ length: 12000 }, (_, i) => bytes.readInt16LE((2000 + i) * 2));
    // A 440 Hz tone at 16 kHz mono crosses zero 880 times a second (48 kHz or stereo would not).
    const rate = crossingsPerSecond(samples);
    assert.ok(Math.abs(rate - 880) < 20, `${rate} zero crossings per second`);
    const peak = Math.max(...samples.map(Math.abs));
    assert.ok(peak > 7000 && peak < 9500, `peak ${peak}: the tone's level survived the conversion`);
  });
});
