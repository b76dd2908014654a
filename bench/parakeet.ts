/**
 * Parakeet TDT 0.6B (v2: 1024 tokens, v3: 8192) at real dimensions and int8 (bench/synthetic/
 * parakeet-full.ts): Murmur's decodeWhole vs sherpa-onnx-node's OfflineRecognizer on the same model
 * and clips, greedy search, one thread each, interleaved clip by clip (taking turns at going first
 * so the shared machine's drift weighs on both alike). Wall-clock and CPU real-time factors, their
 * ratio, and whether the texts agree. The models are generated once into ~/.cache (not committed).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { loadModel } from '../src/engine/models/load';
import { sherpaParakeet } from '../test/helpers/sherpa-offline';
import type { BenchClip } from './clips';
import { readTokens } from '../src/engine/models/zipformer/tokens';
import { editDistance, fmt, median, table } from './stats';
import { writeFullParakeet } from './synthetic/parakeet-full';

const RUNS = 3;

export async function parakeetBench(clips: BenchClip[]): Promise<Record<string, unknown>> {
  console.log('\n## Parakeet TDT 0.6B (synthetic, real dimensions, int8): Murmur vs sherpa-onnx-node, greedy, 1 thread');
  const rows: (string | number)[][] = [['model', 'our RTF', 'sherpa RTF', 'ratio', 'our CPU/s', 'sherpa CPU/s', 'CPU ratio', 'same text', 'tokens differing']];
  const out: Record<string, unknown> = {};
  const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
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
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: number[] = [];
    const theirsCpu: number[] = [];
    let same = true;
    let tokens = 0;
    // Token edit distance to sherpa's output (first run): int8 activations are quantised at run
    // time, so last-bit feature differences can flip a near-tie (see test/unit/synthetic-parakeet).
    let differing = 0;
    const { pieces } = readTokens(files.tokens);
    for (let run = 0; run < RUNS; run++) {
      let oursMs = 0;
      let theirsMs = 0;
      let oursC = 0;
      let theirsC = 0;
      let seconds = 0;
      for (const [i, c] of clips.entries()) {
        let ourPieces: string[] = [];
        let theirPieces: string[] = [];
        const runOurs = async () => {
          const c0 = process.cpuUsage();
          const w0 = performance.now();
          const r = await model.decodeWhole(c.samples);
          oursMs += performance.now() - w0;
          oursC += cpuSeconds(process.cpuUsage(c0));
          tokens += run === 0 ? r.tokens.length : 0;
          ourPieces = r.tokens.map((id) => pieces[id].replace(/^\u2581/, ' '));
          return r.text;
        };
        const runTheirs = () => {
          const c0 = process.cpuUsage();
          const w0 = performance.now();
          const r = sherpa.decode(c.samples);
          theirsMs += performance.now() - w0;
          theirsC += cpuSeconds(process.cpuUsage(c0));
          theirPieces = r.tokens;
          return r.text;
        };
        let a: string;
        let b: string;
        if ((run + i) % 2 === 0) {
          a = await runOurs();
          b = runTheirs();
        } else {
          b = runTheirs();
          a = await runOurs();
        }
        if (a !== b) same = false;
        if (run === 0) differing += editDistance(ourPieces, theirPieces);
        seconds += c.seconds;
      }
      ours.push(oursMs / 1000 / seconds);
      theirs.push(theirsMs / 1000 / seconds);
      oursCpu.push(oursC / seconds);
      theirsCpu.push(theirsC / seconds);
    }
    const o = median(ours);
    const t = median(theirs);
    const oc = median(oursCpu);
    const tc = median(theirsCpu);
    rows.push([label, fmt(o, 3), fmt(t, 3), fmt(o / t, 2), fmt(oc, 3), fmt(tc, 3), fmt(oc / tc, 2), same ? 'yes' : 'NO', `${differing} of ${tokens}`]);
    out[`vocab${vocab}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText: same, tokens, tokensDiffering: differing, runs: RUNS };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  return out;
}
