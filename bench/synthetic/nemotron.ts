/**
 * A seeded synthetic NeMo cache-aware streaming transducer with sherpa-onnx's export contract
 * (scripts/nemo/nemotron-speech-streaming-en-0.6b/export_onnx.py, online-transducer-nemo-model.cc),
 * issue 17, point 2:
 *
 *   encoder: audio_signal [N, feat_dim, T], length [N] int64, cache_last_channel [N, L, C, D],
 *            cache_last_time [N, L, D, K], cache_last_channel_len [N] int64
 *         -> outputs [N, D, T/8], encoded_lengths, and the three next caches (in that order);
 *            the metadata sherpa-onnx reads (window_size, chunk_shift, cache dims, pred_*, vocab_size...)
 *   decoder: targets [N, 1] int32, target_length [N] int32, LSTM h and c [layers, N, pred_hidden]
 *         -> outputs [N, pred_hidden, 1], prednet_lengths, next h and c (a real ONNX LSTM per layer)
 *   joiner:  encoder_outputs [N, D, 1], decoder_outputs [N, pred_hidden, 1] -> outputs [N, 1, 1, vocab + 1]
 *
 * Small dimensions and random weights: no words, but tokens that depend on the audio, on the
 * previous tokens (LSTM) and on earlier chunks: each layer attends over its chunk plus the
 * `cache_last_channel` rows of earlier chunks, runs a causal depthwise convolution whose left
 * context is `cache_last_time`, and `cache_last_channel_len` enters the output. A decoder that
 * passed the caches wrongly would get other tokens.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights } from './onnx-graph';

export interface SyntheticNemotronOptions {
  seed: number;
  featDim?: number;
  layers?: number;
  dModel?: number;
  /** last_channel_cache_size: attention rows kept from earlier chunks. */
  cacheSize?: number;
  /** conv_context_size[0]: the convolution's left context (kernel - 1). */
  convContext?: number;
  /** Feature frames per chunk (chunk_shift); a multiple of 8. */
  chunkShift?: number;
  /** Frames of the previous chunk each window repeats (pre_encode_cache_size). */
  preEncodeCache?: number;
  predHidden?: number;
  predLayers?: number;
  /** Tokens without the blank (NeMo's vocab_size); the blank is id vocab. */
  vocab?: number;
  /** Added to the blank's logit: higher, fewer tokens. */
  blankBias?: number;
  /** Spread of the blank's logit over (frame, decoder state) pairs. */
  blankSpread?: number;
}

export interface SyntheticNemotron {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  windowSize: number;
  chunkShift: number;
}

const SUBSAMPLING = 8;

