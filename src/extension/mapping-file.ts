/**
 * murmur.voice.mappingFile: the user's own spoken forms, a JSON object of what is said -> what is
 * typed, e.g. {"arrow": "=>", "my email": "ada@example.org"}.
 *
 * The settings are read on every partial result, so this is on a hot path, and the path comes from
 * a setting, so it may name anything. Hence:
 * - an absolute path only (`~/` is the home directory): a relative one would be resolved against
 *   whatever folder VS Code was started in, which is often the repository being worked on;
 * - nothing under /proc or /dev (/proc/self/cwd is that repository too);
 * - a regular file of at most MAX_MAPPING_FILE_BYTES: /dev/zero would be read until memory ran out,
 *   and a FIFO would block the extension host. It is opened with O_NONBLOCK and checked again with
 *   fstat, so a file swapped for a FIFO or a device between the check and the open is refused too;
 * - read once: the result is kept with the file's identity (device, inode), size and mtime, and the
 *   file is read again only when one of them changes. Each call costs one stat.
 * A symlink is followed: dotfiles kept in a repository and linked into place are common, and every
 * check above applies to the file it points to.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemPathRoot } from '../protocol/check';

/** Far above any hand-written list of spoken forms (2000 entries are about 200 KB). */
export const MAX_MAPPING_FILE_BYTES = 256 * 1024;

export interface SpokenForm {
  say: string;
  text: string;
}

export interface MappingFile {
  extra: SpokenForm[];
  /** What is wrong with the setting or the file, to show the user. */
  error?: string;
}

/** The file system calls the reader makes: Node's, or a test's counting or lying stand-in. */
export type MappingFs = Pick<typeof fs, 'statSync' | 'openSync' | 'fstatSync' | 'readSync' | 'closeSync'>;

export interface MappingFileOptions {
  fs?: MappingFs;
  /** What `~/` stands for (os.homedir() by default). */
  home?: string;
  maxBytes?: number;
}

const SETTING = 'murmur.voice.mappingFile';
const EXAMPLE = '"~/.config/murmur/spoken-forms.json"';

/** O_NONBLOCK: a FIFO opens at once instead of waiting for a writer. Not defined on Windows. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

function kind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** The file a setting names, or why it names none. */
export function mappingFilePath(setting: string, home: string): { file: string } | { error: string } {
  const expanded = setting.startsWith('~/') ? path.join(home, setting.slice(2)) : setting;
  if (!path.isAbsolute(expanded)) {
    return {
      error: `${SETTING} must be an absolute path (or start with ~/ for your home directory), not ${JSON.stringify(setting)}: a relative path would depend on the folder VS Code was started in. Set it in your User settings, e.g. to ${EXAMPLE}.`,
    };
  }
  const root = systemPathRoot(expanded);
  if (root) return { error: `${SETTING} ${JSON.stringify(setting)} is under ${root}, which holds processes and devices, not files of yours. Point it at a JSON file, e.g. ${EXAMPLE}.` };
  return { file: path.normalize(expanded) };
}

/** The spoken forms in a mapping file's text. */
export function parseMapping(file: string, text: string): MappingFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { extra: [], error: `${SETTING} ${file} is not valid JSON (${(e as Error).message}). It must hold a JSON object, e.g. {"arrow": "=>"}.` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { extra: [], error: `${file} must hold a JSON object ("what you say": "what is typed").` };
  const extra: SpokenForm[] = [];
  for (const [say, text] of Object.entries(raw)) {
    if (typeof text !== 'string' || !say.trim()) return { extra: [], error: `${file}: "${say}" must map to a string.` };
    extra.push({ say: say.trim(), text });
  }
  return { extra };
}

/** Reads the mapping file a setting names; one instance per extension keeps the cache. */
export class MappingFileReader {
  private readonly fs: MappingFs;
  private readonly home: string;
  private readonly maxBytes: number;
  private cached: { key: string; result: MappingFile } | undefined;

  constructor(options: MappingFileOptions = {}) {
    this.fs = options.fs ?? fs;
    this.home = options.home ?? os.homedir();
    this.maxBytes = options.maxBytes ?? MAX_MAPPING_FILE_BYTES;
  }

  read(setting: string): MappingFile {
    const value = setting.trim();
    if (!value) return { extra: [] };
    const where = mappingFilePath(value, this.home);
    if ('error' in where) return { extra: [], error: where.error };
    const { file } = where;
    let st: fs.Stats;
    try {
      st = this.fs.statSync(file);
    } catch (e) {
      return { extra: [], error: `Cannot read ${SETTING} ${file}: ${(e as Error).message}. Check the path in your User settings.` };
    }
    const problem = this.problem(file, st);
    if (problem) return { extra: [], error: problem };
    if (this.cached?.key === this.key(file, st)) return this.cached.result;
    const read = this.readFile(file);
    if ('error' in read) return { extra: [], error: read.error };
    const result = parseMapping(file, read.text);
    this.cached = { key: this.key(file, read.stat), result };
    return result;
  }

  private key(file: string, st: fs.Stats): string {
    return [file, st.dev, st.ino, st.size, st.mtimeMs].join('\u0000');
  }

  private problem(file: string, st: fs.Stats): string | undefined {
    if (!st.isFile()) return `${SETTING} ${file} is not a regular file: it is ${kind(st)}. Point it at a JSON file, e.g. ${EXAMPLE}.`;
    if (st.size > this.maxBytes) return `${SETTING} ${file} is ${formatSize(st.size)}; a mapping file may be at most ${formatSize(this.maxBytes)}. Keep only your own spoken forms in it.`;
    return undefined;
  }

  /**
   * Opens without blocking and checks what was opened (the path may have changed since the stat),
   * then reads at most maxBytes + 1: a file that grew meanwhile is refused, not read whole.
   */
  private readFile(file: string): { text: string; stat: fs.Stats } | { error: string } {
    let fd: number;
    try {
      fd = this.fs.openSync(file, OPEN_FLAGS);
    } catch (e) {
      return { error: `Cannot read ${SETTING} ${file}: ${(e as Error).message}.` };
    }
    try {
      const stat = this.fs.fstatSync(fd);
      const problem = this.problem(file, stat);
      if (problem) return { error: problem };
      const buf = Buffer.alloc(this.maxBytes + 1);
      let length = 0;
      for (;;) {
        const n = this.fs.readSync(fd, buf, length, buf.length - length, null);
        if (n === 0) break;
        length += n;
        if (length > this.maxBytes) return { error: `${SETTING} ${file} grew past ${formatSize(this.maxBytes)} while it was read; a mapping file may be at most that.` };
      }
      return { text: buf.subarray(0, length).toString('utf8'), stat };
    } catch (e) {
      return { error: `Cannot read ${SETTING} ${file}: ${(e as Error).message}.` };
    } finally {
      this.fs.closeSync(fd);
    }
  }
}
