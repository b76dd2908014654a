/**
 * Streaming gain normalisation, so quiet recordings reach the level the models were trained on
 * without swelling the noise in pauses.
 *
 * Design (all in fixed 10 ms blocks counted from the start of the stream, so any chunking gives
 * bit-identical output):
 * - Envelope: a peak follower over block peaks of the INPUT. A louder block sets it at once (attack);
 *   it holds for `holdMs` of active audio, then decays by `releaseDbPerSec` (slow release), so the
 *   gain follows a speaker who gets quieter but does not breathe between syllables.
 * - Gate: blocks whose peak is below `gateDbfs`, more than `relativeGateDb` under the envelope, or
 *   less than `snrGateDb` above the noise floor (see below; steady noise has a crest factor of ~10
 *   dB, speech peaks sit 30-60 dB above the floor) are pauses. In pauses nothing adapts: envelope, hold and gain are frozen. That is what keeps
 *   silence silent: the gain never rises in a pause (no noise pumping), and before the first speech
 *   it stays at unity, so leading silence/noise is passed through untouched.
 * - Gain: targetPeak / envelope, clamped to [1, maxGainDb] (this normalises quiet input up; it never
 *   turns loud input down). Falling is immediate (next block); rising is limited to `riseDbPerSec`,
 *   so the first syllables, while the envelope is still being learned, are not over-amplified (the
 *   price: the first ~0.4 s of a very quiet recording is under-amplified). Within a block the gain
 *   ramps linearly from the previous block's value (no zipper noise).
 * - Noise ceiling: the gain is also never so high that the noise floor would exceed
 *   `noiseCeilingDbfs`. The floor is a minimum-statistics estimate of block RMS (follows quiet
 *   blocks down at once, creeps up at `floorRiseDbPerSec`), so it sits on the pauses; steady fan
 *   noise or hiss with no speech is therefore not lifted to speech level.
 * - Limiter: a stateless soft clip above `kneeLevel`, approaching `ceiling`, catches the overshoot
 *   a block can have before the envelope catches up (the gain is causal: there is no look-ahead, so
 *   no added latency and sample positions stay exact). Output magnitude stays below `ceiling`; it
 *   also acts at unity gain, on input peaks above the knee.
 *
 * Implements the zipformer recognizer's SampleProcessor shape (process/reset, same length out).
 */

export interface GainOptions {
  sampleRate: number;
  /** Peak level speech is brought to, linear full scale. */
  targetPeak: number;
  /** Highest gain applied, dB. */
  maxGainDb: number;
  /** Blocks with a lower peak are silence (nothing adapts), dBFS. */
  gateDbfs: number;
  /** Blocks this far below the envelope are pauses too, dB. */
  relativeGateDb: number;
  /** Blocks whose peak is less than this above the noise floor (RMS) are noise, not speech, dB. */
  snrGateDb: number;
  /** How long the envelope holds after a peak before it starts to fall, ms of active audio. */
  holdMs: number;
  /** How fast the envelope falls after the hold, dB per second of active audio. */
  releaseDbPerSec: number;
  /** How fast the gain may rise, dB per second of active audio. */
  riseDbPerSec: number;
  /** The gain may not lift the noise floor above this, dBFS RMS. */
  noiseCeilingDbfs: number;
  /** How fast the noise-floor estimate may rise, dB per second. */
  floorRiseDbPerSec: number;
  /** Output magnitude above which the soft limiter acts, linear. */
  kneeLevel: number;
  /** Output magnitude the soft limiter approaches but never reaches, linear (<= 1). */
  ceiling: number;
}

export const defaultGainOptions: GainOptions = {
  sampleRate: 16000,
  targetPeak: 0.6,
  maxGainDb: 30,
  gateDbfs: -50,
  relativeGateDb: 30,
  snrGateDb: 20,
  holdMs: 2000,
  releaseDbPerSec: 2,
  riseDbPerSec: 40,
  noiseCeilingDbfs: -35,
  floorRiseDbPerSec: 3,
  kneeLevel: 0.7,
  ceiling: 0.9,
};

const BLOCK_MS = 10;
/** -100 dBFS: the lowest noise-floor estimate. */
const FLOOR_MIN = 1e-5;

export class GainNormalizer {
  readonly options: GainOptions;
  private readonly block: number;
  private readonly gate: number;
  private readonly relativeGate: number;
  private readonly snrGate: number;
  private readonly maxGain: number;
  private readonly holdBlocks: number;
  private readonly releasePerBlock: number;
  private readonly risePerBlock: number;
  private readonly noiseCeiling: number;
  private readonly floorRisePerBlock: number;