export function writeSyntheticNemotron(dir: string, options: SyntheticNemotronOptions): SyntheticNemotron {
  const random = mulberry32(options.seed);
  const f = options.featDim ?? 80;
  const layers = options.layers ?? 2;
  const d = options.dModel ?? 48;
  const c = options.cacheSize ?? 24;
  const k = options.convContext ?? 8;
  const shift = options.chunkShift ?? 16;
  const pre = options.preEncodeCache ?? 9;
  const h = options.predHidden ?? 32;
  const predLayers = options.predLayers ?? 2;
  const vocab = options.vocab ?? 96;
  const window = shift + pre;
  const out = shift / SUBSAMPLING;
  if (!Number.isInteger(out) || out < 1) throw new Error(`chunkShift ${shift} is not a positive multiple of ${SUBSAMPLING}`);

  // Encoder.
  const enc = new GraphBuilder();
  const frames = enc.op('Transpose', ['audio_signal'], { intLists: { perm: [0, 2, 1] } });
  // Log-mel levels depend on loudness: centre each frame so the weights see its shape.
  const centred = enc.op('Sub', [frames, enc.op('ReduceMean', [frames], { intLists: { axes: [2] }, ints: { keepdims: 1 } })]);
  const chunk = enc.op('Slice', [centred, enc.ints('chunk_start', [pre]), enc.ints('chunk_end', [window]), enc.ints('axis1', [1])]);
  const stacked = enc.op('Reshape', [chunk, enc.ints('stack_shape', [1, out, SUBSAMPLING * f])]);
  const windowMean = enc.op('ReduceMean', [centred], { intLists: { axes: [1] }, ints: { keepdims: 1 } });
  let x = enc.op('Tanh', [
    enc.op('Add', [
      enc.op('MatMul', [stacked, enc.floats('w_in', [SUBSAMPLING * f, d], randomWeights(random, SUBSAMPLING * f * d, 0.6 / Math.sqrt(SUBSAMPLING * f)))]),
      enc.op('MatMul', [windowMean, enc.floats('w_window', [f, d], randomWeights(random, f * d, 0.6 / Math.sqrt(f)))]),
    ]),
  ]);
  const cachedRows = enc.op('Cast', ['cache_last_channel_len'], { ints: { to: 1 } });
  const lenTerm = enc.op('Mul', [enc.op('Reshape', [cachedRows, enc.ints('len_shape', [1, 1, 1])]), enc.floats('len_gain', [d], randomWeights(random, d, 0.3 / c))]);
  x = enc.op('Add', [x, lenTerm]);
  const nextChannel: string[] = [];
  const nextTime: string[] = [];
  const axis1 = enc.ints('unsqueeze_axis1', [1]);
  for (let l = 0; l < layers; l++) {
    const index = enc.ints(`layer_${l}`, [l]);
    const cached = enc.op('Reshape', [enc.op('Gather', ['cache_last_channel', index], { ints: { axis: 1 } }), enc.ints(`channel_shape_${l}`, [1, c, d])]);
    const keys = enc.op('Concat', [cached, x], { ints: { axis: 1 } });
    nextChannel.push(enc.op('Unsqueeze', [enc.op('Slice', [keys, enc.ints(`keep_start_${l}`, [out]), enc.ints(`keep_end_${l}`, [c + out]), enc.ints(`keep_axis_${l}`, [1])]), axis1]));
    const scale = 1 / Math.sqrt(d);
    const q = enc.op('MatMul', [x, enc.floats(`wq_${l}`, [d, d], randomWeights(random, d * d, 2 / Math.sqrt(d)))]);
    const kk = enc.op('MatMul', [keys, enc.floats(`wk_${l}`, [d, d], randomWeights(random, d * d, 2 / Math.sqrt(d)))]);
    const v = enc.op('MatMul', [keys, enc.floats(`wv_${l}`, [d, d], randomWeights(random, d * d, 1.5 / Math.sqrt(d)))]);
    const scores = enc.op('Mul', [enc.op('MatMul', [q, enc.op('Transpose', [kk], { intLists: { perm: [0, 2, 1] } })]), enc.floats(`scale_${l}`, [1], Float32Array.of(scale))]);
    const attended = enc.op('MatMul', [enc.op('Softmax', [scores], { ints: { axis: -1 } }), v]);
    const afterAttention = enc.op('Add', [x, enc.op('MatMul', [attended, enc.floats(`wo_${l}`, [d, d], randomWeights(random, d * d, 1 / Math.sqrt(d)))])]);
    // Causal depthwise convolution: the last K inputs of earlier chunks, then this chunk's.
    const channelsFirst = enc.op('Transpose', [afterAttention], { intLists: { perm: [0, 2, 1] } });
    const timeCache = enc.op('Reshape', [enc.op('Gather', ['cache_last_time', index], { ints: { axis: 1 } }), enc.ints(`time_shape_${l}`, [1, d, k])]);
    const convIn = enc.op('Concat', [timeCache, channelsFirst], { ints: { axis: 2 } });
    nextTime.push(enc.op('Unsqueeze', [enc.op('Slice', [convIn, enc.ints(`time_start_${l}`, [out]), enc.ints(`time_end_${l}`, [k + out]), enc.ints(`time_axis_${l}`, [2])]), axis1]));
    const conv = enc.op('Conv', [convIn, enc.floats(`conv_${l}`, [d, 1, k + 1], randomWeights(random, d * (k + 1), 1 / Math.sqrt(k + 1)))], { ints: { group: d }, intLists: { kernel_shape: [k + 1] } });
    x = enc.op('Tanh', [enc.op('Add', [afterAttention, enc.op('Transpose', [conv], { intLists: { perm: [0, 2, 1] } })])]);
  }
  enc.op('Transpose', [x], { intLists: { perm: [0, 2, 1] } }, 'outputs');
  enc.op('Sub', ['length', enc.ints('dropped_frames', [window - out])], {}, 'encoded_lengths');
  enc.op('Concat', nextChannel, { ints: { axis: 1 } }, 'cache_last_channel_next');
  enc.op('Concat', nextTime, { ints: { axis: 1 } }, 'cache_last_time_next');
  enc.op('Min', [enc.op('Add', ['cache_last_channel_len', enc.ints('out_frames', [out])]), enc.ints('cache_rows', [c])], {}, 'cache_last_channel_next_len');
  const metadata: Record<string, string> = {
    vocab_size: String(vocab),
    window_size: String(window),
    chunk_shift: String(shift),
    normalize_type: '',
    cache_last_channel_dim1: String(layers),
    cache_last_channel_dim2: String(c),
    cache_last_channel_dim3: String(d),
    cache_last_time_dim1: String(layers),
    cache_last_time_dim2: String(d),
    cache_last_time_dim3: String(k),
    pred_rnn_layers: String(predLayers),
    pred_hidden: String(h),
    subsampling_factor: String(SUBSAMPLING),
    feat_dim: String(f),
    model_type: 'EncDecHybridRNNTCTCBPEModel',
    version: '1',
    model_author: 'Murmur',
    comment: `Murmur synthetic cache-aware streaming NeMo transducer, seed ${options.seed}, random weights`,
  };
  const encoderBytes = enc.model(
    [
      { name: 'audio_signal', type: 'float32', shape: ['batch', f, 'time'] },
      { name: 'length', type: 'int64', shape: ['batch'] },
      { name: 'cache_last_channel', type: 'float32', shape: ['batch', layers, c, d] },
      { name: 'cache_last_time', type: 'float32', shape: ['batch', layers, d, k] },
      { name: 'cache_last_channel_len', type: 'int64', shape: ['batch'] },
    ],
    [
      { name: 'outputs', type: 'float32', shape: ['batch', d, 'frames'] },
      { name: 'encoded_lengths', type: 'int64', shape: ['batch'] },
      { name: 'cache_last_channel_next', type: 'float32', shape: ['batch', layers, c, d] },
      { name: 'cache_last_time_next', type: 'float32', shape: ['batch', layers, d, k] },
      { name: 'cache_last_channel_next_len', type: 'int64', shape: ['batch'] },
    ],
    metadata,
  );

  const decoderBytes = writeLstmDecoder(random, vocab, h, predLayers);
  const joinerBytes = writeJoiner(random, { encDim: d, predHidden: h, vocab, joint: 64 }, { blankBias: options.blankBias ?? 0.5, blankSpread: options.blankSpread ?? 4 });

  fs.mkdirSync(dir, { recursive: true });
  const files: SyntheticNemotron = {
    encoder: path.join(dir, 'encoder.onnx'),
    decoder: path.join(dir, 'decoder.onnx'),
    joiner: path.join(dir, 'joiner.onnx'),
    tokens: path.join(dir, 'tokens.txt'),
    windowSize: window,
    chunkShift: shift,
  };
  fs.writeFileSync(files.encoder, encoderBytes);
  fs.writeFileSync(files.decoder, decoderBytes);
  fs.writeFileSync(files.joiner, joinerBytes);
  fs.writeFileSync(files.tokens, nemoTokens(vocab));
  return files;
}

