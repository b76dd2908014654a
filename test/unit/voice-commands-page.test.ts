/**
 * The top of "Murmur: Show Voice Commands" says how to start and stop dictation with the keys
 * package.json binds, on every platform: read back from the page, the keys must be exactly the
 * manifest's (a key changed in package.json, or one typed into the page by hand, fails here).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { keyLabel, START_STOP_COMMANDS, startStopMarkdown, type ExtensionManifest, type ManifestKeybinding } from '../../src/extension/voice-commands-page';

const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as Required<ExtensionManifest> & {
  contributes: { commands: { command: string; title: string; category?: string }[]; keybindings: ManifestKeybinding[] };
};
const PLATFORMS = ['linux', 'win32', 'darwin'] as const;
const say = { sayStop: ['stop dictation'] };

/** Every `code` span of the page: the page writes keys, and only keys, that way. */
const codeSpans = (md: string): string[] => [...md.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The label a user reads for a manifest key, written out independently of the page's code. */
function expectedLabel(key: string, mac: boolean): string {
  const names: Record<string, string> = { ctrl: 'Ctrl', alt: mac ? 'Option' : 'Alt', shift: 'Shift', cmd: 'Cmd', space: 'Space', escape: 'Escape', enter: 'Enter', tab: 'Tab' };
  return key
    .split(' ')
    .map((chord) => chord.split('+').map((p) => names[p] ?? (p.length === 1 ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1))).join('+'))
    .join(' ');
}

/** The start/stop keys package.json binds, as labels, for every platform. */
function manifestLabels(m: ExtensionManifest): Set<string> {
  const out = new Set<string>();
  for (const b of m.contributes?.keybindings ?? []) {
    if (!(START_STOP_COMMANDS as readonly string[]).includes(b.command)) continue;
    for (const [field, mac] of [['linux', false], ['win', false], ['mac', true]] as const) {
      const key = b[field] ?? b.key;
      if (key) out.add(expectedLabel(key, mac));
    }
  }
  return out;
}

const titleOf = (command: string): string => {
  const c = manifest.contributes.commands.find((x) => x.command === command);
  assert.ok(c, `package.json has no command ${command}`);
  return `${c.category}: ${c.title}`;
};

/** The table row of the page that names this key. */
const rowWith = (md: string, label: string): string => md.split('\n').find((l) => l.includes(`\`${label}\``)) ?? '';

