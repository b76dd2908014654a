/**
 * The recording devices "Select Microphone..." offers on macOS and Windows, read from what the OS
 * or SoX print (Linux's `arecord -L` is in devices.ts). Parsers are pure and tested on captured
 * samples; the runners are thin and bounded in time and output.
 *
 * macOS: `system_profiler SPAudioDataType -json` lists CoreAudio devices by name, with their input
 *   channel count and which is the default input. SoX's `rec` takes that name in AUDIODEV: its
 *   CoreAudio driver picks the first device whose name the AUDIODEV value starts with.
 * Windows: SoX itself, asked for a device no name starts with at debug verbosity (-V4), prints
 *   `Enumerating input device N: "name"` for every waveaudio input before it gives up; that is the
 *   list `sox -t waveaudio` matches names against (the first 31 characters, case-insensitively).
 *   Windows truncates those names to 31 characters and encodes them in the ANSI code page, which
 *   is not known here: a name that is not clean UTF-8 is offered by its number instead.
 * Either way, when nothing can be listed the only entry is "default", saying where to choose.
 */
import { execFile } from 'node:child_process';
import type { AudioDevice } from '../protocol/messages';
import { DEFAULT_DEVICE } from './recorder';

export const MAC_DEFAULT: AudioDevice = { name: DEFAULT_DEVICE, description: 'System default input (System Settings > Sound > Input)' };
export const WINDOWS_DEFAULT: AudioDevice = { name: DEFAULT_DEVICE, description: 'System default recording device (Settings > System > Sound > Input)' };

/** Inputs in `system_profiler SPAudioDataType -json` output; unreadable output gives none. */
export function parseSystemProfilerAudio(json: string): AudioDevice[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return [];
  }
  const groups = isRecord(data) && Array.isArray(data.SPAudioDataType) ? data.SPAudioDataType : [];
  const devices: AudioDevice[] = [];
  for (const item of leaves(groups)) {
    const name = item._name;
    // Only an item with input channels is a microphone (speakers and displays are listed too).
    const isInput = typeof item.coreaudio_device_input === 'number' ? item.coreaudio_device_input > 0 : item.coreaudio_device_input !== undefined;
    if (typeof name !== 'string' || !name.trim() || !isInput || name === DEFAULT_DEVICE) continue;
    if (devices.some((d) => d.name === name)) continue;
    const parts = [typeof item.coreaudio_device_manufacturer === 'string' ? item.coreaudio_device_manufacturer : '', transportText(item.coreaudio_device_transport)].filter(Boolean);
    if (item.coreaudio_default_audio_input_device === 'spaudio_yes') parts.push('the current default input');
    devices.push({ name, description: parts.join(' - ') || 'CoreAudio input' });
  }
  return devices;
}

/** Device items sit under `_items`, one level down today and deeper on older macOS: walk to the leaves. */
function leaves(items: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    if (Array.isArray(item._items)) out.push(...leaves(item._items));
    else out.push(item);
  }
  return out;
}

function transportText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const known: Record<string, string> = {
    coreaudio_device_type_builtin: 'built-in',
    coreaudio_device_type_usb: 'USB',
    coreaudio_device_type_bluetooth: 'Bluetooth',
    coreaudio_device_type_virtual: 'virtual',
    coreaudio_device_type_aggregate: 'aggregate',
    coreaudio_device_type_hdmi: 'HDMI',
    coreaudio_device_type_displayport: 'DisplayPort',
  };
  return known[value] ?? '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A waveaudio name no device's name starts with, so SoX enumerates every input and then fails. */
export const SOX_LIST_PROBE = 'murmur: list recording devices';

/** The arguments that make SoX print its waveaudio inputs (and then fail to open the probe name). */
export const SOX_LIST_ARGS: readonly string[] = ['-V4', '-t', 'waveaudio', SOX_LIST_PROBE, '-n'];

const ENUMERATED = /Enumerating input device\s+(-?\d+):\s*"(.*)"\s*$/;

/** The inputs in SoX's -V4 stderr; device -1 (the Windows "sound mapper") is "default", not listed. */
export function parseSoxWaveaudioList(stderr: string): AudioDevice[] {
  const devices: AudioDevice[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const m = ENUMERATED.exec(line);
    if (!m) continue;
    const index = Number(m[1]);
    const name = m[2].trim();
    if (index < 0 || devices.some((d) => d.name === String(index))) continue;
    const taken = devices.some((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!name || taken || name.includes('\uFFFD') || name.toLowerCase() === DEFAULT_DEVICE || /^\d+$/.test(name)) {
      // Not usable as a name: SoX picks the first device a name matches (so a second device of the
      // same name is reachable only by number), reads digits as a number, and a mis-decoded name matches nothing.
      devices.push({ name: String(index), description: `Windows recording device ${index}${name ? ` (${name.replace(/\uFFFD/g, '?')})` : ''}, by number: the number can change when devices are plugged in or out` });
    } else {
      devices.push({ name, description: `Windows recording device ${index}` });
    }
  }
  return devices;
}

/** Output of a listing command; `missing` when the program is not installed. */
export type ListOutput = { ok: true; stdout: string; stderr: string } | { ok: false; missing: boolean; why: string; stderr: string };

/**
 * Runs `command args` (no shell, hidden window, bounded). A non-zero exit still returns what it
 * printed as `ok: false`: SoX's listing ends in an error by design.
 */
export function runListing(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<ListOutput> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true, encoding: 'buffer' }, (error, stdout, stderr) => {
      // Decoded as UTF-8 on purpose: bytes in another code page become U+FFFD, which the parsers refuse.
      const out = stdout.toString('utf8');
      const err = stderr.toString('utf8');
      if (!error) return resolve({ ok: true, stdout: out, stderr: err });
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      resolve({ ok: false, missing, why: error.killed ? `it did not answer within ${timeoutMs / 1000} s` : err.trim().split(/\r?\n/).at(-1) || error.message, stderr: err });
    });
  });
}

/** macOS: the default, then the inputs system_profiler lists; just the default (saying why) if it cannot. */
export async function listMacDevices(env: NodeJS.ProcessEnv, run = runListing): Promise<AudioDevice[]> {
  const r = await run('system_profiler', ['SPAudioDataType', '-json'], env, 20_000);
  const devices = r.ok ? parseSystemProfilerAudio(r.stdout) : [];
  if (devices.length) return [MAC_DEFAULT, ...devices];
  const why = r.ok ? 'system_profiler listed no input device' : `system_profiler failed: ${r.why}`;
  return [{ name: DEFAULT_DEVICE, description: `${MAC_DEFAULT.description}. ${why}; to use another input, choose it in System Settings > Sound > Input, or set murmur.microphone.device to its name as System Settings shows it.` }];
}

/**
 * Windows: the default, then the inputs SoX enumerates. `missing` is returned to the caller, which
 * turns it into the "install SoX" error: without SoX nothing can record anyway.
 */
export async function listWindowsDevices(env: NodeJS.ProcessEnv, run = runListing): Promise<AudioDevice[] | 'missing'> {
  const r = await run('sox', SOX_LIST_ARGS, env, 10_000);
  if (!r.ok && r.missing) return 'missing';
  const devices = parseSoxWaveaudioList(r.stderr);
  if (devices.length) return [WINDOWS_DEFAULT, ...devices];
  const why = r.ok ? 'SoX listed no recording device' : `SoX listed no recording device (${r.why})`;
  return [{ name: DEFAULT_DEVICE, description: `${WINDOWS_DEFAULT.description}. ${why}; to use another one, make it the default there, or set murmur.microphone.device to its name as Windows shows it, or to its number (0 is the first).` }];
}
