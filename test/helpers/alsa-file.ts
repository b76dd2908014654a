/**
 * A real ALSA capture device that "records" a WAV file, so the real arecord -> recorder spawn ->
 * sidecar path can be tested without a sound card.
 *
 * ALSA's `file` PCM plugin with `infile` reads captured audio from a file; its slave `null` PCM
 * provides the timing-free device underneath. The infile is raw: bytes are handed to the capture
 * buffer as they are, so it must be s16le 16 kHz mono (what the microphone source asks for),
 * without a WAV header (which would be heard as a click). The plugin is not paced in real time:
 * arecord reads as fast as the pipe takes it, and after the file ends the device delivers silence
 * for as long as it is read.
 *
 * The device is defined in a temporary config that includes the system's alsa.conf, selected
 * with the ALSA_CONFIG_PATH environment variable (so nothing in $HOME or /etc is touched).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';

export const SYSTEM_ALSA_CONF = '/usr/share/alsa/alsa.conf';

/** arecord must be installed for these tests; say how to get it instead of skipping. */
export function requireArecord(): void {
  const r = spawnSync('arecord', ['--version'], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `arecord is required (real microphone tests): apt-get install -y alsa-utils (${r.error?.message ?? r.stderr})`);
  assert.ok(fs.existsSync(SYSTEM_ALSA_CONF), `missing ${SYSTEM_ALSA_CONF}: install alsa-utils (libasound2-data)`);
}

export interface AlsaFileDevice {
  /** The PCM name to pass as the microphone device. */
  device: string;
  /** process.env plus ALSA_CONFIG_PATH pointing at the config defining `device`. */
  env: NodeJS.ProcessEnv;
  description: string;
  remove(): void;
}

export function alsaFileDevice(wavPath: string, device = 'murmurtest'): AlsaFileDevice {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-alsa-'));
  const raw = path.join(dir, 'capture.s16le');
  const samples = toMono16k(readWav(wavPath));
  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), i * 2);
  fs.writeFileSync(raw, pcm);
  const description = `Murmur test recording of ${path.basename(wavPath)}`;
  const conf = path.join(dir, 'asound.conf');
  fs.writeFileSync(
    conf,
    [
      `<${SYSTEM_ALSA_CONF}>`,
      `pcm.${device} {`,
      '  type file',
      '  slave.pcm "null"',
      '  file "/dev/null"',
      `  infile ${JSON.stringify(raw)}`,
      '  format "raw"',
      `  hint { show on; description ${JSON.stringify(description)} }`,
      '}',
      '',
    ].join('\n'),
  );
  return { device, env: { ...process.env, ALSA_CONFIG_PATH: conf }, description, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
