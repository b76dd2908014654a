/**
 * A synthetic stand-in for NVIDIA Nemotron speech streaming en 0.6B as sherpa-onnx's int8 export
 * ships it (scripts/nemo/nemotron-speech-streaming-en-0.6b/export_onnx.py), for the benchmark: real
 * dimensions and real cost, random weights.
 *
 * Real: 128 mel bins; the window and shift of the chosen chunk (att context [70, chunk/80 - 1]:
 * 1120 ms = 121 frames advancing by 112, as the export sets them); dw_striding 8x subsampling
 * (three stride-2 3x3 convolutions, 256 channels, then 4096 -> 1024) with the export's 2 extra
 * pre-encoded frames dropped; 24 FastConformer layers of d_model 1024 (macaron FFNs 1024 -> 4096 ->
 * 1024, 8-head self-attention whose keys and values are the 70 cached rows plus the chunk, a
 * position projection over those rows, a convolution module 1024 -> 2048 GLU, causal depthwise
 * kernel 9 whose left context is the time cache, 1024 -> 1024), LayerNorms; the caches
 * [24, 70, 1024] and [24, 1024, 8]; pred_hidden 640 in 2 LSTM layers; 1024 tokens + blank. Every
 * encoder matrix product is quantised as onnxruntime's quantize_dynamic writes it for that export
 * (QUInt8 weights: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by the scales -> Add bias).
 *
 * Simplified (cost within a few percent): relative positions are a learned table projected by
 * linear_pos and added as q.p scores without NeMo's rel_shift; cached rows are not masked by
 * cache_last_channel_len (it is only counted); batch norm is folded into a scale and bias; the
 * subsampling convolutions and the depthwise convolution stay float (the export quantises only
 * matrix products and the convolutions are a small share of the work); the prediction network
 * and joiner are float and use the small synthetic's emission structure (decoder output = LSTM
 * state + one-hot of the token, bench/synthetic/nemotron.ts) so that random weights emit tokens at
 * a varied rate; their share of the time is small either way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights } from './onnx-graph';
import { nemoTokens, writeJoiner, writeLstmDecoder, type SyntheticNemotron } from './nemotron';

export interface Nemotron06bOptions {
  seed: number;
  /** Chunk size of the export: 80, 160, 560 or 1120 ms. */
  chunkMs?: 80 | 160 | 560 | 1120;
  /** Fewer layers for a quick check; the real model has 24. */
  layers?: number;
  /** The joiner's blank bias (bench/synthetic/nemotron.ts). */
  blankBias?: number;
  /** Float weights instead of int8 (to tell a numerical difference from a logical one). */
  float?: boolean;
}

const FEAT = 128;
const D = 1024;
const FFN = 4096;
const HEADS = 8;
const KERNEL = 9;
const LEFT_CONTEXT = 70;
const SUB_CHANNELS = 256;
const PRE_ENCODE_CACHE = 9;
const DROP_EXTRA = 2;
const PRED_HIDDEN = 640;
const PRED_LAYERS = 2;
const VOCAB = 1024;

