/**
 * `npm run bench`: performance figures of the engine on this machine, printed as tables and saved
 * to bench-results/latest.json. Not a test: nothing here passes or fails, it measures.
 *
 * 1. Real-time factor per family at 1 and 2 threads; the Zipformer side by side with
 *    sherpa-onnx-node on the same model, audio, chunking and thread count (our/their ratio).
 * 2. Latency: end of audio -> final text; Moonshine partial cadence while speaking (real time).
 *    Also the price of the sidecar's idle release on the next dictation's first final
 *    (bench/idle-release.ts, section "idle").
 * 3. Model load: first load (ONNX -> ORT conversion) and later loads (mmap of the cached ORT file).
 * 4. Sidecar memory: RSS, PSS and anonymous memory of one and of two sidecars on the same model,
 *    of one idle after dictating, and what 1, 2 and 4 windows cost (bench/memory.ts); the ORT
 *    cache's size against the ONNX files (bench/cache-size.ts, section "cache").
 * 5. Vocabulary biasing: identifier hit rate with and without, WER unchanged (bench/vocabulary.ts).
 * 6. Partial flicker: shown words changed per second, raw and stabilised, and the delay the
 *    stabiliser costs (bench/flicker.ts).
 * 7. Accuracy: word error rate per family on the shared clips, reference mode and as dictated
 *    (bench/accuracy.ts).
 * 8. Whisper: Murmur vs sherpa-onnx-node on a synthetic model with Whisper tiny's dimensions
 *    (bench/whisper.ts).
 * 9. Nemotron: a synthetic model of Nemotron speech streaming 0.6B's dimensions, our pipeline vs
 *    sherpa-onnx-node (bench/nemotron.ts); Parakeet likewise (bench/parakeet.ts).
 * 10. Goals: every figure of issue 18 from the sections above next to its goal (bench/goals.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { defaultModelDir, packageRoot } from '../src/engine/paths';
import type { LoadedModel, RecognizerOptions } from '../src/engine/recognizer';
import { clip, CHUNK, decodeAll, loadClips, sharedFile, type BenchClip } from './clips';
import { sherpaDecode, sherpaRecognizer } from './sherpa';
import { interleave } from './interleave';
import { fmt, median, table } from './stats';
import { sidecarMemory } from './memory';
import { cacheSizeBench } from './cache-size';
import { printGoals } from './goals';
import { vocabularyBench } from './vocabulary';
import { flickerBench } from './flicker';
import { accuracyBench } from './accuracy';
import { whisperBench, whisperRssChild } from './whisper';
import { parakeetBench } from './parakeet';
import { nemotronBench } from './nemotron';
import { idleReleaseBench } from './idle-release';

const ZIPFORMER = 'models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const results: Record<string, unknown> = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-'));
}

async function zipformerVsSherpa(clips: BenchClip[]): Promise<void> {
  console.log('\n## Zipformer: our pipeline vs sherpa-onnx-node (same model, audio, 100 ms chunks, threads)');
  const dir = sharedFile(ZIPFORMER);
  // Wall-clock RTF is what a user feels; CPU seconds per audio second are what the work costs and
  // are far less disturbed by other load on the machine. Both are medians over the runs.
  const rows: (string | number)[][] = [['threads', 'our RTF', 'sherpa RTF', 'ratio ours/theirs', 'our CPU/s', 'sherpa CPU/s', 'CPU ratio', 'same text']];
  const out: Record<string, unknown> = {};
  for (const threads of [1, 2]) {
    const cache = tempDir();
    const model = await loadModel({ dir }, { threads, cacheDir: cache });
    const sherpa = sherpaRecognizer(dir, threads);
    // Exact decoding, as sherpa does it (no endpointing, no gain change).
    const options: Partial<RecognizerOptions> = { endpointing: false, normalizeGain: false, partials: true };
    await decodeAll(model, clips.slice(0, 1), options); // warm-up
    const r = await interleave(
      clips,
      RUNS,
      async (c) => (await decodeAll(model, [c], options)).texts[0],
      (c) => sherpaDecode(sherpa, c.samples, CHUNK).text,
    );
    const same = r.firstRun.every(({ ours, theirs }) => ours === theirs);
    const [o, t, oc, tc] = [r.ourRtf, r.theirRtf, r.ourCpuPerSec, r.theirCpuPerSec];
    rows.push([threads, fmt(o, 4), fmt(t, 4), fmt(o / t, 2), fmt(oc, 4), fmt(tc, 4), fmt(oc / tc, 2), same ? 'yes' : 'NO']);
    out[`threads${threads}`] = { ourRtf: o, sherpaRtf: t, ratio: o / t, ourCpuPerSec: oc, sherpaCpuPerSec: tc, cpuRatio: oc / tc, sameText: same, runs: RUNS };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  results.zipformerVsSherpa = out;
}

async function moonshineRtf(clips: BenchClip[]): Promise<void> {
  console.log('\n## Moonshine (embedded default): real-time factor with VAD segmentation, 100 ms chunks');
  const rows: (string | number)[][] = [['threads', 'RTF (partials on)', 'RTF (partials off)']];
  const out: Record<string, unknown> = {};
  for (const threads of [1, 2]) {
    const cache = tempDir();
    const model = await loadModel({ dir: defaultModelDir() }, { threads, cacheDir: cache });
    await decodeAll(model, clips.slice(0, 1), {});
    const on: number[] = [];
    const off: number[] = [];
    for (let run = 0; run < Math.max(2, Math.ceil(RUNS / 2)); run++) {
      const a = await decodeAll(model, clips, { partials: true });
      on.push(a.ms / 1000 / a.seconds);
      const b = await decodeAll(model, clips, { partials: false });
      off.push(b.ms / 1000 / b.seconds);
    }
    rows.push([threads, fmt(median(on), 4), fmt(median(off), 4)]);
    out[`threads${threads}`] = { rtfPartials: median(on), rtfNoPartials: median(off) };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  results.moonshineRtf = out;
}

/** Time from the end of audio (finish()) to the final, after feeding the clip as fast as it is decoded. */
async function endLatency(model: LoadedModel, c: BenchClip, runs: number): Promise<number> {
  const ms: number[] = [];
  for (let run = 0; run < runs; run++) {
    const rec = model.createRecognizer({ partials: true });
    for (let i = 0; i < c.samples.length; i += CHUNK) await rec.accept(c.samples.subarray(i, i + CHUNK));
    const t0 = performance.now();
    const events = await rec.finish();
    const dt = performance.now() - t0;
    if (!events.some((e) => e.type === 'final')) throw new Error(`no final for ${c.name}`);
    ms.push(dt);
  }
  return median(ms);
}

