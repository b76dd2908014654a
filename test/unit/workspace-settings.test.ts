/**
 * Security findings about what a repository's settings can do (issue 12):
 * 3. A mapping file typed commands into the terminal: a mapping value with a line break ran when
 *    it was dictated into a terminal. Text sent to a terminal now carries no control character,
 *    and the mapping file is the user's own (machine scope, absolute path).
 * 4. The mapping file could exhaust memory (/dev/zero was read whole) or block (a FIFO): it is
 *    opened without blocking, must be a regular file of bounded size, and is read once per change.
 * 10. Settings a workspace must not set (model paths, microphone, mapping file, export directory,
 *    engine start-up) are `machine` scoped and restricted in untrusted workspaces, and paths under
 *    /proc or /dev (/proc/self/cwd is the repository the user opened) are refused.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MappingFileReader, MAX_MAPPING_FILE_BYTES, type MappingFs } from '../../src/extension/mapping-file';
import { packageRoot } from '../../src/engine/paths';
import { absolutePath, Invalid, systemPathRoot } from '../../src/protocol/check';
import { validateRequest } from '../../src/protocol/validate';
import { interpretPhrase, defaultInterpretOptions } from '../../src/text/interpret';
import { terminalText } from '../../src/text/terminal-text';
import { tempCacheDir } from '../helpers/temp';

const work = tempCacheDir('murmur-workspace-settings-');
after(() => work.remove());
let counter = 0;
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(work.dir, `${counter++}-${name}`);
  fs.writeFileSync(p, content);
  return p;
};

/** Node's fs, with every open counted: a refused file must be refused before it is opened. */
function countingFs(): MappingFs & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    statSync: fs.statSync,
    fstatSync: fs.fstatSync,
    readSync: fs.readSync,
    closeSync: fs.closeSync,
    openSync: (p: fs.PathLike, flags: fs.OpenMode = 'r', mode?: fs.Mode | null) => {
      opened.push(String(p));
      return fs.openSync(p, flags, mode);
    },
  };
}

// Every control character class: C0 (with the ones a shell acts on), DEL, C1, and the Unicode
// line and paragraph separators.
const C0 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i));
const C1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
const CONTROLS = [...C0, '\u007f', ...C1, '\u2028', '\u2029'];
// eslint-disable-next-line no-control-regex -- what these tests look for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

describe('text sent to a terminal never submits or controls anything', () => {
  test('no control character of any class survives, wherever it is', () => {
    for (const c of CONTROLS) {
      const code = c.charCodeAt(0).toString(16).padStart(4, '0');
      for (const text of [`ls${c}-la`, `${c}ls`, `ls${c}`, c, `${c}${c}${c}`]) {
        const out = terminalText(text);
        assert.ok(!CONTROL.test(out), `U+${code} in ${JSON.stringify(text)} came out as ${JSON.stringify(out)}`);
      }
    }
  });

  test('line breaks and tabs separate words: they become one space, not nothing', () => {
    assert.equal(terminalText('git\nstatus'), 'git status');
    assert.equal(terminalText('git\r\nstatus'), 'git status');
    assert.equal(terminalText('git \n\n status'), 'git status');
    assert.equal(terminalText('git\tstatus'), 'git status');
    assert.equal(terminalText('a\u2028b\u2029c\u0085d'), 'a b c d');
    assert.equal(terminalText('plain words, kept as they are: $HOME "quoted" ~/x'), 'plain words, kept as they are: $HOME "quoted" ~/x');
    assert.equal(terminalText('café → naïve'), 'café → naïve');
  });

  test('a mapping value with line breaks is typed, never run', () => {
    // The finding: "the" -> "\ntouch /tmp/x\n", then "run the tests again" into a terminal.
    const extra = [{ say: 'the', text: '\ntouch /tmp/x\n' }];
    const r = interpretPhrase('run the tests again', { ...defaultInterpretOptions, extra });
    assert.equal(r.kind, 'text');
    const out = terminalText(r.kind === 'text' ? r.text : '');
    assert.ok(!/[\r\n]/.test(out), JSON.stringify(out));
    assert.equal(out.replace(/ +/g, ' ').trim(), 'run touch /tmp/x tests again');
  });

  test('ANSI escape sequences are removed whole (CSI, OSC, 8-bit CSI, lone ESC)', () => {
    assert.equal(terminalText('\u001b[31mred\u001b[0m'), 'red');
    assert.equal(terminalText('a\u001b[2J\u001b[Hb'), 'ab');
    // OSC 52 writes the clipboard; OSC 0 sets the title. Ended by BEL or by ST (ESC \).
    assert.equal(terminalText('x\u001b]52;c;ZWNobyBoaQ==\u0007y'), 'xy');
    assert.equal(terminalText('x\u001b]0;title\u001b\\y'), 'xy');
    assert.equal(terminalText('x\u009b1;2Hy'), 'xy');
    assert.ok(!CONTROL.test(terminalText('x\u001bcy\u001b')));
    // Bracketed paste end marker: would let the rest run as typed keys in a shell that uses it.
    assert.ok(!terminalText('\u001b[201~rm -rf ~\n').includes('\u001b'));
  });
});

