/**
 * From what the user configured (a directory, or explicit files) to the files of one model family,
 * with every problem reported as something the user can act on.
 *
 * Families are recognised from file names and confirmed from the ONNX graphs and metadata:
 * - Moonshine: encoder_model*.onnx (input `input_values`) + decoder_model_merged*.onnx
 *   (inputs `input_ids`, `encoder_hidden_states`); no metadata_props.
 * - sherpa-onnx streaming transducer: encoder*.onnx with metadata model_type zipformer/zipformer2
 *   and the streaming keys T / decode_chunk_len, decoder*.onnx (context_size, vocab_size),
 *   joiner*.onnx, tokens.txt.
 * - sherpa-onnx's Whisper export: <name>-encoder(.int8).onnx (input `mel`, Whisper metadata),
 *   <name>-decoder(.int8).onnx, <name>-tokens.txt (whisper/detect.ts).
 * - sherpa-onnx NeMo transducer (parakeet/detect.ts): encoder*.onnx taking audio_signal and length
 *   with NeMo metadata (pred_rnn_layers, vocab_size, ...); offline (Parakeet TDT) unless it also takes
 *   cache_last_* inputs (Nemotron, streaming).
 * - cache-aware streaming NeMo transducer (Nemotron): the same file names, told apart by the
 *   encoder's inputs (audio_signal and three caches): nemotron/detect.ts.
 * - A Murmur export (export/exporter.ts): murmur-model.json names the family and the files, which
 *   may be ORT-format (.ort); their ONNX metadata and input names come from the manifest, since
 *   ORT files carry none that metadata.ts can read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../errors';
import { MANIFEST_NAME, infoFromManifest, readManifest, type ManifestFile, type MurmurManifest } from '../export/manifest';
import { describeContent, fileHead, readOnnxInfo, type OnnxInfo } from '../onnx/metadata';
import type { ModelLocation, MoonshineFiles, ResolvedModelFiles, ZipformerFiles } from './spec';
import { resolveNemoTransducer } from './parakeet/detect';
import { scanTokens, tokensError, type TokenScan } from './zipformer/tokens';
import { sherpaMoonshineFormatError } from './moonshine/sherpa-formats';
import { resolveWhisper } from './whisper/detect';
import { requireFile } from './require-file';
import { resolveNemotron } from './nemotron/detect';

export interface ResolvedModel {
  files: ResolvedModelFiles;
  /** ONNX outline of each model file, by role. */
  onnx: Record<string, OnnxInfo>;
}

const DEEPSPEECH_EXT = /\.(pb|pbmm|tflite)$/i;

const SILERO_HINT =
  'Murmur brings its own voice activity detector; set murmur.model.path to a Moonshine or sherpa-onnx streaming Zipformer model directory, or leave it empty for the embedded model.';

/** True when the ONNX file is a Silero VAD (inputs input, state, sr); false for anything else, readable or not. */
function isSileroVad(file: string): boolean {
  try {
    const info = readOnnxInfo(file);
    return info.inputs.includes('sr') && info.inputs.includes('state');
  } catch {
    return false;
  }
}

export function deepSpeechError(file: string): MurmurError {
  return new MurmurError(
    'MODEL_DEEPSPEECH',
    `${file} is a TensorFlow model (DeepSpeech ${path.extname(file)} export). Murmur runs ONNX models. ` +
      'You can convert the graph with tf2onnx (`python -m tf2onnx.convert --graphdef output_graph.pb --inputs input_node:0 --outputs logits:0 --output model.onnx`, ' +
      'or `--tflite output_graph.tflite`), but a DeepSpeech acoustic model also needs its CTC decoder and scorer, which Murmur does not include. ' +
      'Instead use the embedded Moonshine model (leave murmur.model.path empty) or download a sherpa-onnx streaming Zipformer and set murmur.model.path to its directory.',
  );
}

/** TensorFlow Lite flatbuffers carry "TFL3" at byte 4, whatever the file is called. */
function isTfLite(file: string): boolean {
  return fileHead(file, 8)?.subarray(4, 8).toString('latin1') === 'TFL3';
}

/** Reads an ONNX file's outline; DeepSpeech files get the conversion advice. */
function inspect(file: string): OnnxInfo {
  if (DEEPSPEECH_EXT.test(file) || isTfLite(file)) throw deepSpeechError(file);
  return readOnnxInfo(file);
}

/** Preference among variants: a patched (*.fixed) encoder, then int8 for encoder/joiner, fp32 for the decoder. */
function pick(candidates: string[], prefer: 'int8' | 'fp32'): string | undefined {
  const rank = (f: string) => (/\.fixed\.onnx$/i.test(f) ? 0 : /int8/i.test(f) === (prefer === 'int8') ? 1 : 2);
  return [...candidates].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  } catch (e) {
    throw new MurmurError('MODEL_NOT_FOUND', `Cannot read the model directory ${dir}: ${(e as Error).message}`);
  }
}