/**
 * NeMo's RNNT prediction network as exported (rnnt decoder with its states): embedding (the blank
 * row zero, NeMo's blank_as_pad), `layers` LSTMs of `hidden` units. Its output is the last LSTM's,
 * followed by a one-hot row of the input token ([N, hidden + vocab + 1, 1]), which the synthetic
 * joiner uses so that a token is not emitted twice in a row (random LSTMs fall into fixed points
 * that would otherwise repeat one token up to sherpa-onnx's 10 symbols per frame).
 */
export function writeLstmDecoder(random: () => number, vocab: number, hidden: number, layers: number): Uint8Array {
  const g = new GraphBuilder();
  const table = randomWeights(random, (vocab + 1) * hidden, 1);
  table.fill(0, vocab * hidden);
  const embedded = g.op('Gather', [g.floats('embedding', [vocab + 1, hidden], table), 'targets'], { ints: { axis: 0 } });
  let x = g.op('Transpose', [embedded], { intLists: { perm: [1, 0, 2] } });
  const hs: string[] = [];
  const cs: string[] = [];
  const axis0 = g.ints('axis0', [0]);
  for (let l = 0; l < layers; l++) {
    const from = g.ints(`from_${l}`, [l]);
    const to = g.ints(`to_${l}`, [l + 1]);
    const h0 = g.op('Slice', ['states.1', from, to, axis0]);
    const c0 = g.op('Slice', ['onnx::Slice_3', from, to, axis0]);
    const s = 1.5 / Math.sqrt(hidden);
    const w = g.floats(`lstm_w_${l}`, [1, 4 * hidden, hidden], randomWeights(random, 4 * hidden * hidden, s));
    const r = g.floats(`lstm_r_${l}`, [1, 4 * hidden, hidden], randomWeights(random, 4 * hidden * hidden, s));
    const b = g.floats(`lstm_b_${l}`, [1, 8 * hidden], randomWeights(random, 8 * hidden, 0.2));
    const [y, yh, yc] = g.multi('LSTM', [x, w, r, b, '', h0, c0], 3, { ints: { hidden_size: hidden } });
    x = g.op('Squeeze', [y, g.ints(`squeeze_${l}`, [1])]);
    hs.push(yh);
    cs.push(yc);
  }
  const identity = new Float32Array((vocab + 1) * (vocab + 1));
  // The blank (the start) holds nothing back.
  for (let i = 0; i < vocab; i++) identity[i * (vocab + 1) + i] = 1;
  const oneHot = g.op('Transpose', [g.op('Gather', [g.floats('one_hot', [vocab + 1, vocab + 1], identity), 'targets'], { ints: { axis: 0 } })], { intLists: { perm: [0, 2, 1] } });
  const lstmOut = g.op('Transpose', [x], { intLists: { perm: [1, 2, 0] } });
  g.op('Concat', [lstmOut, oneHot], { ints: { axis: 1 } }, 'outputs');
  g.op('Identity', ['target_length'], {}, 'prednet_lengths');
  g.op('Concat', hs, { ints: { axis: 0 } }, 'states');
  g.op('Concat', cs, { ints: { axis: 0 } }, '162');
  return g.model(
    [
      { name: 'targets', type: 'int32', shape: ['batch', 1] },
      { name: 'target_length', type: 'int32', shape: ['batch'] },
      { name: 'states.1', type: 'float32', shape: [layers, 'batch', hidden] },
      { name: 'onnx::Slice_3', type: 'float32', shape: [layers, 'batch', hidden] },
    ],
    [
      { name: 'outputs', type: 'float32', shape: ['batch', hidden + vocab + 1, 1] },
      { name: 'prednet_lengths', type: 'int32', shape: ['batch'] },
      { name: 'states', type: 'float32', shape: [layers, 'batch', hidden] },
      { name: '162', type: 'float32', shape: [layers, 'batch', hidden] },
    ],
    {},
  );
}