describe('the mapping file is the user\'s own, bounded, and read once per change', () => {
  const home = path.join(work.dir, 'home');
  fs.mkdirSync(home, { recursive: true });

  test('a JSON object of strings is read', () => {
    const reader = new MappingFileReader({ home });
    const r = reader.read(file('m.json', JSON.stringify({ arrow: '=>', ' my email ': 'ada@example.org' })));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.extra, [{ say: 'arrow', text: '=>' }, { say: 'my email', text: 'ada@example.org' }]);
    assert.deepEqual(reader.read(''), { extra: [] });
  });

  test('a relative path is an error, not resolved against the working directory', () => {
    const fsx = countingFs();
    const reader = new MappingFileReader({ home, fs: fsx });
    for (const rel of ['mapping.json', './mapping.json', '../x.json', '.vscode/murmur.json', '~other/x.json', '~']) {
      const r = reader.read(rel);
      assert.deepEqual(r.extra, [], rel);
      assert.match(r.error ?? '', /absolute path/, rel);
      assert.ok(r.error?.includes(JSON.stringify(rel)), `the error names the setting's value: ${r.error}`);
    }
    assert.deepEqual(fsx.opened, []);
  });

  test('a leading ~/ is the home directory', () => {
    fs.writeFileSync(path.join(home, 'spoken.json'), '{"arrow": "=>"}');
    const r = new MappingFileReader({ home }).read('~/spoken.json');
    assert.equal(r.error, undefined);
    assert.deepEqual(r.extra, [{ say: 'arrow', text: '=>' }]);
  });

  test('/dev/zero is refused without being opened', () => {
    const fsx = countingFs();
    const before = process.memoryUsage().rss;
    const r = new MappingFileReader({ home, fs: fsx }).read('/dev/zero');
    assert.deepEqual(r.extra, []);
    assert.match(r.error ?? '', /\/dev\/zero/);
    assert.deepEqual(fsx.opened, []);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
  });

  test('a character device outside /dev (by symlink) is refused: it is not a regular file', () => {
    const link = path.join(work.dir, `${counter++}-zero-link.json`);
    fs.symlinkSync('/dev/zero', link);
    const fsx = countingFs();
    const r = new MappingFileReader({ home, fs: fsx }).read(link);
    assert.match(r.error ?? '', /not a regular file/);
    assert.match(r.error ?? '', /character device/);
    assert.deepEqual(fsx.opened, []);
  });

  test('a FIFO is refused without blocking', () => {
    const fifo = path.join(work.dir, `${counter++}-mapping.fifo`);
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, `mkfifo: ${made.stderr?.toString()}`);
    const started = Date.now();
    const r = new MappingFileReader({ home }).read(fifo);
    assert.match(r.error ?? '', /not a regular file/);
    assert.match(r.error ?? '', /FIFO/);
    assert.ok(Date.now() - started < 1000);
  });

  test('a file swapped for a FIFO between the check and the open is still refused, without blocking', () => {
    // The path is checked with stat, then opened: a FIFO put there in between must not hang the
    // extension host (open without O_NONBLOCK waits for a writer forever), and fstat of what was
    // opened has the last word.
    const fifo = path.join(work.dir, `${counter++}-race.fifo`);
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const regular = fs.statSync(file('regular.json', '{}'));
    const fsx = countingFs();
    const lying: MappingFs = { ...fsx, statSync: ((p: fs.PathLike) => (String(p) === fifo ? regular : fs.statSync(p))) as typeof fs.statSync };
    const started = Date.now();
    const r = new MappingFileReader({ home, fs: lying }).read(fifo);
    assert.deepEqual(fsx.opened, [fifo], 'opened: the stat said it was a regular file');
    assert.match(r.error ?? '', /not a regular file/);
    assert.ok(Date.now() - started < 1000);
  });

  test('a 10 MB file is refused without being opened; the limit is a size users will not reach', () => {
    const big = file('big.json', Buffer.alloc(10 * 1024 * 1024, 0x20));
    const fsx = countingFs();
    const r = new MappingFileReader({ home, fs: fsx }).read(big);
    assert.deepEqual(r.extra, []);
    assert.match(r.error ?? '', /256 KiB/);
    assert.deepEqual(fsx.opened, []);
    assert.equal(MAX_MAPPING_FILE_BYTES, 256 * 1024);
    // Just under the limit is fine.
    const entries = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`word ${i}`, `text ${i}`.padEnd(80, '.')]));
    const json = JSON.stringify(entries);
    assert.ok(json.length < MAX_MAPPING_FILE_BYTES && json.length > 100_000);
    assert.equal(new MappingFileReader({ home }).read(file('fine.json', json)).extra.length, 2000);
  });

  test('paths under /proc are refused (/proc/self/cwd is the folder VS Code was started in)', () => {
    const fsx = countingFs();
    const reader = new MappingFileReader({ home, fs: fsx });
    // /proc/self/root/<file> is <file> itself: it exists, and would be read without the check.
    const real = file('via-proc.json', '{"arrow": "=>"}');
    for (const p of [`/proc/self/root${real}`, '/proc/self/cwd/mapping.json', '/proc/self/environ', '//proc/self/cwd/x.json', '/tmp/../proc/self/cwd/x.json']) {
      const r = reader.read(p);
      assert.deepEqual(r.extra, [], p);
      assert.match(r.error ?? '', /under \/proc/, p);
    }
    assert.deepEqual(fsx.opened, []);
  });

  test('a symlink to a regular file is followed: dotfiles kept in a repository are common', () => {
    const target = file('target.json', '{"arrow": "=>"}');
    const link = path.join(home, `${counter++}-link.json`);
    fs.symlinkSync(target, link);
    const r = new MappingFileReader({ home }).read(link);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.extra, [{ say: 'arrow', text: '=>' }]);
  });

  test('errors say what is wrong and what to do', () => {
    const reader = new MappingFileReader({ home });
    const missing = path.join(work.dir, 'no-such.json');
    assert.match(reader.read(missing).error ?? '', /no-such\.json/);
    assert.match(reader.read(file('array.json', '[1]')).error ?? '', /JSON object/);
    assert.match(reader.read(file('number.json', '{"a": 1}')).error ?? '', /"a" must map to a string/);
    assert.match(reader.read(file('broken.json', '{"a": ')).error ?? '', /not valid JSON/);
    assert.match(reader.read(work.dir).error ?? '', /directory/);
  });

  test('an unchanged file is read once: the second read does not open it', () => {
    const p = file('cached.json', '{"arrow": "=>"}');
    const fsx = countingFs();
    const reader = new MappingFileReader({ home, fs: fsx });
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=>' }]);
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=>' }]);
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=>' }]);
    assert.equal(fsx.opened.length, 1);
  });

  test('the cache key is the file\'s identity, size and mtime: same size and mtime is not read again', () => {
    const p = file('same.json', '{"arrow": "=>"}');
    // Whole seconds: a time set back through utimes must be exactly the one stat reported.
    const atime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const mtime = atime;
    fs.utimesSync(p, atime, mtime);
    const reader = new MappingFileReader({ home });
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=>' }]);
    // Same inode, same size, mtime put back: the reader must not notice (it did not read it).
    fs.writeFileSync(p, '{"arrow": "<="}');
    fs.utimesSync(p, atime, mtime);
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=>' }]);
    // A new mtime is a change: read again.
    fs.utimesSync(p, atime, new Date(mtime.getTime() + 5000));
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '<=' }]);
    // A new size is a change.
    fs.writeFileSync(p, '{"arrow": "==>"}');
    fs.utimesSync(p, atime, new Date(mtime.getTime() + 5000));
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '==>' }]);
    // A new file at the path (new inode, e.g. an editor's atomic save) is a change.
    const tmp = `${p}.tmp`;
    fs.writeFileSync(tmp, '{"arrow": "=]"}');
    fs.renameSync(tmp, p);
    fs.utimesSync(p, atime, new Date(mtime.getTime() + 5000));
    assert.deepEqual(reader.read(p).extra, [{ say: 'arrow', text: '=]' }]);
  });

  test('a broken file is not re-read either until it changes', () => {
    const p = file('bad.json', '{"a": ');
    const fsx = countingFs();
    const reader = new MappingFileReader({ home, fs: fsx });
    const first = reader.read(p).error;
    assert.match(first ?? '', /not valid JSON/);
    assert.equal(reader.read(p).error, first);
    assert.equal(fsx.opened.length, 1);
  });
});