  private inBlock = 0;
  private blockPeak = 0;
  private blockEnergy = 0;
  /** Minimum-statistics estimate of the noise floor (block RMS); Infinity until the first block. */
  private floor = Infinity;
  /** Envelope of input peaks; 0 until the first active block. */
  private envelope = 0;
  private holdLeft = 0;
  /** Gain at the end of the previous block and at the end of the current one. */
  private gainFrom = 1;
  private gainTo = 1;

  constructor(options: Partial<GainOptions> = {}) {
    this.options = { ...defaultGainOptions, ...options };
    const o = this.options;
    this.block = Math.max(1, Math.round((o.sampleRate * BLOCK_MS) / 1000));
    this.gate = dbToLinear(o.gateDbfs);
    this.relativeGate = dbToLinear(-o.relativeGateDb);
    this.snrGate = dbToLinear(o.snrGateDb);
    this.maxGain = dbToLinear(o.maxGainDb);
    this.holdBlocks = Math.round(o.holdMs / BLOCK_MS);
    this.releasePerBlock = dbToLinear((-o.releaseDbPerSec * BLOCK_MS) / 1000);
    this.risePerBlock = dbToLinear((o.riseDbPerSec * BLOCK_MS) / 1000);
    this.noiseCeiling = dbToLinear(o.noiseCeilingDbfs);
    this.floorRisePerBlock = dbToLinear((o.floorRiseDbPerSec * BLOCK_MS) / 1000);
  }

  /** The gain reached at the last block boundary, dB (for logs and tests). */
  get gainDb(): number {
    return 20 * Math.log10(this.gainTo);
  }

  /** Returns the input scaled; same length, no delay. */
  process(samples: Float32Array): Float32Array {
    const out = new Float32Array(samples.length);
    const { kneeLevel: knee, ceiling } = this.options;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i];
      this.inBlock++;
      const g = this.gainFrom + ((this.gainTo - this.gainFrom) * this.inBlock) / this.block;
      out[i] = softLimit(x * g, knee, ceiling);
      const a = Math.abs(x);
      if (a > this.blockPeak) this.blockPeak = a;
      this.blockEnergy += x * x;
      if (this.inBlock === this.block) this.endBlock();
    }
    return out;
  }

  reset(): void {
    this.inBlock = 0;
    this.blockPeak = 0;
    this.blockEnergy = 0;
    this.floor = Infinity;
    this.envelope = 0;
    this.holdLeft = 0;
    this.gainFrom = 1;
    this.gainTo = 1;
  }

  /** Updates the envelope from the finished block and sets the gain the next block ramps to. */
  private endBlock(): void {
    const peak = this.blockPeak;
    const rms = Math.sqrt(this.blockEnergy / this.block);
    this.inBlock = 0;
    this.blockPeak = 0;
    this.blockEnergy = 0;
    this.gainFrom = this.gainTo;
    // The floor follows quiet blocks down at once and creeps up slowly, so it sits on the pauses.
    // (Bounded below so that after digital silence it can still climb to a real noise level.)
    this.floor = Math.min(Math.max(rms, FLOOR_MIN), this.floor * this.floorRisePerBlock);
    const active = peak >= this.gate && peak >= this.envelope * this.relativeGate && peak >= this.floor * this.snrGate;
    if (!active) return;
    if (peak >= this.envelope) {
      this.envelope = peak;
      this.holdLeft = this.holdBlocks;
    } else if (this.holdLeft > 0) {
      this.holdLeft--;
    } else {
      this.envelope = Math.max(peak, this.envelope * this.releasePerBlock);
    }
    const ceiling = Math.min(this.maxGain, this.noiseCeiling / this.floor);
    const wanted = Math.max(1, Math.min(ceiling, this.options.targetPeak / this.envelope));
    this.gainTo = wanted < this.gainFrom ? wanted : Math.min(wanted, this.gainFrom * this.risePerBlock);
  }
}

/** Identity up to `knee`, then a tanh curve (slope 1 at the knee) that approaches `ceiling`. */
function softLimit(y: number, knee: number, ceiling: number): number {
  const a = Math.abs(y);
  if (a <= knee) return y;
  const room = ceiling - knee;
  const limited = knee + room * Math.tanh((a - knee) / room);
  return y < 0 ? -limited : limited;
}

function dbToLinear(db: number): number {
  return Math.pow(10, db / 20);
}