export interface JoinerShape {
  encDim: number;
  predHidden: number;
  vocab: number;
  /** Width of the joint's hidden layer. */
  joint: number;
}

export interface JoinerGains {
  /** Added to the blank's logit: higher, fewer tokens. */
  blankBias: number;
  /** Spread of the blank's logit over (frame, decoder state) pairs. */
  blankSpread: number;
}

/**
 * NeMo's RNNT joint (project both, add, tanh, project to vocab + blank), plus what makes random
 * weights emit like a model: the blank's logit is a function of the frame plus a bilinear one of
 * the frame and the LSTM state, so frames differ and every emission (a new state) redraws whether
 * the frame emits again; the token just emitted is held back. Tokens come at a varied rate, neither all blank nor one per frame.
 */
export function writeJoiner(random: () => number, shape: JoinerShape, gains: JoinerGains): Uint8Array {
  const { encDim, predHidden, vocab, joint } = shape;
  const g = new GraphBuilder();
  const perm = { intLists: { perm: [0, 2, 1] } };
  const frames = g.op('Transpose', ['encoder_outputs'], perm);
  const dec = g.op('Transpose', ['decoder_outputs'], perm);
  const lastAxis = g.ints('last_axis', [2]);
  const lstm = g.op('Slice', [dec, g.ints('lstm_from', [0]), g.ints('lstm_to', [predHidden]), lastAxis]);
  const lastToken = g.op('Slice', [dec, g.ints('token_from', [predHidden]), g.ints('token_to', [predHidden + vocab + 1]), lastAxis]);
  const axis2 = g.ints('axis2', [2]);
  const axis1 = g.ints('axis1', [1]);
  const e = g.op('Unsqueeze', [g.op('MatMul', [frames, g.floats('w_enc', [encDim, joint], randomWeights(random, encDim * joint, 2 / Math.sqrt(encDim)))]), axis2]);
  const p = g.op('Unsqueeze', [g.op('MatMul', [lstm, g.floats('w_pred', [predHidden, joint], randomWeights(random, predHidden * joint, 2 / Math.sqrt(predHidden)))]), axis1]);
  const hidden = g.op('Tanh', [g.op('Add', [e, p])]);
  const tokens = g.op('MatMul', [hidden, g.floats('w_out', [joint, vocab + 1], randomWeights(random, joint * (vocab + 1), 1.5 / Math.sqrt(joint)))]);
  const e2 = g.op('Unsqueeze', [g.op('MatMul', [frames, g.floats('w_enc_blank', [encDim, joint], randomWeights(random, encDim * joint, 2 / Math.sqrt(encDim)))]), axis2]);
  const p2 = g.op('Unsqueeze', [g.op('MatMul', [lstm, g.floats('w_pred_blank', [predHidden, joint], randomWeights(random, predHidden * joint, 2 / Math.sqrt(predHidden)))]), axis1]);
  const agreement = g.op('ReduceSum', [g.op('Mul', [g.op('Tanh', [e2]), g.op('Add', [g.op('Tanh', [p2]), g.floats('frame_only', [joint], randomWeights(random, joint, 1))])]), g.ints('joint_axis', [3])], { ints: { keepdims: 1 } });
  const toBlank = new Float32Array(vocab + 1);
  toBlank[vocab] = gains.blankSpread / Math.sqrt(joint);
  const blank = g.op('MatMul', [agreement, g.floats('to_blank', [1, vocab + 1], toBlank)]);
  const lastRow = g.op('Unsqueeze', [lastToken, axis1]);
  const held = g.op('Mul', [lastRow, g.floats('hold_back', [1], Float32Array.of(-8))]);
  // A frame that still prefers the token just emitted has been consumed: its blank rises with that
  // token's logit, as a trained joint's does after the frame's label.
  const consumed = g.op('ReduceSum', [g.op('Mul', [tokens, lastRow]), g.ints('vocab_axis', [3])], { ints: { keepdims: 1 } });
  const consumedToBlank = new Float32Array(vocab + 1);
  consumedToBlank[vocab] = 3;
  const blankConsumed = g.op('MatMul', [consumed, g.floats('consumed_to_blank', [1, vocab + 1], consumedToBlank)]);
  const bias = randomWeights(random, vocab + 1, 0.3);
  bias[vocab] = gains.blankBias;
  const logits = g.op('Add', [g.op('Add', [g.op('Add', [tokens, blank]), held]), blankConsumed]);
  g.op('Add', [logits, g.floats('b_out', [vocab + 1], bias)], {}, 'outputs');
  return g.model(
    [
      { name: 'encoder_outputs', type: 'float32', shape: ['batch', encDim, 'frames'] },
      { name: 'decoder_outputs', type: 'float32', shape: ['batch', predHidden + vocab + 1, 'labels'] },
    ],
    [{ name: 'outputs', type: 'float32', shape: ['batch', 'frames', 'labels', vocab + 1] }],
    {},
  );
}

/** tokens.txt as NeMo's export writes it: <unk> first, SentencePiece pieces, <blk> last. */
export function nemoTokens(vocab: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const lines = ['<unk> 0'];
  for (let id = 1; id < vocab; id++) {
    // Base-26 spelling of the id: every piece distinct.
    let piece = '';
    for (let n = id; n > 0; n = Math.floor(n / 26)) piece += letters[n % 26];
    lines.push(`${id % 3 === 1 ? '\u2581' : ''}${piece} ${id}`);
  }
  lines.push(`<blk> ${vocab}`);
  return lines.join('\n') + '\n';
}
