/**
 * A synthetic Parakeet TDT 0.6B at the real dimensions, int8 as sherpa-onnx's export quantises it
 * (quantize_dynamic: every weight matrix uint8 in the encoder, int8 in the joiner, run as
 * DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by the two scales -> Add bias), so that a
 * speed comparison with sherpa-onnx-node costs what the real model costs (issue 17, point 4).
 * Random weights; the metadata, names, shapes and dtypes are those of bench/synthetic/parakeet.ts.
 *
 * Real: 128 mel bins in, 8x subsampling, 24 FastConformer layers of d_model 1024 (macaron: two
 * feed-forward modules 1024 -> 4096 -> 1024 at half weight, 8-head self-attention with the
 * relative-position projection of 2T-1 positions and its second score matrix, convolution module
 * with pointwise 1024 -> 2048, GLU, depthwise kernel 9, batch norm, swish, pointwise 1024 -> 1024,
 * layer norms), attention over the real sequence length; LSTM prediction network of 2 layers x 640;
 * joint 640; vocab 1024 (v2) or 8192 (v3) plus the blank; 5 durations.
 *
 * Simplified, at negligible cost: the subsampling's 2-D convolutions (under 1 % of the encoder's
 * multiply-adds) are one quantised linear over 8 stacked frames (same output length, ceil(T / 8));
 * the relative-position shift is a slice (same matrix sizes); the position table is random; the
 * depthwise convolution stays float (as an export whose Conv is not quantised); batch norm is folded
 * into a multiply-add; the prediction network's LSTMs are float (tiny next to the encoder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights } from './onnx-graph';
import { PARAKEET_FILE_NAMES, parakeetMetadata, parakeetPieces, writeParakeetDecoder, writeTokens, type SyntheticParakeet } from './parakeet';

export interface FullParakeetOptions {
  seed: number;
  /** 1024 for v2 (English), 8192 for v3 (25 languages). */
  vocab: number;
  layers?: number;
}

const FEAT = 128;
const D = 1024;
const FFN = 4096;
const HEADS = 8;
const HEAD_DIM = D / HEADS;
const KERNEL = 9;
const PRED = 640;
const JOINT = 640;
const DURATIONS = 5;
/** Longest input the position table covers: 2000 encoder frames, 160 s (a VAD phrase is at most 20 s). */
const MAX_FRAMES = 2000;
/** Standard deviation of a uniform byte around its zero point. */
const BYTE_STD = 73.9;

class QuantGraph extends GraphBuilder {
  constructor(private readonly random: () => number) {
    super();
  }

  /** Uniform random bytes, four per draw (the bulk of the model: hundreds of millions of them). */
  randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const words = new Uint32Array(out.buffer, 0, n >>> 2);
    for (let i = 0; i < words.length; i++) words[i] = (this.random() * 4294967296) >>> 0;
    for (let i = words.length * 4; i < n; i++) out[i] = (this.random() * 256) | 0;
    return out;
  }

  /**
   * y = x W + b with W quantised per tensor as quantize_dynamic does, x quantised at run time.
   * `gain`: the weight's standard deviation times sqrt(in).
   */
  qlinear(x: string, inDim: number, outDim: number, opts: { type?: 'uint8' | 'int8'; gain?: number; bias?: Float32Array | false } = {}): string {
    const type = opts.type ?? 'uint8';
    const name = this.name('w');
    const w = this.bytes(`${name}_q`, [inDim, outDim], type, this.randomBytes(inDim * outDim));
    const wScale = (opts.gain ?? 1) / (BYTE_STD * Math.sqrt(inDim));
    const wZero = type === 'uint8' ? this.bytes(`${name}_zp`, [], 'uint8', Uint8Array.of(128)) : this.bytes(`${name}_zp`, [], 'int8', Int8Array.of(0));
    const [xq, xScale, xZero] = this.multi('DynamicQuantizeLinear', [x], 3);
    const acc = this.op('MatMulInteger', [xq, w, xZero, wZero]);
    const scale = this.op('Mul', [xScale, this.floats(`${name}_scale`, [], Float32Array.of(wScale))]);
    const y = this.op('Mul', [this.op('Cast', [acc], { ints: { to: 1 } }), scale]);
    if (opts.bias === false) return y;
    return this.op('Add', [y, this.floats(`${name}_b`, [outDim], opts.bias ?? new Float32Array(outDim))]);
  }

  layerNorm(x: string): string {
    const name = this.name('ln');
    return this.op('LayerNormalization', [x, this.floats(`${name}_g`, [D], new Float32Array(D).fill(1)), this.floats(`${name}_b`, [D], new Float32Array(D))], { ints: { axis: -1 } });
  }

  swish(x: string): string {
    return this.op('Mul', [x, this.op('Sigmoid', [x])]);
  }

  scaled(x: string, k: number): string {
    return this.op('Mul', [x, this.floats(this.name('k'), [], Float32Array.of(k))]);
  }
}

