/**
 * `npm run bench -- nemotron`: Murmur vs sherpa-onnx-node on a cache-aware streaming NeMo transducer
 * of Nemotron speech streaming en 0.6B's real dimensions (bench/synthetic/nemotron-0.6b.ts: int8 as
 * sherpa-onnx's export, random weights, 1120 ms chunks), same files, audio, 100 ms chunks and thread
 * count. Wall-clock and CPU real-time factors, medians over interleaved runs, and whether both gave
 * the same text. The model (about 600 MB) is generated once into ~/.cache/murmur-bench.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import type { RecognizerOptions } from '../src/engine/recognizer';
import { CHUNK, decodeAll, type BenchClip } from './clips';
import { sherpaDecode, sherpaNemoRecognizer } from './sherpa';
import { interleave } from './interleave';
import { fmt, table } from './stats';
import { writeNemotron06b } from './synthetic/nemotron-0.6b';

const SEED = 1;
const CHUNK_MS = 1120;
/** Bump when the generator changes, so a stale cached model is not reused. */
const GENERATOR_VERSION = 1;

function modelDir(): string {
  const dir = path.join(os.homedir(), '.cache', 'murmur-bench', `nemotron-0.6b-synthetic-v${GENERATOR_VERSION}-seed${SEED}-${CHUNK_MS}ms`);
  if (!fs.existsSync(path.join(dir, 'tokens.txt'))) {
    console.log(`generating the synthetic Nemotron 0.6B into ${dir} ...`);
    fs.rmSync(dir, { recursive: true, force: true });
    writeNemotron06b(dir, { seed: SEED, chunkMs: CHUNK_MS });
  }
  return dir;
}

export async function nemotronBench(clips: BenchClip[]): Promise<Record<string, unknown>> {
  console.log(`\n## Nemotron 0.6B dimensions (synthetic int8, ${CHUNK_MS} ms chunks): our pipeline vs sherpa-onnx-node (same model, audio, 100 ms chunks, threads)`);
  const dir = modelDir();
  const runs = Math.max(1, Math.min(Number(process.env.BENCH_RUNS ?? 3), 5));
  const threadCounts = (process.env.BENCH_NEMOTRON_THREADS ?? '1,2').split(',').map(Number);
  const rows: (string | number)[][] = [['threads', 'our RTF', 'sherpa RTF', 'ratio ours/theirs', 'our CPU/s', 'sherpa CPU/s', 'CPU ratio', 'same text']];
  const out: Record<string, unknown> = {};
  const files = { encoder: path.join(dir, 'encoder.int8.onnx'), decoder: path.join(dir, 'decoder.int8.onnx'), joiner: path.join(dir, 'joiner.int8.onnx'), tokens: path.join(dir, 'tokens.txt') };
  for (const threads of threadCounts) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-nemotron-'));
    const model = await loadModel({ dir }, { threads, cacheDir: cache });
    const sherpa = sherpaNemoRecognizer(files, threads);
    const options: Partial<RecognizerOptions> = { endpointing: false, normalizeGain: false, partials: true };
    await decodeAll(model, clips.slice(0, 1), options); // warm-up
    sherpaDecode(sherpa, clips[0].samples, CHUNK);
    const r = await interleave(
      clips,
      runs,
      async (c) => (await decodeAll(model, [c], options)).texts[0],
      (c) => sherpaDecode(sherpa, c.samples, CHUNK).text,
    );
    const same = r.firstRun.filter(({ ours, theirs }) => ours === theirs).length;
    const compared = r.firstRun.length;
    const sample = r.firstRun[0]?.theirs ?? '';
    const [o, t, oc, tc] = [r.ourRtf, r.theirRtf, r.ourCpuPerSec, r.theirCpuPerSec];
    rows.push([threads, fmt(o, 4), fmt(t, 4), fmt(o / t, 2), fmt(oc, 4), fmt(tc, 4), fmt(oc / tc, 2), `${same}/${compared}`]);
    out[`threads${threads}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText: `${same}/${compared}`, runs };
    console.log(`threads ${threads}: first clip's text (sherpa-onnx): ${sample.slice(0, 80)}`);
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  return out;
}
