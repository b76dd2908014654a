/**
 * The side-by-side table of the export panel: each model measured in a FRESH process (dist/probe.js,
 * see probe.ts), one after the other, so load time and memory are a cold start's and no model's
 * pages count towards another's.
 *
 * Source ONNX models are loaded by path (MURMUR_NO_ORT_CACHE=1, the sidecar's own switch), so the
 * table shows plain ONNX against the memory-mapped export rather than against Murmur's ORT cache.
 * While a row is measured, a second process holds the same model files mapped, as another VS Code
 * window using the model would: mapped pages then show as Shared in smaps, while a by-path load's
 * weights stay Private (a page counts as shared only when two processes map it).
 *
 * The child is process.execPath with ELECTRON_RUN_AS_NODE=1, so this works from the sidecar
 * spawned by VS Code (Electron) as well as from plain Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError, type MurmurErrorCode } from '../errors';
import { resolveModel } from '../models/detect';
import type { ModelLocation } from '../models/spec';
import { isOrtFile } from '../onnx/ort-cache';
import { packageRoot } from '../paths';
import { privateSpawnOptions } from '../process-dirs';
import { terminate } from '../process-stop';
import { HOLD_READY, PROBE_PREFIX, type ProbeReply, type ProbeRequest } from './probe';
import type { ComparisonRow, ExportProgress } from './types';

export interface MeasureOptions {
  label: string;
  /** 16 kHz-convertible WAV; default: media/sample-clip.wav. */
  clipPath?: string;
  /** Intra-op threads of the probe's sessions (default 1). */
  threads?: number;
  signal?: AbortSignal;
  /** ORT cache for the probe (the VAD of an export row goes through it); default from paths.ts. */
  cacheDir?: string;
  /** Hold the model files mapped in a second process while measuring (default true; see above). */
  holdMapped?: boolean;
  timeoutMs?: number;
}

export interface CompareOptions {
  clipPath?: string;
  threads?: number;
  signal?: AbortSignal;
  cacheDir?: string;
  onProgress?: (progress: ExportProgress) => void;
}

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export function defaultClipPath(): string {
  return path.join(packageRoot(), 'media', 'sample-clip.wav');
}

