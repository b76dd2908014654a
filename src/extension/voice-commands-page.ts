/**
 * The top of "Murmur: Show Voice Commands": how to start and stop dictation. The keys are read from
 * the extension's own package.json (contributes.keybindings and .commands), never written here, so
 * the page cannot name a key the manifest no longer binds (test/unit/voice-commands-page.test.ts
 * compares the two). No `vscode` import: the view passes the manifest and the platform in, and the
 * unit test calls this directly.
 */

/** The parts of a keybinding in package.json that this page reads. */
export interface ManifestKeybinding {
  command: string;
  key?: string;
  mac?: string;
  linux?: string;
  win?: string;
  when?: string;
  args?: unknown;
}

export interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
}

export interface ExtensionManifest {
  contributes?: { commands?: readonly ManifestCommand[]; keybindings?: readonly ManifestKeybinding[] };
}

/** The commands that start or stop dictation, in the order the page lists their keys. */
export const START_STOP_COMMANDS = [
  'murmur.pushToTalk',
  'murmur.pushToTalkIntoChat',
  'murmur.toggleDictation',
  'murmur.dictateIntoChat',
  'murmur.startDictation',
  'murmur.stopDictation',
  'murmur.cancelDictation',
] as const;

/** What each command does, as the extension implements it (main.ts, murmur.ts, push-to-talk.ts). */
const DOES: Record<(typeof START_STOP_COMMANDS)[number], string> = {
  'murmur.pushToTalk':
    'hold it while you speak and let go to stop; a quick tap starts dictation and the next tap stops it. The text goes where you pressed it: an editor, the Chat input, the commit message, a notebook cell (in the Find widget, Quick Open or the Search box it goes to the clipboard)',
  'murmur.pushToTalkIntoChat': 'opens the Chat input and dictates into it while you hold it; nothing is sent until you say "send it" or press Enter',
  'murmur.toggleDictation': 'starts dictation, or stops it when it is on',
  'murmur.dictateIntoChat': 'opens the Chat input and starts dictating into it (again: stops)',
  'murmur.startDictation': 'starts dictation',
  'murmur.stopDictation': 'stops listening; the last phrase is typed first',
  'murmur.cancelDictation': 'stops listening and drops the phrase in progress; the text already typed stays',
};

/** Context keys of `when` clauses, as a user would name what is open. */
const WHEN_OPEN: Record<string, string> = {
  suggestWidgetVisible: 'a suggestion list',
  findWidgetVisible: 'the Find widget',
  inSnippetMode: 'a snippet',
  quickInputVisible: 'a quick pick',
  notificationCenterVisible: 'the notifications',
  notificationToastsVisible: 'a notification',
};

type KeyPlatform = 'mac' | 'win' | 'linux';

export function keyPlatform(platform: NodeJS.Platform): KeyPlatform {
  return platform === 'darwin' ? 'mac' : platform === 'win32' ? 'win' : 'linux';
}

const PLATFORM_NAMES: Record<KeyPlatform, string> = { mac: 'macOS', win: 'Windows', linux: 'Linux' };

/** The key VS Code binds on that platform: its own field, else `key` (VS Code's rule). */
export function bindingKey(b: ManifestKeybinding, on: KeyPlatform): string | undefined {
  return b[on] ?? b.key;
}

const MODIFIERS: Record<KeyPlatform, Record<string, string>> = {
  mac: { cmd: 'Cmd', ctrl: 'Ctrl', alt: 'Option', shift: 'Shift', meta: 'Cmd' },
  win: { cmd: 'Win', ctrl: 'Ctrl', alt: 'Alt', shift: 'Shift', meta: 'Win', win: 'Win' },
  linux: { cmd: 'Super', ctrl: 'Ctrl', alt: 'Alt', shift: 'Shift', meta: 'Super' },
};

/** "ctrl+alt+space" -> "Ctrl+Alt+Space"; on macOS "cmd+alt+/" -> "Cmd+Option+/". Chords stay space-separated. */
export function keyLabel(key: string, on: KeyPlatform): string {
  const part = (p: string) => MODIFIERS[on][p] ?? (p.length === 1 ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1));
  return key
    .trim()
    .split(/\s+/)
    .map((chord) => chord.split('+').map(part).join('+'))
    .join(' ');
}