describe('Voice Commands page: how to start and stop', () => {
  test('every command that starts or stops dictation is one the page knows', () => {
    const dictationCommands = manifest.contributes.commands.map((c) => c.command).filter((c) => /Dictation$|pushToTalk/.test(c));
    assert.ok(dictationCommands.length >= 5);
    for (const c of dictationCommands) assert.ok((START_STOP_COMMANDS as readonly string[]).includes(c), `${c} is not described on the page`);
  });

  for (const platform of PLATFORMS) {
    test(`${platform}: the keys on the page are exactly package.json's`, () => {
      const md = startStopMarkdown(manifest, platform, say);
      const expected = manifestLabels(manifest);
      assert.ok(expected.size >= 2, 'package.json binds no start/stop keys');
      assert.deepEqual(new Set(codeSpans(md)), expected);
    });

    test(`${platform}: this platform's key comes first in its row`, () => {
      const md = startStopMarkdown(manifest, platform, say);
      const field = platform === 'darwin' ? 'mac' : platform === 'win32' ? 'win' : 'linux';
      for (const b of manifest.contributes.keybindings.filter((x) => (START_STOP_COMMANDS as readonly string[]).includes(x.command))) {
        const here = expectedLabel(b[field] ?? b.key ?? '', platform === 'darwin');
        assert.match(rowWith(md, here), new RegExp(`^\\| Press \`${here.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\``), `row for ${b.command}`);
      }
    });
  }

  test('Escape: the page says what package.json binds it to, and when', () => {
    const escape = manifest.contributes.keybindings.find((b) => b.key === 'escape');
    assert.ok(escape, 'package.json binds no Escape key');
    const row = rowWith(startStopMarkdown(manifest, 'linux', say), 'Escape');
    assert.ok(row.includes(`**${titleOf(escape.command)}**`), row);
    assert.equal(row.includes('while dictating'), (escape.when ?? '').split('&&').map((c) => c.trim()).includes('murmur.dictating'), row);
    if (escape.command === 'murmur.cancelDictation') assert.match(row, /drops the phrase in progress; the text already typed stays/);
    // Each widget the `when` clause excludes is named, so a user knows why Escape closed it instead.
    for (const key of ['suggestWidgetVisible', 'findWidgetVisible', 'inSnippetMode', 'quickInputVisible']) {
      if (escape.when?.includes(`!${key}`)) assert.match(row, /is open, the key closes that instead/);
    }
  });

  test('push to talk: its key, and that it dictates into a focused terminal', () => {
    const ptt = manifest.contributes.keybindings.filter((b) => b.command === 'murmur.pushToTalk');
    assert.ok(ptt.length > 0, 'package.json binds no push-to-talk key');
    const md = startStopMarkdown(manifest, 'linux', say);
    const row = rowWith(md, expectedLabel(ptt[0].key ?? '', false));
    assert.ok(row.includes(`**${titleOf('murmur.pushToTalk')}**`), row);
    assert.match(row, /hold it while you speak/);
    assert.equal(/focused terminal/.test(row), ptt.some((b) => (b.args as { target?: string } | undefined)?.target === 'terminal'));
    // One row per key, not one per binding.
    assert.equal(md.split('\n').filter((l) => l.includes(`**${titleOf('murmur.pushToTalk')}**`)).length, 1);
  });

  test('the status bar microphone, the spoken "stop dictation" and the palette commands are all there', () => {
    const md = startStopMarkdown(manifest, 'linux', say);
    assert.match(md.split('\n')[0], /^# Murmur: start and stop dictation$/);
    assert.match(md, /Click the \*\*microphone\*\* in the status bar/);
    assert.match(md, /Say "stop dictation"/);
    for (const c of ['murmur.startDictation', 'murmur.stopDictation', 'murmur.toggleDictation']) assert.ok(md.includes(`**${titleOf(c)}**`), c);
    assert.doesNotMatch(startStopMarkdown(manifest, 'linux', { sayStop: [] }), /Say "/, 'voice commands off: nothing to say');
  });

  test('the page follows the manifest: a rebound key, a removed Escape, Escape bound to another command', () => {
    const edited = (change: (b: ManifestKeybinding[]) => ManifestKeybinding[]): ExtensionManifest => ({ contributes: { ...manifest.contributes, keybindings: change(structuredClone(manifest.contributes.keybindings)) } });
    const rebound = edited((bs) => bs.map((b) => (b.command === 'murmur.pushToTalk' ? { ...b, key: 'ctrl+shift+d', mac: 'cmd+shift+d' } : b)));
    assert.deepEqual(new Set(codeSpans(startStopMarkdown(rebound, 'linux', say))), manifestLabels(rebound));
    assert.ok(rowWith(startStopMarkdown(rebound, 'linux', say), 'Ctrl+Shift+D').includes('macOS: `Cmd+Shift+D`'));

    const noEscape = edited((bs) => bs.filter((b) => b.key !== 'escape'));
    assert.equal(rowWith(startStopMarkdown(noEscape, 'linux', say), 'Escape'), '');

    const escapeStops = edited((bs) => bs.map((b) => (b.key === 'escape' ? { ...b, command: 'murmur.stopDictation' } : b)));
    const row = rowWith(startStopMarkdown(escapeStops, 'linux', say), 'Escape');
    assert.ok(row.includes(`**${titleOf('murmur.stopDictation')}**`), row);
    assert.doesNotMatch(row, /drops the phrase/);
  });
});

describe('key labels', () => {
  test('modifiers by platform, chords kept apart', () => {
    assert.equal(keyLabel('ctrl+alt+space', 'linux'), 'Ctrl+Alt+Space');
    assert.equal(keyLabel('cmd+alt+/', 'mac'), 'Cmd+Option+/');
    assert.equal(keyLabel('ctrl+k ctrl+m', 'win'), 'Ctrl+K Ctrl+M');
    assert.equal(keyLabel('escape', 'mac'), 'Escape');
  });
});
