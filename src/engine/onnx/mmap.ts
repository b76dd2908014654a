/**
 * Read-only shared memory maps of model files, through Murmur's N-API addon (native/mmap).
 *
 * Node has no mmap of its own. A MAP_SHARED mapping is backed by the page cache, so every process
 * that maps the same file shares its pages; with onnxruntime told to use the model bytes in place,
 * that is what lets a second sidecar load a model without a second copy of its weights.
 * Without the addon (not built, or a runtime that refuses external buffers) the file is read
 * instead, and the log says so once.
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
}

export interface MappedFile {
  bytes: Uint8Array;
  via: 'mmap' | 'read';
}

let addon: MmapAddon | null | undefined;
let unavailableReason = '';
let warned = false;

export function addonPath(): string {
  return path.join(packageRoot(), 'native', 'mmap', 'build', 'Release', 'murmur_mmap.node');
}

function loadAddon(): MmapAddon | null {
  if (addon !== undefined) return addon;
  try {
    // createRequire keeps the bundler from trying to inline a native binary.
    addon = createRequire(__filename)(addonPath()) as MmapAddon;
  } catch (e) {
    addon = null;
    unavailableReason = (e as Error).message.split('\n')[0];
  }
  return addon;
}

/** True when files can be memory-mapped in this process. */
export function mmapAvailable(): boolean {
  return loadAddon() !== null;
}

export function mapFile(file: string, log?: Log): MappedFile {
  const a = loadAddon();
  if (a) {
    try {
      return { bytes: new Uint8Array(a.mapFile(file)), via: 'mmap' };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') throw e;
      unavailableReason = err.message;
    }
  }
  if (!warned) {
    warned = true;
    log?.('warn', `memory mapping unavailable (${unavailableReason}); reading model files into memory instead, so each process keeps its own copy of the weights. Rebuild the addon with "npm run postinstall".`);
  }
  return { bytes: new Uint8Array(fs.readFileSync(file)), via: 'read' };
}

/**
 * Returns the C heap's free pages to the system (glibc malloc_trim, through the addon). onnxruntime
 * frees its scratch after loading a model or decoding a long utterance, but glibc keeps those pages
 * as private memory of the process; a sidecar calls this when it goes idle. False when nothing was
 * released or the addon or C library cannot do it.
 */
export function trimHeap(): boolean {
  const a = loadAddon();
  return a?.trimHeap ? a.trimHeap() : false;
}