function missing(dir: string, what: string, found: string[]): MurmurError {
  const list = found.length ? found.join(', ') : 'no files';
  return new MurmurError(
    'MODEL_FILE_MISSING',
    `${dir} is missing ${what}. Found: ${list}. A Moonshine model needs encoder_model.onnx and decoder_model_merged.onnx; ` +
      'a sherpa-onnx streaming transducer needs encoder*.onnx, decoder*.onnx, joiner*.onnx and tokens.txt.',
  );
}

/**
 * tokens.txt read for checking against the decoder, as zipformer/tokens.ts parses it (same scan):
 * the first problem is noted rather than thrown, so a count that disagrees with vocab_size (the
 * wrong model's tokens.txt) is reported as that.
 */
function checkTokens(file: string): TokenScan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MurmurError('MODEL_LOAD_FAILED', `Cannot read the tokens file ${file}: ${(e as Error).message}. Check the file's permissions.`);
  }
  return scanTokens(text);
}

export function countTokens(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '').length;
}

/** How a check gets a file's outline: read from the file, or (exports) from the manifest. */
type ReadInfo = (file: string) => OnnxInfo;

function checkMoonshine(files: MoonshineFiles, read: ReadInfo = inspect): Record<string, OnnxInfo> {
  const encoder = read(files.encoder);
  const decoder = read(files.decoder);
  if (!encoder.inputs.includes('input_values')) {
    const what = encoder.inputs.includes('sr') && encoder.inputs.includes('state') ? ' It is a Silero VAD model (voice activity detection).' : '';
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.encoder} is not a Moonshine encoder (inputs: ${encoder.inputs.slice(0, 4).join(', ')}; expected input_values).${what} Use the encoder_model.onnx that came with the Moonshine model.`,
    );
  }
  if (!decoder.inputs.includes('input_ids') || !decoder.inputs.includes('encoder_hidden_states')) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.decoder} is not a merged Moonshine decoder (inputs: ${decoder.inputs.slice(0, 4).join(', ')}; expected input_ids and encoder_hidden_states). Use decoder_model_merged.onnx.`,
    );
  }
  return { encoder, decoder };
}

function checkZipformer(files: ZipformerFiles, read: ReadInfo = inspect): Record<string, OnnxInfo> {
  const encoder = read(files.encoder);
  const decoder = read(files.decoder);
  const joiner = read(files.joiner);
  const type = encoder.metadata.model_type ?? '';
  if (encoder.inputs.includes('input_values')) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} is a Moonshine encoder, not a transducer encoder. Set murmur.model.family to "moonshine" or "auto".`);
  }
  if (encoder.inputs.includes('sr') && encoder.inputs.includes('state')) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} is a Silero VAD model, not a speech recognition model. ${SILERO_HINT}`);
  }
  if (!encoder.metadata.T || !encoder.metadata.decode_chunk_len) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.encoder} has no streaming metadata (T, decode_chunk_len${type ? `; model_type=${type}` : ''}): it is not a sherpa-onnx *streaming* transducer. ` +
        'Offline (non-streaming) Zipformers are not supported; download a "streaming-zipformer" model.',
    );
  }
  if (type && !/^zipformer2?$/.test(type)) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} is a streaming ${type} model; Murmur supports streaming Zipformer and Zipformer2 transducers.`);
  }
  if (!decoder.inputs.includes('y')) throw new MurmurError('MODEL_WRONG_FAMILY', `${files.decoder} is not a transducer decoder (no input "y").`);
  if (!joiner.inputs.includes('encoder_out') || !joiner.inputs.includes('decoder_out')) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.joiner} is not a transducer joiner (inputs encoder_out and decoder_out expected).`);
  }
  const vocab = Number(decoder.metadata.vocab_size);
  const tokens = checkTokens(files.tokens);
  if (Number.isInteger(vocab) && vocab !== tokens.count) {
    throw new MurmurError(
      'MODEL_TOKENS_MISMATCH',
      `${files.tokens} has ${tokens.count} tokens but ${files.decoder} was trained with vocab_size=${vocab}. Use the tokens.txt that came with this model.`,
    );
  }
  if (tokens.problem) throw tokensError(files.tokens, tokens.problem);
  if (Number.isInteger(vocab) && tokens.maxId >= vocab) {
    throw new MurmurError(
      'MODEL_TOKENS_MISMATCH',
      `${files.tokens} has token id ${tokens.maxId} but ${files.decoder} was trained with vocab_size=${vocab} (ids 0 to ${vocab - 1}). Use the tokens.txt that came with this model.`,
    );
  }
  // Without vocab_size the file bounds itself: its ids must be 0 to count-1 (a huge one would size the table).
  if (tokens.outOfRange) throw tokensError(files.tokens, tokens.outOfRange);
  if (tokens.count === 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${files.tokens} has no tokens. Use the tokens.txt that came with this model.`);
  return { encoder, decoder, joiner };
}