function feedForward(g: QuantGraph, x: string): string {
  return g.qlinear(g.swish(g.qlinear(g.layerNorm(x), D, FFN)), FFN, D);
}

/** Self-attention with Transformer-XL relative positions (NeMo RelPositionMultiHeadAttention). [T, D] -> [T, D]. */
function attention(g: QuantGraph, x: string, pos: string, t: string, twoTMinus1: string, random: () => number): string {
  const h = g.layerNorm(x);
  const heads = (y: string, len: string) => g.op('Transpose', [g.op('Reshape', [y, g.op('Concat', [len, g.ints(g.name('hd'), [HEADS, HEAD_DIM])], { ints: { axis: 0 } })])], { intLists: { perm: [1, 0, 2] } });
  const q = heads(g.qlinear(h, D, D), t);
  const k = heads(g.qlinear(h, D, D), t);
  const v = heads(g.qlinear(h, D, D), t);
  const p = heads(g.qlinear(pos, D, D, { bias: false }), twoTMinus1);
  const biasU = g.floats(g.name('pos_bias_u'), [HEADS, 1, HEAD_DIM], randomWeights(random, D, 0.1));
  const biasV = g.floats(g.name('pos_bias_v'), [HEADS, 1, HEAD_DIM], randomWeights(random, D, 0.1));
  const ac = g.op('MatMul', [g.op('Add', [q, biasU]), g.op('Transpose', [k], { intLists: { perm: [0, 2, 1] } })]);
  const bdFull = g.op('MatMul', [g.op('Add', [q, biasV]), g.op('Transpose', [p], { intLists: { perm: [0, 2, 1] } })]);
  // Stands in for rel_shift: the same [heads, T, 2T-1] product, then T columns of it.
  const bd = g.op('Slice', [bdFull, g.ints(g.name('zero'), [0]), t, g.ints(g.name('axis'), [2])]);
  const scores = g.scaled(g.op('Add', [ac, bd]), 1 / Math.sqrt(HEAD_DIM));
  const context = g.op('MatMul', [g.op('Softmax', [scores], { ints: { axis: -1 } }), v]);
  const merged = g.op('Reshape', [g.op('Transpose', [context], { intLists: { perm: [1, 0, 2] } }), g.ints(g.name('merge'), [-1, D])]);
  return g.qlinear(merged, D, D);
}

/** NeMo ConformerConvolution. [T, D] -> [T, D]. */
function convModule(g: QuantGraph, x: string, random: () => number): string {
  const h = g.qlinear(g.layerNorm(x), D, 2 * D);
  const a = g.op('Slice', [h, g.ints(g.name('s'), [0]), g.ints(g.name('e'), [D]), g.ints(g.name('ax'), [1])]);
  const b = g.op('Slice', [h, g.ints(g.name('s'), [D]), g.ints(g.name('e'), [2 * D]), g.ints(g.name('ax'), [1])]);
  const glu = g.op('Mul', [a, g.op('Sigmoid', [b])]);
  // Depthwise over time: [T, D] -> [1, D, T].
  const channelsFirst = g.op('Unsqueeze', [g.op('Transpose', [glu], { intLists: { perm: [1, 0] } }), g.ints(g.name('ax0'), [0])]);
  const dw = g.floats(g.name('dw_w'), [D, 1, KERNEL], randomWeights(random, D * KERNEL, 1 / Math.sqrt(KERNEL)));
  const conv = g.op('Conv', [channelsFirst, dw, g.floats(g.name('dw_b'), [D], new Float32Array(D))], { ints: { group: D }, intLists: { kernel_shape: [KERNEL], pads: [(KERNEL - 1) / 2, (KERNEL - 1) / 2] } });
  const back = g.op('Transpose', [g.op('Squeeze', [conv, g.ints(g.name('ax0'), [0])])], { intLists: { perm: [1, 0] } });
  // Batch norm, folded.
  const bn = g.op('Add', [g.op('Mul', [back, g.floats(g.name('bn_g'), [D], new Float32Array(D).fill(1))]), g.floats(g.name('bn_b'), [D], new Float32Array(D))]);
  return g.qlinear(g.swish(bn), D, D);
}

