/**
 * Which microphone device names may be handed to the platform's recorder.
 *
 * The name comes from the setting murmur.microphone.device, which a repository's
 * .vscode/settings.json can set, so it is untrusted input, and both recorders can be made to run a
 * command by a device name:
 * - ALSA (arecord -D) accepts PCM names that define a plugin inline: `file:FILE=|cmd`,
 *   `file:'|cmd'`, `{type file file "|cmd" ...}`; the file plugin runs a name starting with `|`
 *   through the shell. So arecord gets only `default`, plain hw/plughw-style card names, or a name
 *   `arecord -L` lists (the user's own ALSA configuration), and even those must pass a strict
 *   character grammar.
 * - SoX (rec with AUDIODEV on macOS, sox -t waveaudio on Windows) takes free-text device names
 *   ("Microphone (Realtek(R) Audio)"), so only a grammar applies: SoX opens a "file" starting with
 *   `|` by running it as a command, fetches http:/https:/ftp: names with wget through a shell, and
 *   a leading `-` would be read as an option.
 * Checked in MicrophoneSource.start before anything is spawned, so every path (sidecar, CLI) is covered.
 */
import { MurmurError } from '../engine/errors';
import { DEFAULT_DEVICE, parseArecordEntries, runArecordList, type Recorder } from './devices';

/** Longer than any real device name; a longer one is not a device. */
export const MAX_DEVICE_NAME = 256;

/** The check runs on the start path: a hung `arecord -L` must not hold the start for long. */
const LIST_TIMEOUT_MS = 5000;

export type DeviceVerdict =
  /** `how`: why it is allowed (tests and logs say which rule let it through). */
  | { ok: true; how: 'default' | 'hardware' | 'listed' | 'free-text' }
  /** `problem`: what is wrong with the name, as the middle of a sentence for the user. */
  | { ok: false; problem: string };

/**
 * Every character an ALSA name may use: card and device names and their KEY=VALUE arguments
 * (`sysdefault:CARD=PCH`, `bluealsa:DEV=00:11:22:33:44:55,PROFILE=sco`) need no others, while quotes,
 * braces, `|`, `$`, `/` and whitespace are what inline plugin definitions and commands are made of.
 */
const ALSA_CHARS = /^[A-Za-z0-9_.,:=-]+$/;
const ALSA_ALLOWED_TEXT = 'ALSA device names may contain only letters, digits and _ . , : = - (no quotes, pipes, braces, $, /, spaces, control characters or inline plugin definitions)';

/** Card names by number or by id (`hw:0`, `plughw:1,0`, `hw:CARD=PCH,DEV=0`, `sysdefault:CARD=PCH`): these name hardware, never a plugin. */
const HARDWARE_FORMS = [/^(?:hw|plughw):\d{1,2}(?:,\d{1,2})?$/, /^(?:hw|plughw|sysdefault|dsnoop|front):CARD=[A-Za-z0-9_-]{1,32}(?:,DEV=\d{1,2})?$/];

export function isPlainHardwareName(name: string): boolean {
  return HARDWARE_FORMS.some((form) => form.test(name));
}

/**
 * The verdict on `name` for `recorder`. `listNames` gives the names `arecord -L` lists; it is called
 * only for an ALSA name that is neither `default` nor a plain hardware name, so the common case
 * spawns nothing.
 */
export async function decideDevice(recorder: Recorder, name: string, listNames: () => Promise<readonly string[]>): Promise<DeviceVerdict> {
  if (recorder !== 'arecord') {
    const problem = soxNameProblem(name);
    return problem ? { ok: false, problem } : { ok: true, how: name === DEFAULT_DEVICE ? 'default' : 'free-text' };
  }
  const problem = alsaNameProblem(name);
  if (problem) return { ok: false, problem };
  if (name === DEFAULT_DEVICE) return { ok: true, how: 'default' };
  if (isPlainHardwareName(name)) return { ok: true, how: 'hardware' };
  if ((await listNames()).includes(name)) return { ok: true, how: 'listed' };
  return {
    ok: false,
    problem:
      'it is not a device `arecord -L` lists, nor "default" or a plain hw:/plughw: card name, and Murmur records from no other ALSA name because such a name can define a plugin inline (one that runs a command, for instance).',
  };
}

/** The names `arecord -L` lists in `env` (the recorder's environment), `null` included. */
export async function arecordListedNames(env: NodeJS.ProcessEnv): Promise<string[]> {
  return parseArecordEntries(await runArecordList(env, LIST_TIMEOUT_MS)).map((e) => e.name);
}

/** Resolves when `name` may be handed to `recorder`; otherwise rejects with MIC_DEVICE_REFUSED saying what to do. */
export async function checkDeviceName(recorder: Recorder, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const verdict = await decideDevice(recorder, name, () => arecordListedNames(env));
  if (!verdict.ok) throw deviceRefusedError(recorder, name, verdict.problem);
}

export function deviceRefusedError(recorder: Recorder, name: string, problem: string): MurmurError {
  const fix =
    recorder === 'arecord'
      ? `Pick a device with "Murmur: Select Microphone..." (or one that \`arecord -L\` lists) and set murmur.microphone.device to it. ${ALSA_ALLOWED_TEXT}.`
      : 'Pick a device with "Murmur: Select Microphone..." or set murmur.microphone.device to "default" or to the device name your system shows. Not allowed: a leading | or -, control characters, an http:, https: or ftp: prefix, more than 256 characters.';
  return new MurmurError('MIC_DEVICE_REFUSED', `Murmur will not record from the microphone device ${shown(name)}: ${problem} ${fix}`);
}

function alsaNameProblem(name: string): string | undefined {
  const common = commonProblem(name);
  if (common) return common;
  if (ALSA_CHARS.test(name)) return undefined;
  const bad = [...name].find((c) => !ALSA_CHARS.test(c)) ?? '';
  return `it contains ${describeChar(bad)}, and ALSA reads names with such characters as inline plugin definitions, which can run commands.`;
}

function soxNameProblem(name: string): string | undefined {
  const common = commonProblem(name);
  if (common) return common;
  // SoX checks the first character only; leading spaces are refused too rather than trusting that.
  const first = name.trimStart()[0];
  if (first === '|') return 'it starts with "|", and SoX runs such a name as a command.';
  if (first === '-') return 'it starts with "-", and SoX would read it as an option.';
  if (/^\s*(?:https?|ftp):/i.test(name)) return 'it is a URL, and SoX fetches URLs by running wget through a shell.';
  return undefined;
}

/** Problems with any name for any recorder. */
function commonProblem(name: string): string | undefined {
  if (!name.trim()) return 'it is empty.';
  if (name.length > MAX_DEVICE_NAME) return `it is ${name.length} characters long (at most ${MAX_DEVICE_NAME}).`;
  const control = [...name].find(isControl);
  if (control !== undefined) return `it contains ${describeChar(control)}.`;
  return undefined;
}

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
function isControl(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function describeChar(c: string): string {
  if (isControl(c)) return `a control character (U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')})`;
  const names: Record<string, string> = { '|': 'a pipe', "'": 'a quote', '"': 'a quote', '`': 'a backquote', '{': 'a brace', '}': 'a brace', $: 'a dollar sign', '/': 'a slash', '\\': 'a backslash' };
  if (/\s/.test(c)) return 'whitespace';
  return names[c] ? `${names[c]} (${c})` : `"${c}"`;
}

/** The name quoted for a message: escaped (no control characters reach a log or a notification) and cut short. */
function shown(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}