/**
 * Feeds a clip paced in real time; returns the wall-clock gaps between consecutive partials of the
 * same utterance, i.e. while someone is speaking. (The step from the last partial to the final is
 * the endpoint's silence, not a gap in the updates: it is left out.) Two views: `gaps` between
 * partial events (the text changed), `refreshGaps` between re-decodes of the open utterance
 * (Moonshine only: a refreshed hypothesis the same as the last sends no event).
 */
async function partialCadence(model: LoadedModel, c: BenchClip): Promise<{ gaps: number[]; refreshGaps: number[]; count: number }> {
  const rec = model.createRecognizer({ partials: true });
  const decodes = (): number => ('decodeStats' in rec ? (rec.decodeStats as { partials: number }).partials : 0);
  const start = performance.now();
  const updates: { t: number; utterance: number }[] = [];
  const refreshes: { t: number; utterance: number }[] = [];
  let utterance = 0;
  const record = (events: Awaited<ReturnType<typeof rec.accept>>, decoded: boolean) => {
    const t = performance.now();
    for (const e of events) if (e.type === 'partial') updates.push({ t, utterance: e.utterance });
    if (decoded && !events.some((e) => e.type === 'final')) refreshes.push({ t, utterance });
    for (const e of events) if (e.type === 'final') utterance = e.utterance + 1;
  };
  for (let i = 0; i < c.samples.length; i += CHUNK) {
    const due = start + (i / 16000) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const before = decodes();
    const events = await rec.accept(c.samples.subarray(i, i + CHUNK));
    record(events, decodes() > before);
  }
  record(await rec.finish(), false);
  const gapsOf = (xs: { t: number; utterance: number }[]) => {
    const gaps: number[] = [];
    for (let i = 1; i < xs.length; i++) if (xs[i].utterance === xs[i - 1].utterance) gaps.push(xs[i].t - xs[i - 1].t);
    return gaps;
  };
  return { gaps: gapsOf(updates), refreshGaps: gapsOf(refreshes), count: updates.length };
}