/** Seeded uint8 weights (four per random draw: hundreds of millions are needed). */
function randomBytes(random: () => number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const words = new Uint32Array(out.buffer, 0, Math.floor(count / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(random() * 4294967296);
  for (let i = words.length * 4; i < count; i++) out[i] = Math.floor(random() * 256);
  return out;
}

class Encoder06b {
  readonly g = new GraphBuilder();
  private n = 0;
  constructor(
    private readonly random: () => number,
    private readonly float: boolean,
  ) {}

  /** y = x W + b with W [in, out] quantised to uint8, as quantize_dynamic writes it. */
  linear(x: string, inDim: number, outDim: number): string {
    const g = this.g;
    const id = this.n++;
    if (this.float) {
      const weights = g.floats(`w${id}`, [inDim, outDim], randomWeights(this.random, inDim * outDim, 1 / Math.sqrt(inDim)));
      return g.op('Add', [g.op('MatMul', [x, weights]), g.floats(`b${id}`, [outDim], randomWeights(this.random, outDim, 0.02))]);
    }
    const [xq, xScale, xZero] = g.multi('DynamicQuantizeLinear', [x], 3);
    const w = g.bytes(`w${id}_quantized`, [inDim, outDim], 'uint8', randomBytes(this.random, inDim * outDim));
    const wZero = g.bytes(`w${id}_zero_point`, [], 'uint8', Uint8Array.of(128));
    // Uniform bytes have a deviation of about 74: scale so the weights' deviation is 1/sqrt(in).
    const wScale = g.floats(`w${id}_scale`, [], Float32Array.of(1 / (74 * Math.sqrt(inDim))));
    const product = g.op('Cast', [g.op('MatMulInteger', [xq, w, xZero, wZero])], { ints: { to: 1 } });
    const scaled = g.op('Mul', [product, g.op('Mul', [xScale, wScale])]);
    return g.op('Add', [scaled, g.floats(`b${id}`, [outDim], randomWeights(this.random, outDim, 0.02))]);
  }

  layerNorm(x: string): string {
    const id = this.n++;
    return this.g.op('LayerNormalization', [x, this.g.floats(`ln${id}_scale`, [D], new Float32Array(D).fill(1)), this.g.floats(`ln${id}_bias`, [D], new Float32Array(D))], { ints: { axis: -1 } });
  }

  swish(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  feedForward(x: string): string {
    const h = this.linear(this.swish(this.linear(this.layerNorm(x), D, FFN)), FFN, D);
    return this.g.op('Add', [x, this.g.op('Mul', [h, this.g.floats(`half${this.n++}`, [1], Float32Array.of(0.5))])]);
  }
}

export function writeNemotron06b(dir: string, options: Nemotron06bOptions): SyntheticNemotron {
  const random = mulberry32(options.seed);
  const chunkMs = options.chunkMs ?? 1120;
  const layers = options.layers ?? 24;
  const chunk = (chunkMs / 80) * 8;
  const out = chunk / 8;
  const window = chunk + PRE_ENCODE_CACHE;
  const rows = LEFT_CONTEXT + out;
  const headDim = D / HEADS;
  const e = new Encoder06b(random, options.float ?? false);
  const g = e.g;

  // dw_striding subsampling over (time, frequency).
  const image = g.op('Unsqueeze', [g.op('Transpose', ['audio_signal'], { intLists: { perm: [0, 2, 1] } }), g.ints('image_axis', [1])]);
  const stride2 = { intLists: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } };
  const conv = (x: string, inC: number, groups: number, name: string): string => {
    const fanIn = (inC / groups) * 9;
    return g.op('Conv', [x, g.floats(`${name}_w`, [SUB_CHANNELS, inC / groups, 3, 3], randomWeights(random, SUB_CHANNELS * fanIn, 1.5 / Math.sqrt(fanIn))), g.floats(`${name}_b`, [SUB_CHANNELS], new Float32Array(SUB_CHANNELS))], {
      ...stride2,
      ints: { group: groups },
    });
  };
  const pointwise = (x: string, name: string): string =>
    g.op('Conv', [x, g.floats(`${name}_w`, [SUB_CHANNELS, SUB_CHANNELS, 1, 1], randomWeights(random, SUB_CHANNELS * SUB_CHANNELS, 1.5 / Math.sqrt(SUB_CHANNELS)))], { intLists: { kernel_shape: [1, 1] } });
  let s = g.op('Relu', [conv(image, 1, 1, 'sub0')]);
  s = g.op('Relu', [pointwise(conv(s, SUB_CHANNELS, SUB_CHANNELS, 'sub1'), 'sub1_pw')]);
  s = g.op('Relu', [pointwise(conv(s, SUB_CHANNELS, SUB_CHANNELS, 'sub2'), 'sub2_pw')]);
  // [1, 256, T/8, 16] -> [1, T/8, 256 * 16] -> 1024, then drop the extra pre-encoded frames.
  const flat = g.op('Reshape', [g.op('Transpose', [s], { intLists: { perm: [0, 2, 1, 3] } }), g.ints('flat_shape', [1, out + DROP_EXTRA, SUB_CHANNELS * (FEAT / 8)])]);
  const projected = e.linear(flat, SUB_CHANNELS * (FEAT / 8), D);
  let x = g.op('Slice', [projected, g.ints('drop_from', [DROP_EXTRA]), g.ints('drop_to', [DROP_EXTRA + out]), g.ints('time_axis', [1])]);

  // Positions over the attended rows; the cached-row count enters (times zero) so that onnxruntime
  // cannot fold linear_pos into a constant, which the real graph does not allow either.
  const countTerm = g.op('Mul', [g.op('Cast', ['cache_last_channel_len'], { ints: { to: 1 } }), g.floats('count_zero', [1], Float32Array.of(0))]);
  const positions = g.op('Add', [g.floats('pos_table', [1, rows, D], randomWeights(random, rows * D, 1)), countTerm]);
  const heads = (t: string, n: number): string => g.op('Transpose', [g.op('Reshape', [t, g.ints(g.name(`heads_${n}`), [1, n, HEADS, headDim])])], { intLists: { perm: [0, 2, 1, 3] } });

  const nextChannel: string[] = [];
  const nextTime: string[] = [];
  const axis1 = g.ints('axis1', [1]);
  for (let l = 0; l < layers; l++) {
    const index = g.ints(`layer_${l}`, [l]);
    x = e.feedForward(x);
    // Self-attention over the cached rows and the chunk.
    const a = e.layerNorm(x);
    const cached = g.op('Reshape', [g.op('Gather', ['cache_last_channel', index], { ints: { axis: 1 } }), g.ints(`channel_shape_${l}`, [1, LEFT_CONTEXT, D])]);
    const keys = g.op('Concat', [cached, a], { ints: { axis: 1 } });
    nextChannel.push(g.op('Unsqueeze', [g.op('Slice', [keys, g.ints(`keep_from_${l}`, [out]), g.ints(`keep_to_${l}`, [rows]), axis1]), axis1]));
    const q = heads(e.linear(a, D, D), out);
    const k = heads(e.linear(keys, D, D), rows);
    const v = heads(e.linear(keys, D, D), rows);
    const p = heads(e.linear(positions, D, D), rows);
    const transposeLast = { intLists: { perm: [0, 1, 3, 2] } };
    const content = g.op('MatMul', [q, g.op('Transpose', [k], transposeLast)]);
    const position = g.op('MatMul', [q, g.op('Transpose', [p], transposeLast)]);
    const scores = g.op('Mul', [g.op('Add', [content, position]), g.floats(`scale_${l}`, [1], Float32Array.of(1 / Math.sqrt(headDim)))]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { ints: { axis: -1 } }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { intLists: { perm: [0, 2, 1, 3] } }), g.ints(`merge_${l}`, [1, out, D])]);
    x = g.op('Add', [x, e.linear(merged, D, D)]);
    // Convolution module with the time cache as the depthwise convolution's left context.
    const c = e.linear(e.layerNorm(x), D, 2 * D);
    const [value, gate] = g.multi('Split', [c, g.ints(`glu_split_${l}`, [D, D])], 2, { ints: { axis: -1 } });
    const glu = g.op('Transpose', [g.op('Mul', [value, g.op('Sigmoid', [gate])])], { intLists: { perm: [0, 2, 1] } });
    const timeCache = g.op('Reshape', [g.op('Gather', ['cache_last_time', index], { ints: { axis: 1 } }), g.ints(`time_shape_${l}`, [1, D, KERNEL - 1])]);
    const convIn = g.op('Concat', [timeCache, glu], { ints: { axis: 2 } });
    nextTime.push(g.op('Unsqueeze', [g.op('Slice', [convIn, g.ints(`time_from_${l}`, [out]), g.ints(`time_to_${l}`, [out + KERNEL - 1]), g.ints(`time_axis_${l}`, [2])]), axis1]));
    const depthwise = g.op('Conv', [convIn, g.floats(`dw_${l}`, [D, 1, KERNEL], randomWeights(random, D * KERNEL, 1 / Math.sqrt(KERNEL)))], { ints: { group: D }, intLists: { kernel_shape: [KERNEL] } });
    const normed = g.op('Add', [g.op('Mul', [depthwise, g.floats(`bn_scale_${l}`, [D, 1], new Float32Array(D).fill(1))]), g.floats(`bn_bias_${l}`, [D, 1], new Float32Array(D))]);
    const convOut = e.linear(g.op('Transpose', [e.swish(normed)], { intLists: { perm: [0, 2, 1] } }), D, D);
    x = g.op('Add', [x, convOut]);
    x = e.feedForward(x);
    x = e.layerNorm(x);
  }
  g.op('Transpose', [x], { intLists: { perm: [0, 2, 1] } }, 'outputs');
  g.op('Sub', ['length', g.ints('dropped_frames', [window - out])], {}, 'encoded_lengths');
  g.op('Concat', nextChannel, { ints: { axis: 1 } }, 'cache_last_channel_next');
  g.op('Concat', nextTime, { ints: { axis: 1 } }, 'cache_last_time_next');
  g.op('Min', [g.op('Add', ['cache_last_channel_len', g.ints('out_frames', [out])]), g.ints('cache_rows', [LEFT_CONTEXT])], {}, 'cache_last_channel_next_len');
  const metadata: Record<string, string> = {
    vocab_size: String(VOCAB),
    window_size: String(window),
    chunk_size_ms: String(chunkMs),
    chunk_shift: String(chunk),
    normalize_type: '',
    cache_last_channel_dim1: String(layers),
    cache_last_channel_dim2: String(LEFT_CONTEXT),
    cache_last_channel_dim3: String(D),
    cache_last_time_dim1: String(layers),
    cache_last_time_dim2: String(D),
    cache_last_time_dim3: String(KERNEL - 1),
    pred_rnn_layers: String(PRED_LAYERS),
    pred_hidden: String(PRED_HIDDEN),
    subsampling_factor: '8',
    feat_dim: String(FEAT),
    model_type: 'EncDecHybridRNNTCTCBPEModel',
    version: '1',
    model_author: 'Murmur',
    comment: `Murmur synthetic Nemotron speech streaming en 0.6B dimensions, int8, seed ${options.seed}, random weights`,
  };
  const encoderBytes = g.model(
    [
      { name: 'audio_signal', type: 'float32', shape: ['batch', FEAT, 'time'] },
      { name: 'length', type: 'int64', shape: ['batch'] },
      { name: 'cache_last_channel', type: 'float32', shape: ['batch', layers, LEFT_CONTEXT, D] },
      { name: 'cache_last_time', type: 'float32', shape: ['batch', layers, D, KERNEL - 1] },
      { name: 'cache_last_channel_len', type: 'int64', shape: ['batch'] },
    ],
    [
      { name: 'outputs', type: 'float32', shape: ['batch', D, 'frames'] },
      { name: 'encoded_lengths', type: 'int64', shape: ['batch'] },
      { name: 'cache_last_channel_next', type: 'float32', shape: ['batch', layers, LEFT_CONTEXT, D] },
      { name: 'cache_last_time_next', type: 'float32', shape: ['batch', layers, D, KERNEL - 1] },
      { name: 'cache_last_channel_next_len', type: 'int64', shape: ['batch'] },
    ],
    metadata,
    17,
  );

  fs.mkdirSync(dir, { recursive: true });
  const files: SyntheticNemotron = {
    encoder: path.join(dir, 'encoder.int8.onnx'),
    decoder: path.join(dir, 'decoder.int8.onnx'),
    joiner: path.join(dir, 'joiner.int8.onnx'),
    tokens: path.join(dir, 'tokens.txt'),
    windowSize: window,
    chunkShift: chunk,
  };
  fs.writeFileSync(files.encoder, encoderBytes);
  fs.writeFileSync(files.decoder, writeLstmDecoder(random, VOCAB, PRED_HIDDEN, PRED_LAYERS));
  fs.writeFileSync(files.joiner, writeJoiner(random, { encDim: D, predHidden: PRED_HIDDEN, vocab: VOCAB, joint: PRED_HIDDEN }, { blankBias: options.blankBias ?? -1, blankSpread: 4 }));
  fs.writeFileSync(files.tokens, nemoTokens(VOCAB));
  return files;
}
