/**
 * A seeded synthetic NeMo TDT transducer (Parakeet TDT) with sherpa-onnx's export contract
 * (scripts/nemo/parakeet-tdt-0.6b-v3/export_onnx.py; issue 17, points 1 and 4):
 * - encoder: `audio_signal` [B, feat_dim, T] float32 and `length` [B] int64 -> `outputs`
 *   [B, D, T'] and `encoded_lengths` [B] int64, T' from three stride-2 convolutions (8x subsampling,
 *   as FastConformer's), carrying the metadata sherpa-onnx reads (vocab_size without the blank,
 *   normalize_type, pred_rnn_layers, pred_hidden, subsampling_factor, feat_dim, and a url naming
 *   "tdt", which is how sherpa-onnx tells a TDT model);
 * - decoder: `targets` [B, 1] int32, `target_length` [B] int32 and the LSTM states h, c
 *   [pred_rnn_layers, B, pred_hidden] -> `outputs` [B, pred_hidden, 1], `prednet_lengths` and the
 *   next states (a real embedding + stacked ONNX LSTM);
 * - joiner: `encoder_outputs` [B, D, 1], `decoder_outputs` [B, pred_hidden, 1] -> `outputs`
 *   [B, 1, 1, vocab + 1 + durations]: token logits (blank last) then TDT duration logits;
 * - tokens.txt: SentencePiece pieces (U+2581 word starts), `<unk>` first, `<blk>` last.
 * Random weights at small dimensions: no words, but tokens that depend on the audio and on the
 * previous tokens, with durations 0..4 all in use, so equal tokens between two decoders mean equal
 * feature extraction, encoder runs and TDT search.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights, type ValueSpec } from './onnx-graph';

export interface SyntheticParakeetOptions {
  seed: number;
  /** Mel bins: 128 as Parakeet TDT 0.6B, 80 as most NeMo models. */
  featDim?: number;
  /** Tokens without the blank (NeMo's vocab_size). */
  vocab?: number;
  dModel?: number;
  predHidden?: number;
  predLayers?: number;
  joint?: number;
  durations?: number[];
  /** Written as metadata normalize_type ('' = none). */
  normalizeType?: string;
  /** Added to the blank logit: higher gives fewer tokens. */
  blankBias?: number;
}

export interface SyntheticParakeet {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  vocab: number;
  featDim: number;
}

export const PARAKEET_FILE_NAMES = { encoder: 'encoder.int8.onnx', decoder: 'decoder.int8.onnx', joiner: 'joiner.int8.onnx', tokens: 'tokens.txt' } as const;

/** The metadata sherpa-onnx's export writes on the encoder (export_onnx.py). */
export function parakeetMetadata(o: { vocab: number; featDim: number; predLayers: number; predHidden: number; normalizeType: string; comment: string }): Record<string, string> {
  return {
    vocab_size: String(o.vocab),
    normalize_type: o.normalizeType,
    pred_rnn_layers: String(o.predLayers),
    pred_hidden: String(o.predHidden),
    subsampling_factor: '8',
    model_type: 'EncDecRNNTBPEModel',
    version: '2',
    model_author: 'NeMo',
    url: 'https://huggingface.co/nvidia/parakeet-tdt-0.6b-v3',
    comment: o.comment,
    feat_dim: String(o.featDim),
  };
}

/** Encoder length arithmetic of three stride-2, kernel-3, padding-1 convolutions: l -> (l - 1) / 2 + 1, thrice. */
export function subsampledLengths(g: GraphBuilder, length: string): string {
  const one = g.ints('len_one', [1]);
  const two = g.ints('len_two', [2]);
  let l = length;
  for (let i = 0; i < 3; i++) l = g.op('Add', [g.op('Div', [g.op('Sub', [l, one]), two]), one]);
  return g.op('Identity', [l], {}, 'encoded_lengths');
}