/** dist/probe.js: next to the running bundle (dist/sidecar.js), else in the package's dist (tests). */
export function probeScript(): string {
  const candidates = [path.join(__dirname, 'probe.js'), path.join(packageRoot(), 'dist', 'probe.js')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new MurmurError('INTERNAL', `Murmur's measurement probe is missing (looked for ${candidates.join(' and ')}). Rebuild Murmur (node esbuild.js) or reinstall the extension.`);
  return found;
}

function cancelled(label: string): MurmurError {
  return new MurmurError('CANCELLED', `The measurement of ${label} was cancelled.`);
}

function childEnv(byPath: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  if (byPath) env.MURMUR_NO_ORT_CACHE = '1';
  else delete env.MURMUR_NO_ORT_CACHE;
  return env;
}

/** Runs `child` to its end, killing it on abort or timeout; resolves with its stdout. */
function runChild(child: ChildProcess, label: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const stop = (error: MurmurError) => {
      terminate(child);
      reject(error);
    };
    const onAbort = () => stop(cancelled(label));
    const timer = setTimeout(() => stop(new MurmurError('INTERNAL', `Measuring ${label} did not finish within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(new MurmurError('INTERNAL', `Could not start the measurement process for ${label}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Starts a process holding `location`'s files mapped; resolves once every page is in. */
function startHolder(script: string, location: ModelLocation, label: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, 'hold', JSON.stringify(location)], { ...privateSpawnOptions(childEnv(false)), stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      terminate(child);
      reject(new MurmurError('INTERNAL', `The process holding ${label}'s files did not start within 60 s.`));
    }, 60_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(HOLD_READY)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new MurmurError('INTERNAL', `Could not start the process holding ${label}'s files: ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new MurmurError('INTERNAL', `The process holding ${label}'s files exited (${code}) before holding them: ${err.trim() || out.trim()}`));
    });
  });
}

/** The holder exits when its stdin ends (every platform); it holds nothing to flush, so it is also terminated at once. */
function stopHolder(child: ChildProcess | undefined): void {
  if (!child || child.exitCode !== null) return;
  child.stdin?.end();
  terminate(child);
}

/** Measures one model in a fresh process: load time, decode speed, transcript, memory. */
export async function measureModel(location: ModelLocation, options: MeasureOptions): Promise<ComparisonRow> {
  const { label } = options;
  const clipPath = path.resolve(options.clipPath ?? defaultClipPath());
  if (!fs.existsSync(clipPath)) throw new MurmurError('AUDIO_NOT_FOUND', `The comparison clip ${clipPath} does not exist. Choose a WAV file.`);
  if (options.signal?.aborted) throw cancelled(label);
  // Resolved here too: a bad model fails with its own error before any process starts.
  const { files } = resolveModel(location);
  const modelPaths = files.family === 'zipformer' ? [files.encoder, files.decoder, files.joiner] : [files.encoder, files.decoder];
  const format = isOrtFile(files.encoder) ? 'ort' : 'onnx';
  const fileBytes = modelPaths.reduce((s, p) => s + fs.statSync(p).size, 0);
  const script = probeScript();
  const request: ProbeRequest = { location, clipPath, threads: options.threads ?? 1, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) };

  const holder = options.holdMapped === false ? undefined : await startHolder(script, location, label);
  let run: Awaited<ReturnType<typeof runChild>>;
  try {
    if (options.signal?.aborted) throw cancelled(label);
    const child = spawn(process.execPath, [script, 'measure', JSON.stringify(request)], { ...privateSpawnOptions(childEnv(format === 'onnx')), stdio: ['ignore', 'pipe', 'pipe'] });
    run = await runChild(child, label, options.signal, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } finally {
    stopHolder(holder);
  }

  const line = run.stdout.split('\n').find((l) => l.startsWith(PROBE_PREFIX));
  if (!line) throw new MurmurError('INTERNAL', `Measuring ${label} failed (exit code ${run.code}): ${run.stderr.trim().split('\n').slice(-3).join(' ') || 'no output'}`);
  const reply = JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeReply;
  if (!reply.ok) throw new MurmurError(reply.code as MurmurErrorCode, reply.message);
  const row: ComparisonRow = {
    label,
    path: location.dir ? path.resolve(location.dir) : files.encoder,
    format,
    fileBytes,
    loadMs: reply.loadMs,
    rssBytes: reply.rssBytes,
    rtf: reply.audioSec > 0 ? reply.decodeMs / 1000 / reply.audioSec : 0,
    transcript: reply.transcript,
  };
  if (reply.privateBytes !== undefined) row.privateBytes = reply.privateBytes;
  if (reply.sharedBytes !== undefined) row.sharedBytes = reply.sharedBytes;
  return row;
}

/** Measures each model in turn (never in parallel: they would compete for the CPU). */
export function compareModels(models: { label: string; location: ModelLocation }[], options?: CompareOptions): Promise<ComparisonRow[]>;
/** The source model against its export: two rows. */
export function compareModels(source: ModelLocation, exported: ModelLocation, clipPath?: string): Promise<ComparisonRow[]>;
export async function compareModels(
  first: { label: string; location: ModelLocation }[] | ModelLocation,
  second?: CompareOptions | ModelLocation,
  clipPath?: string,
): Promise<ComparisonRow[]> {
  const pair = !Array.isArray(first);
  const models = pair
    ? [
        { label: 'source (ONNX)', location: first },
        { label: 'export', location: second as ModelLocation },
      ]
    : first;
  const options: CompareOptions = pair ? (clipPath ? { clipPath } : {}) : ((second as CompareOptions | undefined) ?? {});
  const rows: ComparisonRow[] = [];
  for (const [i, m] of models.entries()) {
    options.onProgress?.({ fraction: i / models.length, message: `Measuring ${m.label} in a fresh process` });
    rows.push(await measureModel(m.location, { label: m.label, clipPath: options.clipPath, threads: options.threads, signal: options.signal, cacheDir: options.cacheDir }));
  }
  options.onProgress?.({ fraction: 1, message: 'Measured' });
  return rows;
}
