/**
 * Read-only shared memory maps of model files, through Murmur's N-API addon (native/mmap).
 *
 * Node has no mmap of its own. A shared mapping is backed by the page cache, so every process
 * that maps the same file shares its pages; with onnxruntime told to use the model bytes in place,
 * that is what lets a second sidecar load a model without a second copy of its weights.
 * The addon is prebuilt for every target Murmur ships (scripts/build-native.mjs); a development
 * checkout also has node-gyp's build of it. Without either (or in a runtime that refuses external
 * buffers) the file is read instead, and the log says so once.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Log } from '../log';
import { packageRoot } from '../paths';

interface MmapAddon {
  mapFile(path: string): ArrayBuffer;
  /** Older builds of the addon lack it. */
  trimHeap?(): boolean;
  /** Older builds lack it too; see ProjectInt8. */
  projectInt8?: ProjectInt8;
}

/**
 * The addon's 8-bit projection (native/mmap/project_int8.c): every row of `x` (kIn values) times
 * the weight `table` stored k-major (kIn rows of table.length / kIn), dequantised as
 * ((float)q - zeroPoint) * scale, into `out`; the same floats as onnxruntime's float MatMul of
 * the dequantised weight with pre-packing off.
 */
export type ProjectInt8 = (x: Float32Array, table: Uint8Array, out: Float32Array, kIn: number, zeroPoint: number, scale: number) => void;

export interface MappedFile {
  bytes: Uint8Array;
  via: 'mmap' | 'read';
}

let addon: MmapAddon | null | undefined;
let loadedFrom: string | null = null;
let unavailableReason = '';
let warned = false;

/**
 * Where the addon is looked for, in order: the prebuild for this platform and architecture (what a
 * VSIX ships: native/prebuilds/<platform>-<arch>), then node-gyp's build (a development checkout).
 */
export function addonCandidates(): string[] {
  const root = packageRoot();
  return [
    path.join(root, 'native', 'prebuilds', `${process.platform}-${process.arch}`, 'murmur_mmap.node'),
    path.join(root, 'native', 'mmap', 'build', 'Release', 'murmur_mmap.node'),
  ];
}

/** The file the addon was loaded from; null when none loaded (or none was tried yet). */
export function loadedAddonPath(): string | null {
  return loadedFrom;
}

function isAddon(value: unknown): value is MmapAddon {
  return typeof value === 'object' && value !== null && typeof (value as { mapFile?: unknown }).mapFile === 'function';
}

function loadAddon(): MmapAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const failures: string[] = [];
  // createRequire keeps the bundler from trying to inline a native binary.
  const load = createRequire(__filename);
  for (const candidate of addonCandidates()) {
    if (!fs.existsSync(candidate)) {
      failures.push(`${candidate} is missing`);
      continue;
    }
    try {
      const loaded: unknown = load(candidate);
      // Empty exports: the addon loaded but could not set itself up (on Windows: the host
      // executable lacks Node-API).
      if (!isAddon(loaded)) throw new Error('it exports no mapFile');
      addon = loaded;
      loadedFrom = candidate;
      break;
    } catch (e) {
      failures.push(`${candidate}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!addon) unavailableReason = failures.join('; ');
  return addon;
}

/** The addon's exports as loaded (direct-session.ts checks for what it needs), or null. */
export function loadedAddon(): object | null {
  return loadAddon();
}

/** True when files can be memory-mapped in this process. */
export function mmapAvailable(): boolean {
  return loadAddon() !== null;
}

export function mapFile(file: string, log?: Log): MappedFile {
  const a = loadAddon();
  if (a) {
    try {
      // Absolute, and on Windows \\?\-prefixed as Node's fs does, so MAX_PATH does not apply.
      return { bytes: new Uint8Array(a.mapFile(path.toNamespacedPath(path.resolve(file)))), via: 'mmap' };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') throw e;
      unavailableReason = err.message;
    }
  }
  if (!warned) {
    warned = true;
    log?.('warn', `memory mapping unavailable (${unavailableReason}); reading model files into memory instead, so each process keeps its own copy of the weights. Reinstall Murmur; in a development checkout, run "node scripts/build-native.mjs".`);
  }
  return { bytes: new Uint8Array(fs.readFileSync(file)), via: 'read' };
}

/**
 * Returns the C heap's free pages to the system, through the addon: glibc's malloc_trim on Linux,
 * malloc_zone_pressure_relief on macOS; Windows has no equivalent (its heap gives free ranges back
 * by itself) and says false. onnxruntime frees its scratch after loading a model or decoding a long
 * utterance, but glibc keeps those pages as private memory of the process; a sidecar calls this
 * when it goes idle. False when nothing was released or the addon or C library cannot do it.
 */
export function trimHeap(): boolean {
  const a = loadAddon();
  return a?.trimHeap ? a.trimHeap() : false;
}

/** The addon's 8-bit projection, or null when the addon (or this build of it) has none. */
export function projectInt8Kernel(): ProjectInt8 | null {
  const a = loadAddon();
  const fn = a?.projectInt8;
  return typeof fn === 'function' ? fn.bind(a) : null;
}