/** The LSTM prediction network (NeMo RNNTDecoder): embedding, stacked single-direction LSTMs. */
export function writeParakeetDecoder(random: () => number, vocab: number, hidden: number, layers: number, weightScale: number): Uint8Array {
  const g = new GraphBuilder();
  const embedding = g.floats('embedding', [vocab + 1, hidden], randomWeights(random, (vocab + 1) * hidden, 1));
  const emb = g.op('Gather', [embedding, 'targets'], { ints: { axis: 0 } });
  let x = g.op('Transpose', [emb], { intLists: { perm: [1, 0, 2] } });
  const axis1 = g.ints('axis1', [1]);
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < layers; l++) {
    const index = g.ints(`layer${l}`, [l]);
    const h0 = g.op('Gather', ['states.1', index], { ints: { axis: 0 } });
    const c0 = g.op('Gather', ['onnx::Slice_3', index], { ints: { axis: 0 } });
    const w = g.floats(`lstm${l}_w`, [1, 4 * hidden, hidden], randomWeights(random, 4 * hidden * hidden, weightScale));
    const r = g.floats(`lstm${l}_r`, [1, 4 * hidden, hidden], randomWeights(random, 4 * hidden * hidden, weightScale));
    const b = g.floats(`lstm${l}_b`, [1, 8 * hidden], randomWeights(random, 8 * hidden, 0.1));
    const [y, yh, yc] = g.multi('LSTM', [x, w, r, b, '', h0, c0], 3, { ints: { hidden_size: hidden } });
    hs.push(yh);
    cs.push(yc);
    x = g.op('Squeeze', [y, axis1]);
  }
  g.op('Transpose', [x], { intLists: { perm: [1, 2, 0] } }, 'outputs');
  g.op('Identity', ['target_length'], {}, 'prednet_lengths');
  g.op('Concat', hs, { ints: { axis: 0 } }, 'states');
  g.op('Concat', cs, { ints: { axis: 0 } }, '162');
  const state = (name: string): ValueSpec => ({ name, type: 'float32', shape: [layers, 'batch', hidden] });
  return g.model(
    [{ name: 'targets', type: 'int32', shape: ['batch', 1] }, { name: 'target_length', type: 'int32', shape: ['batch'] }, state('states.1'), state('onnx::Slice_3')],
    [{ name: 'outputs', type: 'float32', shape: ['batch', hidden, 1] }, { name: 'prednet_lengths', type: 'int32', shape: ['batch'] }, state('states'), state('162')],
    {},
  );
}

/** SentencePiece-like pieces: `<unk>`, then word starts (U+2581) and word pieces, all distinct. */
export function parakeetPieces(random: () => number, vocab: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const pieces = ['<unk>'];
  const seen = new Set(pieces);
  while (pieces.length < vocab) {
    const len = 1 + Math.floor(random() * 4);
    let p = random() < 0.45 ? '\u2581' : '';
    for (let i = 0; i < len; i++) p += letters[Math.floor(random() * 26)];
    if (!seen.has(p)) {
      seen.add(p);
      pieces.push(p);
    }
  }
  return pieces;
}

export function writeTokens(file: string, pieces: string[]): void {
  fs.writeFileSync(file, [...pieces.map((p, i) => `${p} ${i}`), `<blk> ${pieces.length}`].join('\n') + '\n');
}