/** ORT flatbuffer ("ORTM" at byte 4); as ort-cache.ts isOrtFile, without pulling onnxruntime into detection. */
const isOrt = (file: string) => fileHead(file, 8)?.subarray(4, 8).toString('latin1') === 'ORTM';

/** A file listed in an export's manifest: present, complete, and in the format its name says. */
function exportedFile(dir: string, entry: ManifestFile): string {
  const file = path.join(dir, entry.name);
  let bytes: number;
  try {
    bytes = fs.statSync(file).size;
  } catch {
    throw new MurmurError('MODEL_FILE_MISSING', `The exported model in ${dir} is missing ${entry.name} (listed in ${MANIFEST_NAME}). Copy the whole export folder again, or export the model again.`);
  }
  if (bytes !== entry.bytes) {
    throw new MurmurError(
      'MODEL_TRUNCATED',
      `${file} has ${bytes} bytes but the export wrote ${entry.bytes} (${MANIFEST_NAME}): the copy is incomplete or the file was changed. Copy the export folder again.`,
    );
  }
  if (/\.ort$/i.test(entry.name) && !isOrt(file)) throw new MurmurError('MODEL_NOT_ONNX', `${file} is not an ORT-format model (${describeContent(file)}). Export the model again.`);
  return file;
}

/** An exported model directory: files and family from murmur-model.json. */
function resolveExport(dir: string, manifest: MurmurManifest, location: ModelLocation): ResolvedModel {
  const forced = location.family && location.family !== 'auto' ? location.family : undefined;
  if (forced && forced !== manifest.family) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${dir} holds an exported ${manifest.family} model (${MANIFEST_NAME}), but murmur.model.family is "${forced}". Set it to "auto" or "${manifest.family}".`);
  }
  const names = manifest.files.map((f) => f.name);
  const fileFor = (role: string): string | undefined => {
    const entry = manifest.files.find((f) => f.role === role);
    return entry && exportedFile(dir, entry);
  };
  const read: ReadInfo = (file) => {
    const outline = manifest.files.find((f) => path.join(dir, f.name) === file)?.onnx;
    if (isOrt(file)) {
      if (!outline) throw new MurmurError('MODEL_LOAD_FAILED', `${MANIFEST_NAME} in ${dir} has no ONNX outline for ${path.basename(file)}. Export the model again.`);
      return infoFromManifest(file, outline);
    }
    // An optimised ONNX file can be read; the manifest fills in metadata onnxruntime did not keep.
    const info = inspect(file);
    return outline ? { ...info, metadata: { ...outline.metadata, ...info.metadata } } : info;
  };
  const where = `${dir} (${MANIFEST_NAME})`;
  if (manifest.family === 'moonshine') {
    const encoder = fileFor('encoder');
    const decoder = fileFor('decoder');
    if (!encoder) throw missing(where, 'the encoder', names);
    if (!decoder) throw missing(where, 'the decoder', names);
    const files: MoonshineFiles = { family: 'moonshine', encoder, decoder };
    return { files, onnx: checkMoonshine(files, read) };
  }
  const encoder = fileFor('encoder');
  const decoder = fileFor('decoder');
  const joiner = fileFor('joiner');
  const tokens = fileFor('tokens');
  if (!encoder) throw missing(where, 'the transducer encoder', names);
  if (!decoder) throw missing(where, 'the transducer decoder', names);
  if (!joiner) throw missing(where, 'the transducer joiner', names);
  if (!tokens) throw missing(where, 'tokens.txt', names);
  const bpe = fileFor('bpe');
  const files: ZipformerFiles = { family: 'zipformer', encoder, decoder, joiner, tokens, ...(bpe ? { bpeModel: bpe } : {}) };
  return { files, onnx: checkZipformer(files, read) };
}

export function resolveModel(location: ModelLocation): ResolvedModel {
  const explicit = location.encoder || location.decoder || location.joiner || location.tokens;
  const dir = location.dir ? path.resolve(location.dir) : undefined;
  if (dir !== undefined) {
    if (!fs.existsSync(dir)) throw new MurmurError('MODEL_NOT_FOUND', `The model path ${dir} does not exist. Check murmur.model.path, or leave it empty for the embedded model.`);
    if (fs.statSync(dir).isFile()) {
      if (DEEPSPEECH_EXT.test(dir) || isTfLite(dir)) throw deepSpeechError(dir);
      throw new MurmurError('MODEL_FILE_MISSING', `${dir} is a single file; murmur.model.path must be the model's directory (or set the encoder/decoder/joiner/tokens files one by one).`);
    }
  } else if (!explicit) {
    throw new MurmurError('MODEL_NOT_FOUND', 'No model configured: set murmur.model.path to a model directory.');
  }
  const names = dir ? listDir(dir) : [];
  const inDir = (re: RegExp) => names.filter((n) => re.test(n)).map((n) => path.join(dir as string, n));
  if (dir && names.some((n) => DEEPSPEECH_EXT.test(n)) && !names.some((n) => /\.onnx$/i.test(n))) {
    throw deepSpeechError(path.join(dir, names.find((n) => DEEPSPEECH_EXT.test(n)) as string));
  }
  if (dir && !explicit) {
    const manifest = readManifest(dir);
    if (manifest) return resolveExport(dir, manifest, location);
  }

  const whisper = resolveWhisper(location, dir, names);
  if (whisper) return whisper;

  const moonEnc = inDir(/^encoder_model.*\.onnx$/i);
  const moonDec = inDir(/^decoder_model_merged.*\.onnx$/i);
  const sherpaMoonshine = dir && !explicit && !moonEnc.length && !moonDec.length ? sherpaMoonshineFormatError(dir, names) : undefined;
  if (sherpaMoonshine) throw sherpaMoonshine;
  const family =
    location.family && location.family !== 'auto' ? location.family : explicit ? (location.joiner || location.tokens ? 'zipformer' : moonEnc.length ? 'moonshine' : 'zipformer') : moonEnc.length || moonDec.length ? 'moonshine' : 'zipformer';

  if (family === 'moonshine') {
    const encoder = location.encoder ? requireFile(location.encoder, 'encoder') : pick(moonEnc, 'int8');
    const decoder = location.decoder ? requireFile(location.decoder, 'decoder') : pick(moonDec, 'int8');
    if (!encoder) throw missing(dir ?? '(no directory)', 'encoder_model.onnx', names);
    if (!decoder) throw missing(dir ?? '(no directory)', 'decoder_model_merged.onnx', names);
    const files: MoonshineFiles = { family, encoder, decoder };
    return { files, onnx: checkMoonshine(files) };
  }

  if (dir && moonEnc.length && !explicit) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${dir} holds a Moonshine model, but murmur.model.family is "zipformer". Set it to "auto" or "moonshine".`);
  }
  const encoder = location.encoder ? requireFile(location.encoder, 'encoder') : pick(inDir(/^encoder.*\.onnx$/i), 'int8');
  const decoder = location.decoder ? requireFile(location.decoder, 'decoder') : pick(inDir(/^decoder.*\.onnx$/i), 'fp32');
  const joiner = location.joiner ? requireFile(location.joiner, 'joiner') : pick(inDir(/^joiner.*\.onnx$/i), 'int8');
  const tokens = location.tokens ? requireFile(location.tokens, 'tokens') : inDir(/^tokens\.txt$/i)[0];
  const where = dir ?? '(no directory)';
  if (!encoder && !decoder && !joiner) {
    // Someone pointed the model path at the VAD (it ships beside the models): say so.
    const vad = inDir(/\.onnx$/i).find(isSileroVad);
    if (vad) throw new MurmurError('MODEL_WRONG_FAMILY', `${where} holds a Silero VAD model (${path.basename(vad)}: voice activity detection), not a speech recognition model. ${SILERO_HINT}`);
    throw missing(where, 'model files (no encoder, decoder or joiner .onnx)', names);
  }
  if (!encoder) throw missing(where, 'the transducer encoder (encoder*.onnx)', names);
  if (!decoder) throw missing(where, 'the transducer decoder (decoder*.onnx)', names);
  if (!joiner) throw missing(where, 'the transducer joiner (joiner*.onnx)', names);
  if (!tokens) throw missing(where, 'tokens.txt', names);
  const forced = location.family && location.family !== 'auto' ? location.family : undefined;
  // Nemotron first (it checks the streaming files itself); a user who asked for Parakeet gets
  // Parakeet's error if the encoder is a streaming one.
  const nemotron = forced === 'parakeet' ? undefined : resolveNemotron(location.family, { encoder, decoder, joiner, tokens }, inspect);
  if (nemotron) return nemotron;
  const nemo = resolveNemoTransducer({ encoder, decoder, joiner, tokens }, inspect, forced);
  if (nemo) return nemo;
  const bpe = inDir(/^bpe\.model$/i)[0];
  const files: ZipformerFiles = { family: 'zipformer', encoder, decoder, joiner, tokens, ...(bpe ? { bpeModel: bpe } : {}) };
  return { files, onnx: checkZipformer(files) };
}