async function latency(clips: BenchClip[]): Promise<void> {
  console.log('\n## Latency (1 thread): end of audio -> final text; partial cadence in real time');
  const rows: (string | number)[][] = [['family', 'clip', 'audio s', 'end -> final ms', 'partials', 'median gap ms', 'max gap ms', 'max refresh gap ms']];
  const out: Record<string, unknown> = {};
  const five = clip(clips, 'sense_and_sensibility_01_austen_64kb-0890.wav'); // 5.3 s utterance
  const long = clip(clips, 'sense_and_sensibility_01_austen_64kb-0870.wav'); // 7.1 s
  for (const [family, location] of [
    ['moonshine', { dir: defaultModelDir() }],
    ['zipformer', { dir: sharedFile(ZIPFORMER) }],
  ] as const) {
    const cache = tempDir();
    const model = await loadModel(location, { threads: 1, cacheDir: cache });
    await endLatency(model, clips[0], 1); // warm-up
    const end = await endLatency(model, five, 5);
    const cadence = await partialCadence(model, long);
    const maxRefresh = cadence.refreshGaps.length ? Math.max(...cadence.refreshGaps) : undefined;
    rows.push([family, five.name.replace('sense_and_sensibility_01_austen_64kb-', 'ss-'), fmt(five.seconds, 2), fmt(end, 0), '', '', '', '']);
    rows.push([family, long.name.replace('sense_and_sensibility_01_austen_64kb-', 'ss-') + ' (real time)', fmt(long.seconds, 2), '', cadence.count, fmt(median(cadence.gaps), 0), fmt(Math.max(...cadence.gaps), 0), maxRefresh === undefined ? 'n/a' : fmt(maxRefresh, 0)]);
    out[family] = { endToFinalMs: end, fiveSecondClip: five.seconds, partials: cadence.count, medianPartialGapMs: median(cadence.gaps), maxPartialGapMs: Math.max(...cadence.gaps), maxRefreshGapMs: maxRefresh };
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  results.latency = out;
}

async function loadTimes(): Promise<void> {
  console.log('\n## Model load (1 thread): first load converts ONNX -> ORT; later loads mmap the cached ORT file');
  const rows: (string | number)[][] = [['family', 'first load ms (convert)', 'cached load ms (mmap)', 'by-path ONNX load ms']];
  const out: Record<string, unknown> = {};
  for (const [family, location] of [
    ['moonshine', { dir: defaultModelDir() }],
    ['zipformer', { dir: sharedFile(ZIPFORMER) }],
  ] as const) {
    const cache = tempDir();
    let t0 = performance.now();
    await (await loadModel(location, { threads: 1, cacheDir: cache })).dispose();
    const first = performance.now() - t0;
    const cached: number[] = [];
    for (let i = 0; i < 3; i++) {
      t0 = performance.now();
      await (await loadModel(location, { threads: 1, cacheDir: cache })).dispose();
      cached.push(performance.now() - t0);
    }
    t0 = performance.now();
    await (await loadModel(location, { threads: 1, noCache: true })).dispose();
    const byPath = performance.now() - t0;
    rows.push([family, fmt(first, 0), fmt(median(cached), 0), fmt(byPath, 0)]);
    out[family] = { firstLoadMs: first, cachedLoadMs: median(cached), byPathLoadMs: byPath };
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  results.load = out;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  // A child of the Whisper section, measuring one side's peak memory on its own.
  if (only[0] === 'whisper-rss') return whisperRssChild(only[1], Number(only[2]), only[3], loadClips());
  console.log(`Murmur benchmark: ${results.cpus} x ${results.cpu}, Node ${process.version}, ${RUNS} runs`);
  const clips = loadClips();
  console.log(`audio: ${clips.length} clips, ${fmt(clips.reduce((s, c) => s + c.seconds, 0), 1)} s`);
  const want = (s: string) => only.length === 0 || only.includes(s);
  if (want('zipformer')) await zipformerVsSherpa(clips);
  if (want('moonshine')) await moonshineRtf(clips);
  if (want('latency')) await latency(clips);
  if (want('idle')) results.idleRelease = await idleReleaseBench(clips, Math.max(5, RUNS));
  if (want('load')) await loadTimes();
  if (want('memory')) results.memory = await sidecarMemory();
  if (want('cache')) results.cacheSize = await cacheSizeBench();
  if (want('vocabulary')) results.vocabulary = await vocabularyBench();
  if (want('flicker')) results.flicker = await flickerBench(clips);
  if (want('accuracy')) results.accuracy = await accuracyBench();
  if (want('whisper')) results.whisper = await whisperBench(clips);
  if (want('parakeet')) results.parakeet = await parakeetBench(clips);
  if (want('nemotron')) results.nemotron = await nemotronBench(clips);
  results.goals = printGoals(results);
  const dir = path.join(packageRoot(), 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nsaved bench-results/latest.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
