/**
 * Parakeet TDT 0.6B (v2: 1024 tokens, v3: 8192) at real dimensions and int8 (bench/synthetic/
 * parakeet-full.ts): Murmur's decodeWhole vs sherpa-onnx-node's OfflineRecognizer on the same model
 * and clips, greedy search, one thread each, interleaved clip by clip (bench/interleave.ts). Wall-clock and CPU real-time factors, their
 * ratio, and whether the texts agree. The models are generated once into ~/.cache (not committed).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { loadModel } from '../src/engine/models/load';
import { sherpaParakeet } from '../test/helpers/sherpa-offline';
import type { BenchClip } from './clips';
import { readTokens } from '../src/engine/models/zipformer/tokens';
import { interleave } from './interleave';
import { editDistance, fmt, table } from './stats';
import { writeFullParakeet } from './synthetic/parakeet-full';

const RUNS = 3;

export async function parakeetBench(clips: BenchClip[]): Promise<Record<string, unknown>> {
  console.log('\n## Parakeet TDT 0.6B (synthetic, real dimensions, int8): Murmur vs sherpa-onnx-node, greedy, 1 thread');
  const rows: (string | number)[][] = [['model', 'our RTF', 'sherpa RTF', 'ratio', 'our CPU/s', 'sherpa CPU/s', 'CPU ratio', 'same text', 'tokens differing']];
  const out: Record<string, unknown> = {};
  for (const [label, vocab] of [['v2 (1024 tokens)', 1024], ['v3 (8192 tokens)', 8192]] as const) {
    const dir = path.join(os.homedir(), '.cache', 'murmur-bench', `parakeet-tdt-0.6b-synthetic-${vocab}`);
    const t0 = performance.now();
    const files = writeFullParakeet(dir, { seed: 17, vocab });
    console.log(`  ${label}: model ready in ${fmt((performance.now() - t0) / 1000, 1)} s (${fmt(fs.statSync(files.encoder).size / 1e6, 0)} MB encoder)`);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-parakeet-bench-'));
    const model = await loadModel({ dir }, { threads: 1, cacheDir: cache });
    const sherpa = sherpaParakeet(files, 'greedy_search', { threads: 1 });
    await model.decodeWhole(clips[0].samples);
    sherpa.decode(clips[0].samples);
    const { pieces } = readTokens(files.tokens);
    const r = await interleave(
      clips,
      RUNS,
      (c) => model.decodeWhole(c.samples),
      (c) => sherpa.decode(c.samples),
    );
    const same = r.firstRun.every(({ ours, theirs }) => ours.text === theirs.text);
    const tokens = r.firstRun.reduce((n, { ours }) => n + ours.tokens.length, 0);
    // Token edit distance to sherpa's output: int8 activations are quantised at run time, so
    // last-bit feature differences can flip a near-tie (see test/unit/synthetic-parakeet).
    const differing = r.firstRun.reduce(
      (n, { ours, theirs }) =>
        n +
        editDistance(
          ours.tokens.map((id) => pieces[id].replace(/^\u2581/, ' ')),
          theirs.tokens,
        ),
      0,
    );
    const [o, t, oc, tc] = [r.ourRtf, r.theirRtf, r.ourCpuPerSec, r.theirCpuPerSec];
    rows.push([label, fmt(o, 3), fmt(t, 3), fmt(o / t, 2), fmt(oc, 3), fmt(tc, 3), fmt(oc / tc, 2), same ? 'yes' : 'NO', `${differing} of ${tokens}`]);
    out[`vocab${vocab}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText: same, tokens, tokensDiffering: differing, runs: RUNS };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  return out;
}