function writeEncoder(random: () => number, vocab: number, layers: number, seed: number): Uint8Array {
  const g = new QuantGraph(random);
  // [1, 128, T] -> [T, 128], padded to a multiple of 8 frames, stacked to [T', 1024].
  const frames = g.op('Transpose', [g.op('Squeeze', ['audio_signal', g.ints('ax0', [0])])], { intLists: { perm: [1, 0] } });
  const tIn = g.op('Gather', [g.op('Shape', [frames]), g.ints('dim0', [0])], { ints: { axis: 0 } });
  const eight = g.ints('eight', [8]);
  const padT = g.op('Mod', [g.op('Sub', [eight, g.op('Mod', [tIn, eight])]), eight]);
  const pads = g.op('Concat', [g.ints('pad_lead', [0, 0]), padT, g.ints('pad_tail', [0])], { ints: { axis: 0 } });
  const stacked = g.op('Reshape', [g.op('Pad', [frames, pads]), g.ints('stack', [-1, 8 * FEAT])]);
  let x = g.qlinear(stacked, 8 * FEAT, D);
  const t = g.op('Gather', [g.op('Shape', [x]), g.ints('dim0b', [0])], { ints: { axis: 0 } });
  const twoTMinus1 = g.op('Sub', [g.op('Mul', [t, g.ints('two', [2])]), g.ints('one', [1])]);
  const table = g.floats('pos_table', [2 * MAX_FRAMES - 1, D], randomWeights(random, (2 * MAX_FRAMES - 1) * D, 1));
  const pos = g.op('Slice', [table, g.ints('zero0', [0]), twoTMinus1, g.ints('axis0', [0])]);
  for (let l = 0; l < layers; l++) {
    x = g.op('Add', [x, g.scaled(feedForward(g, x), 0.5)]);
    x = g.op('Add', [x, attention(g, x, pos, t, twoTMinus1, random)]);
    x = g.op('Add', [x, convModule(g, x, random)]);
    x = g.op('Add', [x, g.scaled(feedForward(g, x), 0.5)]);
    x = g.layerNorm(x);
  }
  g.op('Unsqueeze', [g.op('Transpose', [x], { intLists: { perm: [1, 0] } }), g.ints('ax0_out', [0])], {}, 'outputs');
  // ceil(length / 8), as three stride-2 convolutions give.
  g.op('Div', [g.op('Add', ['length', g.ints('seven', [7])]), eight], {}, 'encoded_lengths');
  const metadata = parakeetMetadata({ vocab, featDim: FEAT, predLayers: 2, predHidden: PRED, normalizeType: 'per_feature', comment: `Murmur synthetic Parakeet TDT 0.6B dimensions (int8), seed ${seed}, random weights` });
  return g.model(
    [{ name: 'audio_signal', type: 'float32', shape: ['batch', FEAT, 'time'] }, { name: 'length', type: 'int64', shape: ['batch'] }],
    [{ name: 'outputs', type: 'float32', shape: ['batch', D, 'time_out'] }, { name: 'encoded_lengths', type: 'int64', shape: ['batch'] }],
    metadata,
    17,
  );
}

function writeJoiner(random: () => number, vocab: number): Uint8Array {
  const g = new QuantGraph(random);
  const out = vocab + 1 + DURATIONS;
  const enc = g.qlinear(g.op('Reshape', ['encoder_outputs', g.ints('flat_e', [-1, D])]), D, JOINT, { type: 'int8' });
  const pred = g.qlinear(g.op('Reshape', ['decoder_outputs', g.ints('flat_d', [-1, PRED])]), PRED, JOINT, { type: 'int8' });
  const h = g.op('Relu', [g.op('Add', [enc, pred])]);
  const bias = randomWeights(random, out, 0.3);
  bias[vocab] += 1.5;
  const logits = g.qlinear(h, JOINT, out, { type: 'int8', gain: 4, bias });
  g.op('Reshape', [logits, g.ints('out_shape', [-1, 1, 1, out])], {}, 'outputs');
  return g.model(
    [{ name: 'encoder_outputs', type: 'float32', shape: ['batch', D, 1] }, { name: 'decoder_outputs', type: 'float32', shape: ['batch', PRED, 1] }],
    [{ name: 'outputs', type: 'float32', shape: ['batch', 1, 1, out] }],
    {},
    17,
  );
}

/** Writes the model unless `dir` already holds this seed's (generation takes a while). */
export function writeFullParakeet(dir: string, options: FullParakeetOptions): SyntheticParakeet {
  const files: SyntheticParakeet = {
    encoder: path.join(dir, PARAKEET_FILE_NAMES.encoder),
    decoder: path.join(dir, PARAKEET_FILE_NAMES.decoder),
    joiner: path.join(dir, PARAKEET_FILE_NAMES.joiner),
    tokens: path.join(dir, PARAKEET_FILE_NAMES.tokens),
    vocab: options.vocab,
    featDim: FEAT,
  };
  const stamp = path.join(dir, 'synthetic.json');
  const id = JSON.stringify({ ...options, version: 1 });
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === id) return files;
  const random = mulberry32(options.seed);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(files.encoder, writeEncoder(random, options.vocab, options.layers ?? 24, options.seed));
  fs.writeFileSync(files.decoder, writeParakeetDecoder(random, options.vocab, PRED, 2, 2 / Math.sqrt(PRED)));
  fs.writeFileSync(files.joiner, writeJoiner(random, options.vocab));
  writeTokens(files.tokens, parakeetPieces(random, options.vocab));
  fs.writeFileSync(stamp, id);
  return files;
}
