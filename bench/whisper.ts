/**
 * `npm run bench -- whisper`: Murmur's Whisper against sherpa-onnx-node on a synthetic model with
 * Whisper tiny's real dimensions and int8 quantisation (bench/synthetic/whisper-real.ts), generated
 * once into ~/.cache/murmur-bench. Both decode each clip whole (Murmur's decodeWhole, sherpa's
 * OfflineRecognizer), interleaved clip by clip, taking turns at going first. Wall-clock and CPU
 * real-time factors (medians over the runs), their ratio, whether the texts are equal and how many
 * leading tokens agree, and the peak resident memory of a process that loads the model and decodes
 * every clip once, each side in its own child process (Murmur's from the ORT cache already
 * converted, as a user's second start).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import type { BenchClip } from './clips';
import { sherpaWhisperDecode, sherpaWhisperRecognizer } from './sherpa-whisper';
import { interleave } from './interleave';
import { fmt, table } from './stats';
import { writeRealWhisper } from './synthetic/whisper-real';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SEED = 1;


function modelFiles() {
  return writeRealWhisper(path.join(os.homedir(), '.cache', 'murmur-bench', `whisper-tiny-synthetic-${SEED}`), SEED);
}

/**
 * The child's side of the peak-RSS measurement (`node dist/bench.js whisper-rss ours|sherpa THREADS
 * CACHE`): loads, decodes every clip once, prints its peak resident set in MB.
 */
export async function whisperRssChild(side: string, threads: number, cacheDir: string, clips: BenchClip[]): Promise<void> {
  const files = modelFiles();
  if (side === 'ours') {
    const model = await loadModel({ dir: files.dir }, { threads, cacheDir });
    for (const c of clips) await model.decodeWhole(c.samples);
    await model.dispose();
  } else {
    const sherpa = sherpaWhisperRecognizer(files, { threads });
    for (const c of clips) sherpaWhisperDecode(sherpa, c.samples);
  }
  console.log(`peak-rss-mb ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
}

function peakRss(side: 'ours' | 'sherpa', threads: number, cacheDir: string): number {
  const r = spawnSync(process.execPath, [process.argv[1], 'whisper-rss', side, String(threads), cacheDir], { encoding: 'utf8', timeout: 600_000 });
  const m = /peak-rss-mb (\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : NaN;
}

/** Piece -> id of the model's tokens.txt (its pieces are distinct). */
function pieceIds(tokensFile: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of fs.readFileSync(tokensFile, 'utf8').split('\n')) {
    const [b64, id] = line.trim().split(/\s+/);
    if (id !== undefined) ids.set(Buffer.from(b64, 'base64').toString('utf8'), Number(id));
  }
  return ids;
}

function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export async function whisperBench(clips: BenchClip[]): Promise<Record<string, unknown>> {
  console.log('\n## Whisper (synthetic, tiny dimensions, int8): Murmur vs sherpa-onnx-node, whole-clip decode, language auto');
  const files = modelFiles();
  const ids = pieceIds(files.tokens);
  const seconds = clips.reduce((s, c) => s + c.seconds, 0);
  const rows: (string | number)[][] = [['threads', 'our RTF', 'sherpa RTF', 'ratio', 'our CPU/s', 'sherpa CPU/s', 'CPU ratio', 'same text', 'same tokens', 'our peak RSS MB', 'sherpa peak RSS MB']];
  const out: Record<string, unknown> = {};
  for (const threads of [1, 2]) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-whisper-'));
    const model = await loadModel({ dir: files.dir }, { threads, cacheDir: cache });
    await model.settled;
    await model.decodeWhole(clips[0].samples);
    const sherpa = sherpaWhisperRecognizer(files, { threads });
    sherpaWhisperDecode(sherpa, clips[0].samples);

    const r = await interleave(
      clips,
      RUNS,
      (c) => model.decodeWhole(c.samples),
      (c) => sherpaWhisperDecode(sherpa, c.samples),
    );
    let sameText = 0;
    let sameTokens = 0;
    let agreeing = 0;
    let total = 0;
    for (const { ours, theirs } of r.firstRun) {
      const theirIds = theirs.tokens.map((p) => ids.get(p) ?? -1);
      if (ours.text === theirs.text.trim()) sameText++;
      if (ours.tokens.join() === theirIds.join()) sameTokens++;
      agreeing += commonPrefix(ours.tokens, theirIds);
      total += Math.max(ours.tokens.length, theirIds.length);
    }
    const [o, t, oc, tc] = [r.ourRtf, r.theirRtf, r.ourCpuPerSec, r.theirCpuPerSec];
    rows.push([threads, fmt(o, 4), fmt(t, 4), fmt(o / t, 2), fmt(oc, 4), fmt(tc, 4), fmt(oc / tc, 2), `${sameText}/${clips.length}`, `${sameTokens}/${clips.length} (${fmt((100 * agreeing) / Math.max(total, 1), 0)}% leading)`]);
    out[`threads${threads}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText, sameTokens, leadingTokenAgreement: agreeing / Math.max(total, 1), clips: clips.length, runs: RUNS };
    await model.dispose();
    const [ourRss, theirRss] = [peakRss('ours', threads, cache), peakRss('sherpa', threads, cache)];
    rows.at(-1)?.push(fmt(ourRss, 0), fmt(theirRss, 0));
    Object.assign(out[`threads${threads}`] as object, { ourPeakRssMb: ourRss, sherpaPeakRssMb: theirRss });
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  console.log(`  (${clips.length} clips, ${fmt(seconds, 1)} s of audio; model in ${files.dir})`);
  return out;
}
