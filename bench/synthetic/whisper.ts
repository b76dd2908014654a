/**
 * A seeded synthetic Whisper model with sherpa-onnx's export contract (issue 17, point 4): the
 * encoder takes `mel` [1, n_mels, T] and returns `n_layer_cross_k` / `n_layer_cross_v`
 * [n_text_layer, 1, T, n_text_state]; the decoder takes `tokens`, the self-attention caches, the
 * cross caches and `offset`, and returns `logits` [1, n, n_vocab] and the caches; the encoder
 * carries the metadata sherpa-onnx reads (offline-whisper-model.cc) and tokens.txt holds base64
 * pieces. Random weights, small dimensions: no words, but token sequences that depend on the audio
 * and the previous token, so that equal tokens between two decoders mean equal computations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights } from './onnx-graph';

export interface SyntheticWhisperOptions {
  seed: number;
  nMels?: number;
  nTextState?: number;
  nTextLayer?: number;
  nTextCtx?: number;
  /** Text tokens (ids 0..textTokens-1); the special tokens follow. */
  textTokens?: number;
  languages?: string[];
  /** Metadata values to replace or add (tests of hostile model folders). */
  metadataOverrides?: Record<string, string>;
}

export interface SyntheticWhisper {
  encoder: string;
  decoder: string;
  tokens: string;
  /** The id of each special token. */
  special: { eot: number; sot: number; languages: Record<string, number>; transcribe: number; noTimestamps: number };
}

