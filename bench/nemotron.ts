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
import { fmt, median, table } from './stats';
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
  const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
  for (const threads of threadCounts) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-nemotron-'));
    const model = await loadModel({ dir }, { threads, cacheDir: cache });
    const sherpa = sherpaNemoRecognizer(files, threads);
    const options: Partial<RecognizerOptions> = { endpointing: false, normalizeGain: false, partials: true };
    await decodeAll(model, clips.slice(0, 1), options); // warm-up
    sherpaDecode(sherpa, clips[0].samples, CHUNK);
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: number[] = [];
    const theirsCpu: number[] = [];
    let same = 0;
    let compared = 0;
    let sample = '';
    for (let run = 0; run < runs; run++) {
      let oursMs = 0;
      let theirsMs = 0;
      let oursCpuS = 0;
      let theirsCpuS = 0;
      let seconds = 0;
      for (const [i, c] of clips.entries()) {
        // Interleaved clip by clip, taking turns at going first (the machine's speed drifts).
        const runOurs = async () => {
          const c0 = process.cpuUsage();
          const a = await decodeAll(model, [c], options);
          oursCpuS += cpuSeconds(process.cpuUsage(c0));
          oursMs += a.ms;
          return a.texts[0];
        };
        const runTheirs = () => {
          const c0 = process.cpuUsage();
          const r = sherpaDecode(sherpa, c.samples, CHUNK);
          theirsCpuS += cpuSeconds(process.cpuUsage(c0));
          theirsMs += r.ms;
          return r.text;
        };
        let ourText: string;
        let theirText: string;
        if ((run + i) % 2 === 0) {
          ourText = await runOurs();
          theirText = runTheirs();
        } else {
          theirText = runTheirs();
          ourText = await runOurs();
        }
        if (run === 0) {
          compared++;
          if (ourText === theirText) same++;
          if (i === 0) sample = theirText;
        }
        seconds += c.seconds;
      }
      ours.push(oursMs / 1000 / seconds);
      theirs.push(theirsMs / 1000 / seconds);
      oursCpu.push(oursCpuS / seconds);
      theirsCpu.push(theirsCpuS / seconds);
    }
    const o = median(ours);
    const t = median(theirs);
    const oc = median(oursCpu);
    const tc = median(theirsCpu);
    rows.push([threads, fmt(o, 4), fmt(t, 4), fmt(o / t, 2), fmt(oc, 4), fmt(tc, 4), fmt(oc / tc, 2), `${same}/${compared}`]);
    out[`threads${threads}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText: `${same}/${compared}`, runs };
    console.log(`threads ${threads}: first clip's text (sherpa-onnx): ${sample.slice(0, 80)}`);
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  return out;
}
