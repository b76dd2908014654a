/**
 * A synthetic Whisper with the real dimensions of Whisper tiny (multilingual), for honest cost
 * measurements (npm run bench -- whisper): random weights, sherpa-onnx's export contract (inputs,
 * outputs, metadata, base64 tokens.txt), int8 as sherpa-onnx's export quantises it.
 *
 * Real: n_mels 80; conv1 80->384 (kernel 3, stride 1) and conv2 384->384 (kernel 3, stride 2), so
 * 3000 mel frames give 1500 audio frames; 4 encoder and 4 decoder blocks of width 384 with 6 heads
 * of 64 over the real sequence lengths (T/2 audio frames; the text so far, up to n_text_ctx 448);
 * FFN 384->1536->384; cross-attention K/V for every decoder layer computed by the encoder; the self
 * K/V caches [4, 1, 448, 384] written at `offset` and attended up to offset + n; a 51865-token
 * embedding and a 384 x 51865 output projection; 99 language tokens at Whisper's ids.
 * Quantised as onnxruntime's quantize_dynamic(op_types_to_quantize=["MatMul"], QInt8) leaves a
 * graph: every MatMul with a weight is DynamicQuantizeLinear + MatMulInteger (int8 weights, zero
 * point 0) + Cast + Mul by the two scales; convolutions, embeddings and the attention products of
 * activations stay float32.
 *
 * Other sizes (WhisperDims) give cheaper models of the same architecture for tests, also float32.
 *
 * Simplified (cost-neutral or cheaper, said here so no one mistakes it for Whisper): the activation
 * is x * sigmoid(1.702 x) (GELU's common approximation); no causal mask among the prompt tokens of
 * the first decoder run (the later runs feed one token, where none is needed); the output
 * projection is its own int8 matrix instead of the transposed token embedding; the encoder's
 * positional embedding is random instead of sinusoidal; tokens.txt lists the 50257 text tokens as
 * short distinct letter strings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32 } from '../../test/helpers/random';
import { GraphBuilder, randomWeights } from './onnx-graph';

const N_MELS = 80;
const AUDIO_CTX = 1500;
const TEXT_CTX = 448;
const VOCAB = 51865;
const EOT = 50257;
const SOT = 50258;
const FIRST_LANGUAGE = 50259;
const TRANSLATE = 50358;
const TRANSCRIBE = 50359;
const SOT_LM = 50360;
const SOT_PREV = 50361;
const NO_SPEECH = 50362;
const NO_TIMESTAMPS = 50363;

/** Whisper's 99 languages, in its token order. */
export const WHISPER_LANGUAGES =
  'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su'.split(
    ' ',
  );

export interface RealWhisperFiles {
  dir: string;
  encoder: string;
  decoder: string;
  tokens: string;
}

/** The sizes that set the cost; Whisper tiny's by default. */
export interface WhisperDims {
  state: number;
  heads: number;
  ffn: number;
  encoderLayers: number;
  decoderLayers: number;
  /** Weights of MatMuls int8 as quantize_dynamic leaves them; false: float32 MatMuls. */
  int8: boolean;
}

export const TINY_DIMS: WhisperDims = { state: 384, heads: 6, ffn: 1536, encoderLayers: 4, decoderLayers: 4, int8: true };

type Random = () => number;
/** The sizes of the model being written (set by writeRealWhisper; the builders below read it). */
let dims: WhisperDims = TINY_DIMS;

/** The ops quantize_dynamic puts in place of MatMul(x, W) (+ bias): x [.., K] -> [.., N]. */
function quantizedLinear(g: GraphBuilder, random: Random, name: string, x: string, k: number, n: number, bias = true): string {
  if (!dims.int8) {
    const product = g.op('MatMul', [x, g.floats(`${name}.w`, [k, n], randomWeights(random, k * n, 1 / Math.sqrt(k)))]);
    return bias ? g.op('Add', [product, g.floats(`${name}.b`, [n], randomWeights(random, n, 0.1))]) : product;
  }
  const weights = new Int8Array(k * n);
  for (let i = 0; i < weights.length; i++) weights[i] = Math.round((random() + random() + random() - 1.5) * 127 * 0.66);
  const w = g.bytes(`${name}.w`, [k, n], 'int8', weights);
  const wZero = g.bytes(`${name}.w_zero`, [], 'int8', Int8Array.of(0));
  // Scale so that a weight is about 1/sqrt(K): activations keep their size layer after layer.
  const wScale = g.floats(`${name}.w_scale`, [], Float32Array.of(1 / (127 * 0.5 * Math.sqrt(k))));
  const [xq, xScale, xZero] = g.multi('DynamicQuantizeLinear', [x], 3);
  const product = g.op('MatMulInteger', [xq, w, xZero, wZero]);
  const scaled = g.op('Mul', [g.op('Cast', [product], { ints: { to: 1 } }), g.op('Mul', [xScale, wScale])]);
  return bias ? g.op('Add', [scaled, g.floats(`${name}.b`, [n], randomWeights(random, n, 0.1))]) : scaled;
}

