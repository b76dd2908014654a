/**
 * What runs inside a measurement process (dist/probe.js, spawned by compare.ts). A fresh process
 * per model, so one model's pages, arenas and warm caches never count towards another's figures.
 *
 * - `measure`: loads the model with loadModel (ONNX by path when MURMUR_NO_ORT_CACHE=1, exactly as
 *   the sidecar honours it), transcribes the clip twice through a recognizer in 100 ms chunks
 *   (the first pass also waits out Moonshine's background warm-up; the second is timed), then
 *   reads its own memory from /proc/self/smaps_rollup.
 * - `hold`: maps the model files and touches every page, then waits: the "other VS Code window"
 *   that makes mapped pages shared while `measure` runs beside it (a page counts as Shared in
 *   smaps only when more than one process maps it).
 *
 * The result is one stdout line, PROBE_PREFIX + JSON; logs go to stderr.
 */
import * as fs from 'node:fs';
import { readWav, toMono16k } from '../audio/wav';
import { toMurmurError } from '../errors';
import type { Log } from '../log';
import { resolveModel } from '../models/detect';
import { loadModel } from '../models/load';
import type { ModelLocation } from '../models/spec';
import { mapFile } from '../onnx/mmap';
import type { LoadedModel } from '../recognizer';

export const PROBE_PREFIX = 'MURMUR_PROBE ';
export const HOLD_READY = 'MURMUR_HOLDING';

export interface ProbeRequest {
  location: ModelLocation;
  clipPath: string;
  threads: number;
  cacheDir?: string;
}

export interface ProbeMeasurement {
  loadMs: number;
  decodeMs: number;
  audioSec: number;
  transcript: string;
  rssBytes: number;
  privateBytes?: number;
  sharedBytes?: number;
}

export type ProbeReply = ({ ok: true } & ProbeMeasurement) | { ok: false; code: string; message: string };

const SAMPLE_RATE = 16000;
const CHUNK = SAMPLE_RATE / 10;

/** Private and shared bytes of this process (Linux); undefined where smaps_rollup does not exist. */
export function readSmapsRollup(file = '/proc/self/smaps_rollup'): { privateBytes: number; sharedBytes: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { privateBytes: kb('Private_Clean') + kb('Private_Dirty'), sharedBytes: kb('Shared_Clean') + kb('Shared_Dirty') };
}

/** The clip through a fresh recognizer in 100 ms chunks, then finish(): the finals, joined. */
async function transcribe(model: LoadedModel, samples: Float32Array): Promise<string> {
  const recognizer = model.createRecognizer({ partials: false });
  const finals: string[] = [];
  const take = (events: Awaited<ReturnType<typeof recognizer.accept>>) => {
    for (const e of events) if (e.type === 'final' && e.text) finals.push(e.text);
  };
  for (let i = 0; i < samples.length; i += CHUNK) take(await recognizer.accept(samples.subarray(i, Math.min(i + CHUNK, samples.length))));
  take(await recognizer.finish());
  return finals.join(' ');
}

export async function measure(request: ProbeRequest, log: Log): Promise<ProbeMeasurement> {
  const samples = toMono16k(readWav(request.clipPath));
  // The sidecar's switch for by-path loading (src/sidecar/server.ts), so both load alike.
  const noCache = process.env.MURMUR_NO_ORT_CACHE === '1';
  const t0 = performance.now();
  const model = await loadModel(request.location, { threads: request.threads, cacheDir: request.cacheDir, noCache, log });
  const loadMs = performance.now() - t0;
  try {
    await transcribe(model, samples);
    const t1 = performance.now();
    const transcript = await transcribe(model, samples);
    const decodeMs = performance.now() - t1;
    const memory = readSmapsRollup();
    return { loadMs, decodeMs, audioSec: samples.length / SAMPLE_RATE, transcript, rssBytes: process.memoryUsage().rss, ...memory };
  } finally {
    await model.dispose();
  }
}

/** Maps the model files and faults every page in; the mappings live as long as the returned array. */
export function hold(location: ModelLocation, log: Log): Uint8Array[] {
  const { files } = resolveModel(location);
  const paths = files.family === 'zipformer' ? [files.encoder, files.decoder, files.joiner] : [files.encoder, files.decoder];
  const mapped = paths.map((p) => mapFile(p, log).bytes);
  let sum = 0;
  for (const bytes of mapped) for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i];
  log('debug', `holding ${paths.length} files mapped (checksum ${sum})`);
  return mapped;
}

function reply(r: ProbeReply): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${PROBE_PREFIX}${JSON.stringify(r)}\n`, () => resolve()));
}

/** dist/probe.js: `measure <request JSON>` or `hold <location JSON>`. */
export async function probeMain(argv: string[]): Promise<void> {
  const log: Log = (level, message) => {
    if (level !== 'debug' || process.env.MURMUR_DEBUG) process.stderr.write(`[probe ${level}] ${message}\n`);
  };
  const [mode, json] = argv;
  try {
    if (mode === 'hold') {
      const mapped = hold(JSON.parse(json) as ModelLocation, log);
      process.stdout.write(`${HOLD_READY}\n`);
      // Hold until the parent closes stdin (or kills us); `mapped` stays referenced until then.
      await new Promise<void>((resolve) => {
        process.stdin.on('end', resolve).on('close', resolve).on('error', resolve).resume();
      });
      log('debug', `released ${mapped.length} mappings`);
      process.exit(0);
    }
    if (mode !== 'measure') throw new Error(`unknown probe mode "${mode}"`);
    const result = await measure(JSON.parse(json) as ProbeRequest, log);
    await reply({ ok: true, ...result });
    process.exit(0);
  } catch (e) {
    const err = toMurmurError(e, 'MODEL_LOAD_FAILED');
    await reply({ ok: false, code: err.code, message: err.message });
    process.exit(1);
  }
}
