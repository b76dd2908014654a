/**
 * Where things live on disk, resolved from the installed package rather than the working directory,
 * so the bundles work from the repo, from dist/test, and from an installed VSIX alike.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let cachedRoot: string | undefined;

/** The directory holding Murmur's package.json. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'murmur') return (cachedRoot = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Murmur's package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Embedded models placed by `npm run models`. */
export function bundledModelsDir(): string {
  return path.join(packageRoot(), 'models');
}

export function defaultModelDir(): string {
  return path.join(bundledModelsDir(), 'moonshine-tiny-en-int8');
}

export function bundledVadPath(): string {
  return path.join(bundledModelsDir(), 'silero-vad', 'silero_vad.onnx');
}

/**
 * Converted ORT-format models: where each platform keeps a user's caches, under murmur/ort.
 * `MURMUR_CACHE_DIR` wins everywhere (tests, the extension's global storage, internal setups).
 * - macOS: ~/Library/Caches (Apple's place for data an app can re-create);
 * - Windows: %LOCALAPPDATA% (per-user, not roamed: converted models are large and machine-specific),
 *   or <home>\AppData\Local when the variable is missing, which is where Windows keeps it;
 * - Linux and other Unixes: $XDG_CACHE_HOME, else ~/.cache (XDG Base Directory specification).
 * A relative XDG_CACHE_HOME or LOCALAPPDATA is ignored, as the XDG specification says to: a cache
 * that moves with the working folder would be re-created (and trusted) wherever a process starts.
 * Pure: the platform's own path flavour is used, so every platform's answer can be tested anywhere.
 */
export function cacheDirFor(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homedir: string): string {
  if (env.MURMUR_CACHE_DIR) return env.MURMUR_CACHE_DIR;
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA && path.win32.isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : path.win32.join(homedir, 'AppData', 'Local');
    return path.win32.join(local, 'murmur', 'ort');
  }
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Caches', 'murmur', 'ort');
  const base = env.XDG_CACHE_HOME && path.posix.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.posix.join(homedir, '.cache');
  return path.posix.join(base, 'murmur', 'ort');
}

/** This machine's cache folder (see cacheDirFor). Overridable for tests and for the extension's global storage. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheDirFor(process.platform, env, os.homedir());
}

/** ../shared next to the repository, where test models and audio live. */
export function sharedDir(): string {
  return process.env.MURMUR_SHARED_DIR ?? path.resolve(packageRoot(), '..', 'shared');
}