describe('paths under /proc and /dev are refused by the protocol', () => {
  test('systemPathRoot sees through //, . and ..', () => {
    for (const [p, root] of [
      ['/proc/self/cwd/models', '/proc'],
      ['/proc', '/proc'],
      ['//proc/self/cwd', '/proc'],
      ['/./proc/1/root', '/proc'],
      ['/tmp/../proc/self/cwd', '/proc'],
      ['/dev/zero', '/dev'],
      ['/dev/fd/0', '/dev'],
      ['/dev/stdin', '/dev'],
    ] as const) {
      assert.equal(systemPathRoot(p), root, p);
    }
    for (const p of ['/home/u/proc/x', '/procfs/x', '/devices/x', '/home/u/models', '/tmp/dev', 'proc/self/cwd']) assert.equal(systemPathRoot(p), undefined, p);
  });

  test('absolutePath refuses them with a message that says why', () => {
    assert.equal(absolutePath('/home/u/models', 'x'), '/home/u/models');
    assert.throws(() => absolutePath('/proc/self/cwd/models', 'loadModel.location.dir'), (e: unknown) => {
      assert.ok(e instanceof Invalid);
      assert.match(e.reason, /^loadModel\.location\.dir: /);
      assert.match(e.reason, /\/proc/);
      assert.match(e.reason, /\/proc\/self\/cwd\/models/);
      return true;
    });
    assert.throws(() => absolutePath('/dev/zero', 'x'), Invalid);
  });

  test('a model location under /proc/self/cwd never reaches the engine', () => {
    for (const location of [{ dir: '/proc/self/cwd/models' }, { encoder: '/proc/self/cwd/e.onnx' }, { tokens: '/dev/stdin' }, { dir: '/home/u/m', joiner: '/proc/1/root/j.onnx' }]) {
      const v = validateRequest({ type: 'loadModel', id: 1, location, threads: 1 });
      assert.equal(v.ok, false, JSON.stringify(location));
      assert.match(v.ok ? '' : v.reason, /\/proc|\/dev/);
    }
    assert.equal(validateRequest({ type: 'loadModel', id: 1, location: { dir: '/home/u/models' }, threads: 1 }).ok, true);
  });
});

