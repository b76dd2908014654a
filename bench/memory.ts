/**
 * Sidecar memory on the same model: one sidecar, then a second one beside it. Read from
 * /proc/<pid>/smaps_rollup. "Private" is Private_Clean + Private_Dirty; the model's cost in a
 * process is its private memory minus that of a sidecar with no model loaded (the baseline).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultModelDir } from '../src/engine/paths';
import { SidecarClient } from '../test/helpers/sidecar-client';
import { fmt, table } from './stats';

interface Mem {
  rss: number;
  pss: number;
  priv: number;
  shared: number;
}

function smaps(pid: number): Mem {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('Rss'), pss: kb('Pss'), priv: kb('Private_Clean') + kb('Private_Dirty'), shared: kb('Shared_Clean') + kb('Shared_Dirty') };
}

async function sidecar(cacheDir: string, load: boolean): Promise<SidecarClient> {
  const c = new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: cacheDir } });
  await c.call('hello', { version: '1.0' });
  if (load) await c.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir }, 300_000);
  // Let allocation settle (onnxruntime arenas, V8 after start-up).
  await new Promise((r) => setTimeout(r, 1500));
  return c;
}

export async function sidecarMemory(): Promise<Record<string, unknown>> {
  console.log('\n## Sidecar memory, embedded Moonshine model (MB; private = Private_Clean + Private_Dirty)');
  const modelDir = defaultModelDir();
  const modelMb = fs.readdirSync(modelDir).filter((f) => f.endsWith('.onnx')).reduce((s, f) => s + fs.statSync(path.join(modelDir, f)).size, 0) / 1e6;
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-mem-'));
  const clients: SidecarClient[] = [];
  try {
    const baseline = await sidecar(cache, false);
    clients.push(baseline);
    const base = smaps(baseline.child.pid as number);
    const a = await sidecar(cache, true); // converts the model into the cache
    clients.push(a);
    const aAlone = smaps(a.child.pid as number);
    const b = await sidecar(cache, true); // maps the cached ORT files
    clients.push(b);
    const aWith = smaps(a.child.pid as number);
    const bWith = smaps(b.child.pid as number);
    const mb = (kb: number) => kb / 1024;
    table([
      ['process', 'RSS', 'PSS', 'private', 'shared', 'private - baseline'],
      ['baseline sidecar (no model)', fmt(mb(base.rss)), fmt(mb(base.pss)), fmt(mb(base.priv)), fmt(mb(base.shared)), ''],
      ['sidecar A alone', fmt(mb(aAlone.rss)), fmt(mb(aAlone.pss)), fmt(mb(aAlone.priv)), fmt(mb(aAlone.shared)), fmt(mb(aAlone.priv - base.priv))],
      ['sidecar A with B', fmt(mb(aWith.rss)), fmt(mb(aWith.pss)), fmt(mb(aWith.priv)), fmt(mb(aWith.shared)), fmt(mb(aWith.priv - base.priv))],
      ['sidecar B (second)', fmt(mb(bWith.rss)), fmt(mb(bWith.pss)), fmt(mb(bWith.priv)), fmt(mb(bWith.shared)), fmt(mb(bWith.priv - base.priv))],
    ]);
    const added = mb(bWith.priv - base.priv);
    console.log(`  model files ${fmt(modelMb)} MB; the second sidecar adds ${fmt(added)} MB private = ${fmt((100 * added) / modelMb, 0)}% of the model size`);
    return { modelMb, baseline: base, aAlone, aWith, bWith, secondAddsPrivateMb: added, ratioToModel: added / modelMb };
  } finally {
    for (const c of clients) await c.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
