/**
 * What the sidecar's idle release (src/sidecar/release-memory.ts: a full collection and
 * malloc_trim once a dictation ends) costs the next dictation. The memory it gives back is memory
 * the next decode has to fault in again, so the price shows in the first final after it.
 *
 * Rounds alternate, in one process on one loaded model: dictate a clip (the dictation that ends),
 * then release or not, then dictate the 5.3 s clip and time end of audio -> its final, and the
 * whole decode of that clip. Alternating keeps drift on the machine out of the difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { defaultModelDir } from '../src/engine/paths';
import type { LoadedModel } from '../src/engine/recognizer';
import { releaseMemory } from '../src/sidecar/release-memory';
import { clip, CHUNK, sharedFile, type BenchClip } from './clips';
import { fmt, median, table } from './stats';

const ZIPFORMER = 'models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01';

interface Dictation {
  /** finish() -> final, ms. */
  endToFinalMs: number;
  /** First chunk -> final, ms: everything the dictation decoded. */
  wholeMs: number;
}

async function dictate(model: LoadedModel, c: BenchClip): Promise<Dictation> {
  const rec = model.createRecognizer({ partials: true });
  const t0 = performance.now();
  for (let i = 0; i < c.samples.length; i += CHUNK) await rec.accept(c.samples.subarray(i, i + CHUNK));
  const t1 = performance.now();
  const events = await rec.finish();
  const t2 = performance.now();
  if (!events.some((e) => e.type === 'final')) throw new Error(`no final for ${c.name}`);
  return { endToFinalMs: t2 - t1, wholeMs: t2 - t0 };
}

/** Anonymous resident memory of this process, MB (Linux; NaN elsewhere). */
function anonMb(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function idleReleaseBench(clips: BenchClip[], rounds: number): Promise<Record<string, unknown>> {
  console.log('\n## Idle release (1 thread): its price on the next dictation\'s first final');
  console.log(`  ${rounds} rounds per family, alternating: dictate a clip, release (GC + malloc_trim) or not, idle 200 ms, dictate the 5.3 s clip`);
  const rows: (string | number)[][] = [['family', 'release', 'end -> final ms', 'whole decode ms', 'anon MB before next', 'MB given back']];
  const out: Record<string, unknown> = {};
  const before = clip(clips, 'sense_and_sensibility_01_austen_64kb-0870.wav');
  const next = clip(clips, 'sense_and_sensibility_01_austen_64kb-0890.wav');
  for (const [family, location] of [
    ['moonshine', { dir: defaultModelDir() }],
    ['zipformer', { dir: sharedFile(ZIPFORMER) }],
  ] as const) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-'));
    const model = await loadModel(location, { threads: 1, cacheDir: cache });
    await dictate(model, next); // warm-up
    const runs = { with: [] as Dictation[], without: [] as Dictation[], anonWith: [] as number[], anonWithout: [] as number[], freed: [] as number[] };
    for (let round = 0; round < rounds * 2; round++) {
      const release = round % 2 === 0;
      await dictate(model, before);
      const held = anonMb();
      if (release) releaseMemory();
      await new Promise((r) => setTimeout(r, 200));
      const anon = anonMb();
      if (release) runs.freed.push(held - anon);
      (release ? runs.anonWith : runs.anonWithout).push(anon);
      (release ? runs.with : runs.without).push(await dictate(model, next));
    }
    const summary = (ds: Dictation[]) => ({ endToFinalMs: median(ds.map((d) => d.endToFinalMs)), wholeMs: median(ds.map((d) => d.wholeMs)) });
    const w = summary(runs.with);
    const wo = summary(runs.without);
    rows.push([family, 'yes', fmt(w.endToFinalMs, 1), fmt(w.wholeMs, 0), fmt(median(runs.anonWith), 1), fmt(median(runs.freed), 1)]);
    rows.push([family, 'no', fmt(wo.endToFinalMs, 1), fmt(wo.wholeMs, 0), fmt(median(runs.anonWithout), 1), '']);
    out[family] = {
      withRelease: w,
      withoutRelease: wo,
      priceEndToFinalMs: w.endToFinalMs - wo.endToFinalMs,
      priceWholeMs: w.wholeMs - wo.wholeMs,
      anonMbWithRelease: median(runs.anonWith),
      anonMbWithoutRelease: median(runs.anonWithout),
      releasedMb: median(runs.freed),
      every: runs,
      rounds,
    };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  for (const family of Object.keys(out)) {
    const r = out[family] as { priceEndToFinalMs: number; priceWholeMs: number };
    console.log(`  ${family}: the release costs the next first final ${fmt(r.priceEndToFinalMs, 1)} ms (end -> final), ${fmt(r.priceWholeMs, 0)} ms over the whole decode (medians)`);
  }
  return out;
}
