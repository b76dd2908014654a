/**
 * Silero VAD v5 speech probabilities, one per 512-sample (32 ms) window of 16 kHz audio.
 *
 * The network is stateful: each window is fed as [1, 576] = the last 64 samples of the previous
 * window (context) followed by the 512 new ones, with the recurrent state from the previous call and
 * sr = 16000 as an int64 scalar, exactly as silero-vad's own OnnxWrapper does. Incoming audio is
 * buffered until a window is complete, so the probabilities depend only on the audio, not on how it
 * was chunked (onnxruntime runs with one intra-op thread, so the arithmetic is deterministic too).
 * The ORT cache holds the model with sr fixed at 16000 (graph-rewrite.ts): its 8 kHz branch and
 * the If nodes choosing between the two fold away, and such a session takes no sr input.
 *
 * One loaded model (SileroVadModel) can serve many detectors: each SileroVad has its own state,
 * context and buffer, and they share the session.
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { MurmurError, toMurmurError } from '../errors';
import type { Log } from '../log';
import { loadSession, type LoadedSession } from '../onnx/session';
import { bundledVadPath } from '../paths';
import type { VoiceActivityDetector } from './types';

export const SILERO_SAMPLE_RATE = 16000;
export const SILERO_WINDOW_SAMPLES = 512;
export const SILERO_CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

export interface SileroVadOptions {
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
}

/** A loaded Silero session; cheap to create detectors from. */
export class SileroVadModel {
  constructor(readonly loaded: LoadedSession) {
    checkSignature(loaded.session, loaded.sourcePath, loaded.fixedInputs);
  }

  createVad(): SileroVad {
    return new SileroVad(this.loaded.session);
  }

  /** Releases the shared session: detectors created from it must not be used afterwards. */
  async dispose(): Promise<void> {
    await this.loaded.session.release();
  }
}

export async function loadSileroVadModel(modelPath: string = bundledVadPath(), options: SileroVadOptions = {}): Promise<SileroVadModel> {
  if (!fs.existsSync(modelPath)) {
    throw new MurmurError('MODEL_FILE_MISSING', `The Silero VAD model is missing: ${modelPath}. Run \`npm run models\` to fetch it.`);
  }
  let loaded: LoadedSession;
  try {
    // One thread: a window is tiny, and a single thread keeps the results bit-reproducible.
    loaded = await loadSession(modelPath, { threads: 1, cacheDir: options.cacheDir, noCache: options.noCache, log: options.log, constantInputs: { sr: BigInt(SILERO_SAMPLE_RATE) } });
  } catch (e) {
    const err = toMurmurError(e, 'MODEL_LOAD_FAILED');
    throw new MurmurError(err.code, `Could not load the Silero VAD model ${modelPath}: ${err.message}`, err.detail);
  }
  return new SileroVadModel(loaded);
}

/** A detector with its own session (loaded with threads 1 through loadSession); dispose() frees it. */
export async function createSileroVad(modelPath: string = bundledVadPath(), options: SileroVadOptions = {}): Promise<SileroVad> {
  const model = await loadSileroVadModel(modelPath, options);
  return new SileroVad(model.loaded.session, true);
}

export class SileroVad implements VoiceActivityDetector {
  readonly windowSamples = SILERO_WINDOW_SAMPLES;
  /** Context (64) + window (512): the network's input, reused for every call. */
  private readonly frame = new Float32Array(SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES);
  private readonly state = new Float32Array(STATE_SIZE);
  private readonly pending = new Float32Array(SILERO_WINDOW_SAMPLES);
  private pendingLen = 0;
  /** The sample-rate input, for sessions that still take one (see the header). */
  private readonly sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SILERO_SAMPLE_RATE)), []);
  private readonly feedsSr: boolean;
  /** Calls are queued so overlapping process() calls still see the audio in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by reset(): a run in flight from before it stops touching state. */
  private epoch = 0;

  /** `ownsSession`: dispose() releases the session (createSileroVad); shared sessions are not. */
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly ownsSession = false,
  ) {
    this.feedsSr = session.inputNames.includes('sr');
  }

  process(samples: Float32Array): Promise<Float32Array> {
    const epoch = this.epoch;
    const run = this.queue.then(() => this.run(samples, epoch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Releases the session if this detector owns it; waits for a call in flight first. */
  async dispose(): Promise<void> {
    this.epoch++;
    await this.queue;
    if (this.ownsSession) await this.session.release();
  }

  reset(): void {
    this.epoch++;
    this.frame.fill(0);
    this.state.fill(0);
    this.pendingLen = 0;
  }

  private async run(samples: Float32Array, epoch: number): Promise<Float32Array> {
    if (epoch !== this.epoch) return new Float32Array(0);
    const W = SILERO_WINDOW_SAMPLES;
    const C = SILERO_CONTEXT_SAMPLES;
    const probs = new Float32Array(Math.floor((this.pendingLen + samples.length) / W));
    let offset = 0;
    for (let k = 0; k < probs.length; k++) {
      const need = W - this.pendingLen;
      this.frame.set(this.pending.subarray(0, this.pendingLen), C);
      this.frame.set(samples.subarray(offset, offset + need), C + this.pendingLen);
      offset += need;
      this.pendingLen = 0;
      const out = await this.infer();
      // A reset() during the await owns the state now: drop this result without touching it.
      if (epoch !== this.epoch) return probs.subarray(0, k);
      this.state.set(out.stateN.data as Float32Array);
      probs[k] = (out.output.data as Float32Array)[0];
      // The last 64 samples of this input are the next window's context.
      this.frame.copyWithin(0, W, W + C);
    }
    this.pending.set(samples.subarray(offset), this.pendingLen);
    this.pendingLen += samples.length - offset;
    return probs;
  }

  private infer(): Promise<ort.InferenceSession.OnnxValueMapType> {
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', this.frame, [1, this.frame.length]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
    };
    if (this.feedsSr) feeds.sr = this.sr;
    return this.session.run(feeds);
  }
}

/** Fails at load, with a useful message, for a model that is not Silero v5. */
function checkSignature(session: ort.InferenceSession, source: string, fixedInputs: readonly string[]): void {
  const inputs = [...session.inputNames, ...fixedInputs];
  const outputs = session.outputNames;
  const ok = ['input', 'state', 'sr'].every((n) => inputs.includes(n)) && ['output', 'stateN'].every((n) => outputs.includes(n));
  if (ok) return;
  const v4 = inputs.includes('h') && inputs.includes('c');
  throw new MurmurError(
    'MODEL_WRONG_FAMILY',
    v4
      ? `${source} is Silero VAD v4 (inputs h, c); Murmur needs Silero VAD v5 (inputs input, state, sr). Run \`npm run models\` for the bundled copy.`
      : `${source} is not a Silero VAD v5 model: it has inputs [${inputs.join(', ')}] and outputs [${outputs.join(', ')}], expected inputs [input, state, sr] and outputs [output, stateN].`,
  );
}
