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

/** Converted ORT-format models. Overridable for tests and for the extension's global storage. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MURMUR_CACHE_DIR) return env.MURMUR_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'murmur', 'ort');
}

/** ../shared next to the repository, where test models and audio live. */
export function sharedDir(): string {
  return process.env.MURMUR_SHARED_DIR ?? path.resolve(packageRoot(), '..', 'shared');
}
