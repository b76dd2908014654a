/**
 * The private working and temp folders of Murmur's processes (the sidecar, the measurement
 * probes, the command line), inside the private cache folder (private-dir.ts).
 *
 * Working folder: an empty folder of our own instead of wherever the process was started (the
 * extension host's is often $HOME or the repository), so nothing that resolves a relative path
 * against it - onnxruntime does for some external data of models loaded from bytes - can reach
 * the user's files.
 *
 * Temp folder: onnxruntime writes `mat-debug-<pid>.log` and `.ses` into TMPDIR at its first
 * session, following links; in a shared /tmp another user could plant a link there and have the
 * user's process overwrite a file of the user's. TMPDIR/TMP/TEMP point at our own folder instead.
 */
import * as path from 'node:path';
import { defaultCacheDir } from './paths';
import { ensurePrivateDir } from './private-dir';

export interface ProcessDirs {
  cwd: string;
  tmp: string;
}

/** The folders, created and checked (CACHE_UNSAFE if they belong to someone else). */
export function privateProcessDirs(cacheDir = defaultCacheDir()): ProcessDirs {
  ensurePrivateDir(cacheDir);
  const dirs = { cwd: path.join(cacheDir, '.run', 'cwd'), tmp: path.join(cacheDir, '.run', 'tmp') };
  ensurePrivateDir(dirs.cwd);
  ensurePrivateDir(dirs.tmp);
  return dirs;
}

/** `env` with every temp-folder variable pointing at `tmp`. */
export function withPrivateTemp(env: NodeJS.ProcessEnv, tmp: string): NodeJS.ProcessEnv {
  return { ...env, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
}

/**
 * Moves this process into its private folders: temp files from now on (onnxruntime reads TMPDIR
 * when it writes them) and, unless `keepCwd` (the command line, whose relative paths are the
 * user's), the working folder. Returns a problem to log instead of throwing: a process that cannot
 * have them still works, and the cache reports the same problem where it matters.
 */
export function enterPrivateDirs(options: { keepCwd?: boolean } = {}): string | undefined {
  try {
    const dirs = privateProcessDirs();
    Object.assign(process.env, withPrivateTemp({}, dirs.tmp));
    if (!options.keepCwd) process.chdir(dirs.cwd);
    return undefined;
  } catch (e) {
    return `private working folders unavailable: ${(e as Error).message}`;
  }
}

/**
 * Where a Murmur process (sidecar, probe) starts: its private working folder, with its private
 * temp folder in `env`. If they cannot be had, `env` as it is: the
 * process then reports why when it loads a model.
 */
export function privateSpawnOptions(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; cwd?: string } {
  try {
    const dirs = privateProcessDirs(defaultCacheDir(env));
    return { env: withPrivateTemp(env, dirs.tmp), cwd: dirs.cwd };
  } catch {
    return { env };
  }
}