function layerNorm(g: GraphBuilder, name: string, x: string): string {
  return g.op('LayerNormalization', [x, g.floats(`${name}.gamma`, [dims.state], new Float32Array(dims.state).fill(1)), g.floats(`${name}.beta`, [dims.state], new Float32Array(dims.state))]);
}

function gelu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.floats(g.name('gelu_k'), [], Float32Array.of(1.702))])])]);
}

/** Multi-head attention of q [1, n, dims.state] over k, v [1, S, dims.state]. */
function attention(g: GraphBuilder, q: string, k: string, v: string): string {
  const heads = g.ints(g.name('heads_shape'), [1, -1, dims.heads, dims.state / dims.heads]);
  const split = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, heads])], { intLists: { perm } });
  const scores = g.op('Mul', [g.op('MatMul', [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])]), g.floats(g.name('scale'), [], Float32Array.of(1 / Math.sqrt(dims.state / dims.heads)))]);
  const mixed = g.op('MatMul', [g.op('Softmax', [scores]), split(v, [0, 2, 1, 3])]);
  return g.op('Reshape', [g.op('Transpose', [mixed], { intLists: { perm: [0, 2, 1, 3] } }), g.ints(g.name('merge_shape'), [1, -1, dims.state])]);
}

function mlp(g: GraphBuilder, random: Random, name: string, x: string): string {
  return quantizedLinear(g, random, `${name}.fc2`, gelu(g, quantizedLinear(g, random, `${name}.fc1`, x, dims.state, dims.ffn)), dims.ffn, dims.state);
}

function metadata(seed: number): Record<string, string> {
  return {
    model_type: 'whisper-tiny-synthetic',
    comment: `Murmur synthetic Whisper with tiny's dimensions, seed ${seed}, random int8 weights`,
    version: '1',
    maintainer: 'murmur',
    n_mels: String(N_MELS),
    n_audio_ctx: String(AUDIO_CTX),
    n_audio_state: String(dims.state),
    n_audio_head: String(dims.heads),
    n_audio_layer: String(dims.encoderLayers),
    n_vocab: String(VOCAB),
    n_text_ctx: String(TEXT_CTX),
    n_text_state: String(dims.state),
    n_text_head: String(dims.heads),
    n_text_layer: String(dims.decoderLayers),
    sot: String(SOT),
    eot: String(EOT),
    blank_id: '220',
    translate: String(TRANSLATE),
    transcribe: String(TRANSCRIBE),
    sot_lm: String(SOT_LM),
    sot_prev: String(SOT_PREV),
    no_speech: String(NO_SPEECH),
    no_timestamps: String(NO_TIMESTAMPS),
    is_multilingual: '1',
    sot_sequence: [SOT, FIRST_LANGUAGE, TRANSCRIBE].join(','),
    all_language_tokens: WHISPER_LANGUAGES.map((_, i) => FIRST_LANGUAGE + i).join(','),
    all_language_codes: WHISPER_LANGUAGES.join(','),
  };
}