export function writeSyntheticParakeet(dir: string, options: SyntheticParakeetOptions): SyntheticParakeet {
  const random = mulberry32(options.seed);
  const featDim = options.featDim ?? 128;
  const vocab = options.vocab ?? 500;
  const d = options.dModel ?? 64;
  const hidden = options.predHidden ?? 48;
  const layers = options.predLayers ?? 2;
  const joint = options.joint ?? 64;
  const durations = options.durations ?? [0, 1, 2, 3, 4];
  const normalizeType = options.normalizeType ?? 'per_feature';

  // Encoder: three stride-2 convolutions over time (8x subsampling), tanh between them.
  const enc = new GraphBuilder();
  let x = 'audio_signal';
  let channels = featDim;
  for (let i = 0; i < 3; i++) {
    const out = i === 2 ? d : 2 * d;
    const w = enc.floats(`conv${i}_w`, [out, channels, 3], randomWeights(random, out * channels * 3, 1.6 / Math.sqrt(channels * 3)));
    const b = enc.floats(`conv${i}_b`, [out], randomWeights(random, out, 0.2));
    x = enc.op('Tanh', [enc.op('Conv', [x, w, b], { intLists: { kernel_shape: [3], strides: [2], pads: [1, 1] } })]);
    channels = out;
  }
  enc.op('Mul', [x, enc.floats('out_gain', [1], Float32Array.of(1.5))], {}, 'outputs');
  subsampledLengths(enc, 'length');
  const metadata = parakeetMetadata({ vocab, featDim, predLayers: layers, predHidden: hidden, normalizeType, comment: `Murmur synthetic Parakeet TDT, seed ${options.seed}, random weights` });
  const encoderBytes = enc.model(
    [{ name: 'audio_signal', type: 'float32', shape: ['batch', featDim, 'time'] }, { name: 'length', type: 'int64', shape: ['batch'] }],
    [{ name: 'outputs', type: 'float32', shape: ['batch', d, 'time_out'] }, { name: 'encoded_lengths', type: 'int64', shape: ['batch'] }],
    metadata,
  );

  const decoderBytes = writeParakeetDecoder(random, vocab, hidden, layers, 0.5);

  // Joiner: NeMo's joint, enc and pred projected to the joint space, added, then one projection to
  // token logits (blank last) and duration logits.
  const j = new GraphBuilder();
  const outSize = vocab + 1 + durations.length;
  const project = (input: string, dim: number, name: string, scale: number) =>
    j.op('MatMul', [j.op('Transpose', [input], { intLists: { perm: [0, 2, 1] } }), j.floats(`${name}_w`, [dim, joint], randomWeights(random, dim * joint, scale / Math.sqrt(dim)))]);
  const sum = j.op('Add', [project('encoder_outputs', d, 'enc', 3), project('decoder_outputs', hidden, 'pred', 2.5)]);
  const h = j.op('Tanh', [sum]);
  const bias = randomWeights(random, outSize, 0.3);
  bias[vocab] += options.blankBias ?? 1.5;
  const logits = j.op('Add', [j.op('MatMul', [h, j.floats('out_w', [joint, outSize], randomWeights(random, joint * outSize, 3 / Math.sqrt(joint)))]), j.floats('out_b', [outSize], bias)]);
  j.op('Unsqueeze', [logits, j.ints('axis2', [2])], {}, 'outputs');
  const joinerBytes = j.model(
    [{ name: 'encoder_outputs', type: 'float32', shape: ['batch', d, 1] }, { name: 'decoder_outputs', type: 'float32', shape: ['batch', hidden, 1] }],
    [{ name: 'outputs', type: 'float32', shape: ['batch', 1, 1, outSize] }],
    {},
  );

  fs.mkdirSync(dir, { recursive: true });
  const out: SyntheticParakeet = {
    encoder: path.join(dir, PARAKEET_FILE_NAMES.encoder),
    decoder: path.join(dir, PARAKEET_FILE_NAMES.decoder),
    joiner: path.join(dir, PARAKEET_FILE_NAMES.joiner),
    tokens: path.join(dir, PARAKEET_FILE_NAMES.tokens),
    vocab,
    featDim,
  };
  fs.writeFileSync(out.encoder, encoderBytes);
  fs.writeFileSync(out.decoder, decoderBytes);
  fs.writeFileSync(out.joiner, joinerBytes);
  writeTokens(out.tokens, parakeetPieces(random, vocab));
  return out;
}