export function writeSyntheticWhisper(dir: string, options: SyntheticWhisperOptions): SyntheticWhisper {
  const random = mulberry32(options.seed);
  const nMels = options.nMels ?? 80;
  const d = options.nTextState ?? 64;
  const layers = options.nTextLayer ?? 2;
  const ctx = options.nTextCtx ?? 448;
  const text = options.textTokens ?? 4096;
  const languages = options.languages ?? ['en', 'de', 'fr'];
  const eot = text;
  const sot = text + 1;
  const lang0 = sot + 1;
  const translate = lang0 + languages.length;
  const transcribe = translate + 1;
  const sotLm = transcribe + 1;
  const sotPrev = sotLm + 1;
  const noSpeech = sotPrev + 1;
  const noTimestamps = noSpeech + 1;
  const vocab = noTimestamps + 1 + 1501; // timestamp tokens 0.00 s .. 30.00 s

  // Encoder: a projection of each mel frame, one scaled copy per layer.
  const enc = new GraphBuilder();
  const frames = enc.op('Transpose', ['mel'], { intLists: { perm: [0, 2, 1] } });
  const axis0 = enc.ints('axis0', [0]);
  for (const kind of ['k', 'v'] as const) {
    const w = enc.floats(`w_${kind}`, [nMels, d], randomWeights(random, nMels * d, 0.15));
    const h = enc.op('Tanh', [enc.op('MatMul', [frames, w])]);
    const one = enc.op('Unsqueeze', [h, axis0]);
    const copies = Array.from({ length: layers }, (_, l) => enc.op('Mul', [one, enc.floats(`scale_${kind}_${l}`, [1], Float32Array.of(1 + 0.5 * l))]));
    enc.op('Concat', copies, { ints: { axis: 0 } }, `n_layer_cross_${kind}`);
  }
  const metadata: Record<string, string> = {
    model_type: 'whisper-synthetic',
    comment: `Murmur synthetic Whisper, seed ${options.seed}, random weights`,
    n_mels: String(nMels),
    n_audio_ctx: '1500',
    n_audio_state: String(d),
    n_text_layer: String(layers),
    n_text_ctx: String(ctx),
    n_text_state: String(d),
    n_vocab: String(vocab),
    sot: String(sot),
    eot: String(eot),
    blank_id: String(eot + 0),
    translate: String(translate),
    transcribe: String(transcribe),
    sot_lm: String(sotLm),
    sot_prev: String(sotPrev),
    no_speech: String(noSpeech),
    no_timestamps: String(noTimestamps),
    is_multilingual: '1',
    sot_sequence: [sot, lang0, transcribe].join(','),
    all_language_tokens: languages.map((_, i) => lang0 + i).join(','),
    all_language_codes: languages.join(','),
  };
  Object.assign(metadata, options.metadataOverrides);
  const cross = (name: string): { name: string; type: 'float32'; shape: (number | string)[] } => ({ name, type: 'float32', shape: [layers, 1, 'T', d] });
  const encoderBytes = enc.model([{ name: 'mel', type: 'float32', shape: [1, nMels, 'T'] }], [cross('n_layer_cross_k'), cross('n_layer_cross_v')], metadata);

  // Decoder: the token's embedding plus a summary of the audio, projected to the vocabulary. The
  // end-of-text logit is lowered so that sequences run for a while before they end.
  const dec = new GraphBuilder();
  const embedding = dec.floats('embedding', [vocab, d], randomWeights(random, vocab * d, 1));
  const emb = dec.op('Gather', [embedding, 'tokens'], { ints: { axis: 0 } });
  const audioShape = dec.ints('audio_shape', [1, 1, d]);
  const summary = (input: string) => dec.op('Reshape', [dec.op('ReduceMean', [input], { intLists: { axes: [0, 2] }, ints: { keepdims: 1 } }), audioShape]);
  const audio = dec.op('Add', [summary('n_layer_cross_k'), summary('n_layer_cross_v')]);
  const scaled = dec.op('Mul', [audio, dec.floats('audio_gain', [1], Float32Array.of(8))]);
  // The position (offset) too, so that a sequence does not fall into a short cycle.
  const position = dec.op('Gather', [dec.floats('positions', [ctx, d], randomWeights(random, ctx * d, 0.7)), 'offset'], { ints: { axis: 0 } });
  const hidden = dec.op('Tanh', [dec.op('Add', [dec.op('Add', [emb, scaled]), position])]);
  const bias = randomWeights(random, vocab, 0.5);
  // Text tokens win most steps; the end of text is possible but late; other specials are rare.
  for (let id = text; id < vocab; id++) bias[id] -= id === eot ? 1.5 : 4;
  const logits = dec.op('MatMul', [hidden, dec.floats('w_out', [d, vocab], randomWeights(random, d * vocab, 0.6))]);
  dec.op('Add', [logits, dec.floats('b_out', [vocab], bias)], {}, 'logits');
  dec.op('Identity', ['in_n_layer_self_k_cache'], {}, 'out_n_layer_self_k_cache');
  dec.op('Identity', ['in_n_layer_self_v_cache'], {}, 'out_n_layer_self_v_cache');
  const selfCache = (name: string) => ({ name, type: 'float32' as const, shape: [layers, 1, ctx, d] });
  const decoderBytes = dec.model(
    [{ name: 'tokens', type: 'int64', shape: [1, 'n'] }, selfCache('in_n_layer_self_k_cache'), selfCache('in_n_layer_self_v_cache'), cross('n_layer_cross_k'), cross('n_layer_cross_v'), { name: 'offset', type: 'int64', shape: [1] }],
    [{ name: 'logits', type: 'float32', shape: [1, 'n', vocab] }, selfCache('out_n_layer_self_k_cache'), selfCache('out_n_layer_self_v_cache')],
    {},
  );

  // tokens.txt: "<base64 of the piece's bytes> <id>"; text pieces are short letter strings.
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const lines: string[] = [];
  for (let id = 0; id < vocab; id++) {
    // Three letters: every text piece is distinct, so pieces map back to ids unambiguously.
    const piece = id < text ? `${id % 3 === 0 ? ' ' : ''}${letters[id % 26]}${letters[Math.floor(id / 26) % 26]}${letters[Math.floor(id / 676) % 26]}` : `<|special${id}|>`;
    lines.push(`${Buffer.from(piece, 'utf8').toString('base64')} ${id}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const out: SyntheticWhisper = {
    encoder: path.join(dir, 'synthetic-encoder.onnx'),
    decoder: path.join(dir, 'synthetic-decoder.onnx'),
    tokens: path.join(dir, 'synthetic-tokens.txt'),
    special: { eot, sot, languages: Object.fromEntries(languages.map((l, i) => [l, lang0 + i])), transcribe, noTimestamps },
  };
  fs.writeFileSync(out.encoder, encoderBytes);
  fs.writeFileSync(out.decoder, decoderBytes);
  fs.writeFileSync(out.tokens, lines.join('\n') + '\n');
  return out;
}
