/**
 * The recording devices a user can pick. On Linux these are ALSA's PCM names from `arecord -L`
 * (what `arecord -D` takes); elsewhere SoX records from the system default only, so that is the list.
 */
import { execFile } from 'node:child_process';
import { MurmurError } from '../engine/errors';
import type { AudioDevice } from '../protocol/messages';
import { DEFAULT_DEVICE, recorderCommand, recorderMissingError } from './microphone';

const DEFAULT_ENTRY: AudioDevice = { name: DEFAULT_DEVICE, description: 'System default recording device' };

/**
 * `arecord -L` output: a device name at the start of a line, its description on the indented lines
 * under it. `null` is left out: it records silence, never a microphone.
 */
export function parseArecordList(text: string): AudioDevice[] {
  const devices: AudioDevice[] = [];
  let current: { name: string; lines: string[] } | undefined;
  const flush = () => {
    if (current && current.name !== 'null') devices.push({ name: current.name, description: current.lines.join(' - ') });
  };
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (/^\s/.test(line)) current?.lines.push(line.trim());
    else {
      flush();
      current = { name: line.trim(), lines: [] };
    }
  }
  flush();
  if (!devices.some((d) => d.name === DEFAULT_DEVICE)) devices.unshift(DEFAULT_ENTRY);
  return devices;
}

export async function listDevices(): Promise<AudioDevice[]> {
  if (recorderCommand() !== 'arecord') return [DEFAULT_ENTRY];
  const text = await new Promise<string>((resolve, reject) => {
    execFile('arecord', ['-L'], { timeout: 10_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(recorderMissingError('arecord'));
      reject(new MurmurError('MIC_DEVICE_ERROR', `arecord -L failed: ${stderr.trim() || error.message}`));
    });
  });
  return parseArecordList(text);
}