/** `when` as words: "while dictating", and what must not be open. */
function describeWhen(when: string | undefined): { whileDictating: boolean; notOpen: string[]; other: string[] } {
  const out = { whileDictating: false, notOpen: [] as string[], other: [] as string[] };
  for (const clause of (when ?? '').split('&&').map((c) => c.trim()).filter(Boolean)) {
    if (clause === 'murmur.dictating') out.whileDictating = true;
    // Where the text goes, not whether the key works: said with the terminal binding.
    else if (clause === 'terminalFocus' || clause === '!terminalFocus') continue;
    else if (clause.startsWith('!') && WHEN_OPEN[clause.slice(1)]) out.notOpen.push(WHEN_OPEN[clause.slice(1)]);
    else out.other.push(clause);
  }
  return out;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

const isStartStop = (c: string): c is (typeof START_STOP_COMMANDS)[number] => (START_STOP_COMMANDS as readonly string[]).includes(c);

/** One row per command and key (a command bound twice to the same key, e.g. in and out of the terminal, is one row). */
export interface StartStopKey {
  command: (typeof START_STOP_COMMANDS)[number];
  /** The command's palette title, "Murmur: Push to Talk". */
  title: string;
  /** The key on this platform, as a label. */
  here: string;
  /** The key on the other platforms where it differs: "macOS" -> "Cmd+Option+/". */
  elsewhere: { platform: string; key: string }[];
  whileDictating: boolean;
  notOpen: string[];
  other: string[];
  /** One of its bindings sends the text to the focused terminal. */
  terminal: boolean;
}

function titleOf(manifest: ExtensionManifest, command: string): string {
  const c = manifest.contributes?.commands?.find((x) => x.command === command);
  if (!c) return command;
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

function targetsTerminal(args: unknown): boolean {
  return typeof args === 'object' && args !== null && (args as { target?: unknown }).target === 'terminal';
}

/** The manifest's keys for starting and stopping dictation, as they work on `platform`. */
export function startStopKeys(manifest: ExtensionManifest, platform: NodeJS.Platform): StartStopKey[] {
  const on = keyPlatform(platform);
  const rows: StartStopKey[] = [];
  const bindings = (manifest.contributes?.keybindings ?? []).filter((b) => isStartStop(b.command));
  for (const command of START_STOP_COMMANDS) {
    for (const b of bindings.filter((x) => x.command === command)) {
      const key = bindingKey(b, on);
      if (!key) continue;
      const here = keyLabel(key, on);
      const same = rows.find((r) => r.command === command && r.here === here);
      if (same) {
        same.terminal ||= targetsTerminal(b.args);
        continue;
      }
      const elsewhere: StartStopKey['elsewhere'] = [];
      for (const p of (['linux', 'win', 'mac'] as const).filter((p) => p !== on)) {
        const k = bindingKey(b, p);
        if (!k) continue;
        const label = keyLabel(k, p);
        if (label === here) continue;
        const already = elsewhere.find((e) => e.key === label);
        if (already) already.platform = `${already.platform} and ${PLATFORM_NAMES[p]}`;
        else elsewhere.push({ platform: PLATFORM_NAMES[p], key: label });
      }
      rows.push({ command, title: titleOf(manifest, command), here, elsewhere, ...describeWhen(b.when), terminal: targetsTerminal(b.args) });
    }
  }
  return rows;
}

export interface StartStopOptions {
  /** What can be said to stop (VOICE_COMMANDS' "stop" phrases); empty when murmur.voice.commands is off. */
  sayStop: readonly string[];
}

/**
 * The page's first section. Keys are `code` spans and nothing else is, so the test can read them
 * back and compare them with the manifest.
 */
export function startStopMarkdown(manifest: ExtensionManifest, platform: NodeJS.Platform, options: StartStopOptions): string {
  const rows = startStopKeys(manifest, platform);
  const lines = [
    '# Murmur: start and stop dictation',
    '',
    'Put the cursor where the text should go, start dictation and speak; each phrase is typed when you pause.',
    '',
    '| Do this | What happens |',
    '|---|---|',
    '| Click the **microphone** in the status bar (bottom right) | Starts dictation; click it again to stop. While it listens it is highlighted and shows the input level. |',
  ];
  for (const r of rows) {
    const elsewhere = r.elsewhere.length ? ` (${r.elsewhere.map((e) => `${e.platform}: \`${e.key}\``).join(', ')})` : '';
    const when = r.whileDictating ? ' while dictating' : '';
    let does = `**${r.title}**: ${DOES[r.command]}.`;
    if (r.terminal) does += ' In a focused terminal it dictates into the terminal.';
    if (r.notOpen.length) does += ` When ${list(r.notOpen)} is open, the key closes that instead.`;
    if (r.other.length) does += ` Only when ${r.other.join(' and ')}.`;
    lines.push(`| Press \`${r.here}\`${elsewhere}${when} | ${does} |`);
  }
  if (options.sayStop.length) lines.push(`| Say ${options.sayStop.map((s) => `"${s}"`).join(' or ')} as a phrase on its own | Stops listening, as Stop Dictation does. |`);
  const palette = (['murmur.startDictation', 'murmur.stopDictation', 'murmur.toggleDictation', 'murmur.cancelDictation'] as const).map((c) => `**${titleOf(manifest, c)}**`);
  lines.push(`| Run ${list(palette)} from the Command Palette (F1) | The same, without a key. |`);
  lines.push('', 'These are the default keys. To change them, open Keyboard Shortcuts and search for "murmur".', '');
  return lines.join('\n');
}