function encoderModel(random: Random, seed: number): Uint8Array {
  const g = new GraphBuilder();
  const conv = (name: string, x: string, cin: number, stride: number) =>
    gelu(g, g.op('Conv', [x, g.floats(`${name}.w`, [dims.state, cin, 3], randomWeights(random, dims.state * cin * 3, 1 / Math.sqrt(cin * 3))), g.floats(`${name}.b`, [dims.state], randomWeights(random, dims.state, 0.1))], { intLists: { kernel_shape: [3], pads: [1, 1], strides: [stride] } }));
  const frames = g.op('Transpose', [conv('conv2', conv('conv1', 'mel', N_MELS, 1), dims.state, 2)], { intLists: { perm: [0, 2, 1] } });
  // Positions 0..T/2-1 of the 1500 (sherpa-onnx's export cuts the table to the input's length).
  const length = g.op('Slice', [g.op('Shape', [frames]), g.ints('one', [1]), g.ints('two', [2])]);
  const positions = g.op('Slice', [g.floats('positional', [AUDIO_CTX, dims.state], randomWeights(random, AUDIO_CTX * dims.state, 0.5)), g.ints('zero', [0]), length, g.ints('axis0', [0])]);
  let x = g.op('Add', [frames, positions]);
  for (let l = 0; l < dims.encoderLayers; l++) {
    const h = layerNorm(g, `enc${l}.ln1`, x);
    const q = quantizedLinear(g, random, `enc${l}.q`, h, dims.state, dims.state);
    const k = quantizedLinear(g, random, `enc${l}.k`, h, dims.state, dims.state, false);
    const v = quantizedLinear(g, random, `enc${l}.v`, h, dims.state, dims.state);
    x = g.op('Add', [x, quantizedLinear(g, random, `enc${l}.o`, attention(g, q, k, v), dims.state, dims.state)]);
    x = g.op('Add', [x, mlp(g, random, `enc${l}.mlp`, layerNorm(g, `enc${l}.ln2`, x))]);
  }
  const audio = layerNorm(g, 'enc.ln_post', x);
  const axis0 = g.ints('unsqueeze0', [0]);
  for (const kind of ['k', 'v'] as const) {
    const perLayer = Array.from({ length: dims.decoderLayers }, (_, l) => g.op('Unsqueeze', [quantizedLinear(g, random, `cross${l}.${kind}`, audio, dims.state, dims.state, kind === 'v'), axis0]));
    g.op('Concat', perLayer, { ints: { axis: 0 } }, `n_layer_cross_${kind}`);
  }
  const cross = (name: string) => ({ name, type: 'float32' as const, shape: [dims.decoderLayers, 1, 'T', dims.state] });
  return g.model([{ name: 'mel', type: 'float32', shape: [1, N_MELS, 'T'] }], [cross('n_layer_cross_k'), cross('n_layer_cross_v')], metadata(seed), 17);
}

