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
import { writeWav } from '../test/helpers/samples';
import { loadClips } from './clips';
import { fmt, table } from './stats';

interface Mem {
  rss: number;
  pss: number;
  priv: number;
  shared: number;
  /** Anonymous memory (heaps, arenas, scratch): what is not a mapped file. */
  anon: number;
}

function smaps(pid: number): Mem {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('Rss'), pss: kb('Pss'), priv: kb('Private_Clean') + kb('Private_Dirty'), shared: kb('Shared_Clean') + kb('Shared_Dirty'), anon: kb('Anonymous') };
}

/** Dictates a file through the sidecar (as fast as it decodes), then waits for it to be idle. */
async function dictate(c: SidecarClient, file: string): Promise<void> {
  const from = c.messages.length;
  const { session } = await c.call('startDictation', { source: { kind: 'file', path: file, realtime: false } }, 300_000);
  await c.waitForEvent('dictationEnded', (e) => e.session === session, 300_000, from);
  // The sidecar releases memory when a dictation ends (collect, trim); let it finish.
  await new Promise((r) => setTimeout(r, 1500));
}

async function sidecar(cacheDir: string, load: boolean): Promise<SidecarClient> {
  const c = new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: cacheDir } });
  await c.call('hello', { version: '1.0' });
  if (load) await c.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1, cacheDir }, 300_000);
  // Let allocation settle (onnxruntime arenas, V8 after start-up).
  await new Promise((r) => setTimeout(r, 1500));
  return c;
}

/** The shared clips one after another with a second of silence between them: one file dictation. */
function speechFile(dir: string): string {
  const clips = loadClips();
  const gap = 16000;
  const all = new Float32Array(clips.reduce((n, c) => n + c.samples.length + gap, 0));
  let at = 0;
  for (const c of clips) {
    all.set(c.samples, at);
    at += c.samples.length + gap;
  }
  const file = path.join(dir, 'speech.wav');
  writeWav(file, all);
  return file;
}

export async function sidecarMemory(): Promise<Record<string, unknown>> {
  console.log('\n## Sidecar memory, embedded Moonshine model (MB; private = Private_Clean + Private_Dirty; anon = Anonymous)');
  const modelDir = defaultModelDir();
  const modelMb = fs.readdirSync(modelDir).filter((f) => f.endsWith('.onnx')).reduce((s, f) => s + fs.statSync(path.join(modelDir, f)).size, 0) / 1e6;
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-mem-'));
  const clients: SidecarClient[] = [];
  const mb = (kb: number) => kb / 1024;
  const pid = (c: SidecarClient) => c.child.pid as number;
  try {
    const baseline = await sidecar(cache, false);
    clients.push(baseline);
    const base = smaps(pid(baseline));
    const a = await sidecar(cache, true); // converts the model into the cache
    clients.push(a);
    const aAlone = smaps(pid(a));
    const b = await sidecar(cache, true); // maps the cached ORT files
    clients.push(b);
    const aWith = smaps(pid(a));
    const bWith = smaps(pid(b));
    // What N windows cost: N sidecars with the model loaded, right after the load (the empty
    // baseline is not counted). PSS splits each shared page between the processes that map it:
    // the sum over the N is what the machine pays for them.
    const c = await sidecar(cache, true);
    clients.push(c);
    const d = await sidecar(cache, true);
    clients.push(d);
    const four = [a, b, c, d].map((x) => smaps(pid(x)));
    const windows: Record<number, { anonEachMb: number; privateEachMb: number; sharedEachMb: number; totalPssMb: number }> = {};
    const wrows: (string | number)[][] = [['windows', 'anon each', 'private each', 'shared each', 'sum of PSS (what the machine pays)']];
    const groups: [number, Mem[]][] = [
      [1, [aAlone]],
      [2, [aWith, bWith]],
      [4, four],
    ];
    for (const [n, ms] of groups) {
      const each = (f: (m: Mem) => number) => mb(ms.reduce((t, m) => t + f(m), 0) / n);
      windows[n] = { anonEachMb: each((m) => m.anon), privateEachMb: each((m) => m.priv), sharedEachMb: each((m) => m.shared), totalPssMb: mb(ms.reduce((t, m) => t + m.pss, 0)) };
      wrows.push([n, fmt(windows[n].anonEachMb), fmt(windows[n].privateEachMb), fmt(windows[n].sharedEachMb), fmt(windows[n].totalPssMb)]);
    }
    for (const x of [c, d]) {
      await x.close();
      clients.splice(clients.indexOf(x), 1);
    }
    // A window that has dictated: the shared clips (51 s) as one file, then idle. B is the usual
    // window (it mapped a cache someone else wrote); A also converted the model, once per model
    // and onnxruntime version, and keeps what that left in its heap.
    const speech = speechFile(cache);
    await dictate(b, speech);
    const bIdle = smaps(pid(b));
    await dictate(a, speech);
    const aIdle = smaps(pid(a));
    const row = (name: string, m: Mem, baseline?: Mem) => [name, fmt(mb(m.rss)), fmt(mb(m.pss)), fmt(mb(m.priv)), fmt(mb(m.shared)), fmt(mb(m.anon)), baseline ? fmt(mb(m.priv - baseline.priv)) : ''];
    table([
      ['process', 'RSS', 'PSS', 'private', 'shared', 'anon', 'private - baseline'],
      row('baseline sidecar (no model)', base),
      row('sidecar A alone', aAlone, base),
      row('sidecar A with B', aWith, base),
      row('sidecar B (second)', bWith, base),
      row('sidecar B idle after dictating 51 s', bIdle, base),
      row('sidecar A (converted) idle after dictating', aIdle, base),
    ]);
    const added = mb(bWith.priv - base.priv);
    console.log(`  model files ${fmt(modelMb)} MB; the second sidecar adds ${fmt(added)} MB private = ${fmt((100 * added) / modelMb, 0)}% of the model size`);
    console.log(`  idle after dictating: ${fmt(mb(bIdle.anon))} MB anonymous, ${fmt(mb(bIdle.priv))} MB private (an empty sidecar: ${fmt(mb(base.anon))} MB anonymous; the sidecar that converted the model: ${fmt(mb(aIdle.anon))} MB anonymous)`);
    console.log('  N windows, each with its sidecar, right after the model loaded:');
    table(wrows);
    return { modelMb, baseline: base, aAlone, aWith, bWith, bIdleAfterDictating: bIdle, aIdleAfterDictating: aIdle, idleAnonMb: mb(bIdle.anon), convertedIdleAnonMb: mb(aIdle.anon), baselineAnonMb: mb(base.anon), secondAddsPrivateMb: added, ratioToModel: added / modelMb, windows };
  } finally {
    for (const c of clients) await c.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