describe('package.json: what a workspace may set', () => {
  interface Setting {
    scope?: string;
    description?: string;
    markdownDescription?: string;
  }
  interface Manifest {
    capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: unknown; description?: unknown } };
    contributes: { configuration: { properties: Record<string, Setting> } };
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as Manifest;
  const settings = manifest.contributes.configuration.properties;
  const RESTRICTED = [
    'murmur.model.path',
    'murmur.model.family',
    'murmur.model.encoder',
    'murmur.model.decoder',
    'murmur.model.joiner',
    'murmur.model.tokens',
    'murmur.language',
    'murmur.microphone.device',
    'murmur.voice.mappingFile',
    'murmur.export.outputDirectory',
    'murmur.startEngineOnStartup',
    'murmur.engine.stopWhenIdleMinutes',
    'murmur.voice.sendCommand',
  ];

  test('untrusted workspaces are supported in a limited way', () => {
    const u = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(u?.supported, 'limited');
    assert.equal(typeof u?.description, 'string');
  });

  // application, not machine: in a remote window VS Code reads machine settings from the remote's
  // settings and hides them from the User tab, but Murmur runs on the user's computer there
  // (extensionKind ui first) and needs that computer's paths and microphone.
  test('every restricted setting is application-scoped, restricted, and says where it can be set', () => {
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
    assert.ok(Array.isArray(restricted));
    for (const key of RESTRICTED) {
      assert.ok(settings[key], `${key} is contributed`);
      assert.equal(settings[key].scope, 'application', `${key}: scope`);
      assert.ok(restricted.includes(key), `${key} is in restrictedConfigurations`);
      const text = (settings[key].markdownDescription ?? settings[key].description ?? '').replace(/\*\*/g, '');
      assert.match(text, /User settings/, `${key}: the description says where it can be set`);
      assert.match(text, /workspace/i, `${key}: the description says a workspace cannot set it`);
    }
    // And nothing else: the list is exactly these (a typo would restrict nothing).
    assert.deepEqual([...restricted].sort(), [...RESTRICTED].sort());
  });

  test('no setting is machine-overridable (a workspace can set those)', () => {
    for (const [key, s] of Object.entries(settings)) assert.notEqual(s.scope, 'machine-overridable', key);
  });

  test('Murmur runs where the user sits: on the local side first, on the remote only when it must', () => {
    assert.deepEqual((manifest as { extensionKind?: unknown }).extensionKind, ['ui', 'workspace']);
  });
});