function decoderModel(random: Random): Uint8Array {
  const g = new GraphBuilder();
  const n = g.op('Slice', [g.op('Shape', ['tokens']), g.ints('one', [1]), g.ints('two', [2])]);
  const end = g.op('Add', ['offset', n]);
  const axis0 = g.ints('axis0', [0]);
  const axis1 = g.ints('axis1', [1]);
  const zero = g.ints('zero', [0]);
  const positions = g.op('Slice', [g.floats('positional', [TEXT_CTX, dims.state], randomWeights(random, TEXT_CTX * dims.state, 0.5)), 'offset', end, axis0]);
  let x = g.op('Add', [g.op('Gather', [g.floats('embedding', [VOCAB, dims.state], randomWeights(random, VOCAB * dims.state, 1)), 'tokens'], { ints: { axis: 0 } }), positions]);
  const outCaches: Record<'k' | 'v', string[]> = { k: [], v: [] };
  for (let l = 0; l < dims.decoderLayers; l++) {
    const layer = g.ints(`layer${l}`, [l]);
    const h = layerNorm(g, `dec${l}.ln1`, x);
    const q = quantizedLinear(g, random, `dec${l}.q`, h, dims.state, dims.state);
    const fresh = { k: quantizedLinear(g, random, `dec${l}.k`, h, dims.state, dims.state, false), v: quantizedLinear(g, random, `dec${l}.v`, h, dims.state, dims.state) };
    const seen: Record<'k' | 'v', string> = { k: '', v: '' };
    for (const kind of ['k', 'v'] as const) {
      // The cache row of this layer, the new keys/values written at offset..offset+n.
      const cache = g.op('Squeeze', [g.op('Gather', [`in_n_layer_self_${kind}_cache`, layer], { ints: { axis: 0 } }), axis0]);
      const before = g.op('Slice', [cache, zero, 'offset', axis1]);
      const after = g.op('Slice', [cache, end, g.ints(`ctx_end_${l}_${kind}`, [TEXT_CTX]), axis1]);
      const updated = g.op('Concat', [before, fresh[kind], after], { ints: { axis: 1 } });
      outCaches[kind].push(g.op('Unsqueeze', [updated, axis0]));
      seen[kind] = g.op('Slice', [updated, zero, end, axis1]);
    }
    x = g.op('Add', [x, quantizedLinear(g, random, `dec${l}.o`, attention(g, q, seen.k, seen.v), dims.state, dims.state)]);
    const crossOf = (kind: 'k' | 'v') => g.op('Squeeze', [g.op('Gather', [`n_layer_cross_${kind}`, layer], { ints: { axis: 0 } }), axis0]);
    const cq = quantizedLinear(g, random, `dec${l}.cq`, layerNorm(g, `dec${l}.ln2`, x), dims.state, dims.state);
    x = g.op('Add', [x, quantizedLinear(g, random, `dec${l}.co`, attention(g, cq, crossOf('k'), crossOf('v')), dims.state, dims.state)]);
    x = g.op('Add', [x, mlp(g, random, `dec${l}.mlp`, layerNorm(g, `dec${l}.ln3`, x))]);
  }
  const logits = quantizedLinear(g, random, 'logits', layerNorm(g, 'dec.ln', x), dims.state, VOCAB, false);
  // Random logits end on eot after about 1 / VOCAB of the steps; a bias makes the end of text
  // possible within a few dozen tokens, as in speech, and keeps the other specials rare.
  const bias = new Float32Array(VOCAB);
  for (let id = EOT; id < VOCAB; id++) bias[id] = id === EOT ? 0.5 : id >= FIRST_LANGUAGE && id < TRANSLATE ? 0 : -3;
  g.op('Add', [logits, g.floats('logit_bias', [VOCAB], bias)], {}, 'logits');
  g.op('Concat', outCaches.k, { ints: { axis: 0 } }, 'out_n_layer_self_k_cache');
  g.op('Concat', outCaches.v, { ints: { axis: 0 } }, 'out_n_layer_self_v_cache');
  const selfCache = (name: string) => ({ name, type: 'float32' as const, shape: [dims.decoderLayers, 1, TEXT_CTX, dims.state] });
  const cross = (name: string) => ({ name, type: 'float32' as const, shape: [dims.decoderLayers, 1, 'T', dims.state] });
  return g.model(
    [{ name: 'tokens', type: 'int64', shape: [1, 'n'] }, selfCache('in_n_layer_self_k_cache'), selfCache('in_n_layer_self_v_cache'), cross('n_layer_cross_k'), cross('n_layer_cross_v'), { name: 'offset', type: 'int64', shape: [1] }],
    [{ name: 'logits', type: 'float32', shape: [1, 'n', VOCAB] }, selfCache('out_n_layer_self_k_cache'), selfCache('out_n_layer_self_v_cache')],
    {},
    17,
  );
}

/** tokens.txt as sherpa-onnx's export writes it: the 50257 text tokens, base64, then the id. */
function tokensText(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const lines: string[] = [];
  for (let id = 0; id < EOT; id++) {
    let word = '';
    for (let v = id; word.length === 0 || v > 0; v = Math.floor(v / 26)) word += letters[v % 26];
    lines.push(`${Buffer.from(`${id % 3 === 0 ? ' ' : ''}${word}`, 'utf8').toString('base64')} ${id}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes the model into `dir` (named as sherpa-onnx's release names tiny's int8 files), or reuses
 * the files a previous call with the same seed wrote there.
 */
export function writeRealWhisper(dir: string, seed: number, size: WhisperDims = TINY_DIMS): RealWhisperFiles {
  const files: RealWhisperFiles = { dir, encoder: path.join(dir, 'tiny-encoder.int8.onnx'), decoder: path.join(dir, 'tiny-decoder.int8.onnx'), tokens: path.join(dir, 'tiny-tokens.txt') };
  const stamp = path.join(dir, 'murmur-synthetic.json');
  const id = JSON.stringify({ generator: 'whisper-real', version: 1, seed, size });
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === id) return files;
  fs.mkdirSync(dir, { recursive: true });
  const random = mulberry32(seed);
  dims = size;
  fs.writeFileSync(files.encoder, encoderModel(random, seed));
  fs.writeFileSync(files.decoder, decoderModel(random));
  fs.writeFileSync(files.tokens, tokensText());
  fs.writeFileSync(stamp, id);
  return files;
}
