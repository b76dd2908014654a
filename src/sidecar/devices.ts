/**
 * The platform's recorder and the recording devices a user can pick. On Linux these are ALSA's PCM
 * names from `arecord -L` (what `arecord -D` takes); on macOS the CoreAudio inputs system_profiler
 * lists and on Windows the waveaudio inputs SoX enumerates (device-lists.ts), each after "default".
 *
 * This module imports nothing from microphone.ts: the microphone checks a device name against this
 * list (device-name.ts) before it spawns anything, and an import cycle would leave constants
 * undefined while the bundle initialises.
 */
import { execFile } from 'node:child_process';
import { MurmurError } from '../engine/errors';
import type { AudioDevice } from '../protocol/messages';
import { listMacDevices, listWindowsDevices } from './device-lists';
import { DEFAULT_DEVICE, recorderFor, recorderMissingError as missingError, type Recorder } from './recorder';

export { DEFAULT_DEVICE, type Recorder };

/** The recorder Murmur runs on `platform` (this machine's by default). */
export function recorderCommand(platform: NodeJS.Platform = process.platform): Recorder {
  return recorderFor(platform);
}

/** MIC_RECORDER_MISSING for `command` (this machine's recorder by default), saying what to install. */
export function recorderMissingError(command: Recorder = recorderCommand()): MurmurError {
  return missingError(command);
}

const DEFAULT_ENTRY: AudioDevice = { name: DEFAULT_DEVICE, description: 'System default recording device' };

export interface ArecordEntry {
  name: string;
  /** The indented description lines under the name, trimmed. */
  lines: string[];
}

/** `arecord -L` output: a device name at the start of a line, its description on the indented lines under it. */
export function parseArecordEntries(text: string): ArecordEntry[] {
  const entries: ArecordEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (/^\s/.test(line)) entries.at(-1)?.lines.push(line.trim());
    else entries.push({ name: line.trim(), lines: [] });
  }
  return entries;
}

/** The devices to offer: `null` is left out (it records silence, never a microphone); `default` always comes first. */
export function parseArecordList(text: string): AudioDevice[] {
  const devices = parseArecordEntries(text)
    .filter((e) => e.name !== 'null')
    .map((e): AudioDevice => ({ name: e.name, description: e.lines.join(' - ') }));
  if (!devices.some((d) => d.name === DEFAULT_DEVICE)) devices.unshift(DEFAULT_ENTRY);
  return devices;
}

/**
 * Runs `arecord -L` (no shell; bounded in time and output) in `env`, which must be the environment
 * the recorder gets: ALSA_CONFIG_PATH there decides which devices exist.
 */
export function runArecordList(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile('arecord', ['-L'], { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(recorderMissingError('arecord'));
      const why = error.killed ? `it did not answer within ${timeoutMs / 1000} s` : stderr.trim() || error.message;
      reject(new MurmurError('MIC_DEVICE_ERROR', `arecord -L failed: ${why}`));
    });
  });
}

export async function listDevices(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<AudioDevice[]> {
  const recorder = recorderFor(platform);
  if (recorder === 'rec') return listMacDevices(env);
  if (recorder === 'sox') {
    const devices = await listWindowsDevices(env);
    if (devices === 'missing') throw recorderMissingError('sox');
    return devices;
  }
  return parseArecordList(await runArecordList(env));
}
