/**
 * Recognising sherpa-onnx's Whisper export. Its release folders name files with the model's name as
 * a prefix: `tiny-encoder.int8.onnx`, `tiny-decoder.int8.onnx`, `tiny-tokens.txt` (fp32 variants
 * without `.int8`). A folder is Whisper when an encoder there takes `mel` and carries Whisper's
 * metadata; int8 files are preferred, and the decoder and tokens with the encoder's prefix.
 */
import * as path from 'node:path';
import { MurmurError } from '../../errors';
import { readOnnxInfo, type OnnxInfo } from '../../onnx/metadata';
import { requireFile } from '../require-file';
import type { ModelLocation, WhisperFiles } from '../spec';
import { parseWhisperMetadata, WHISPER_REQUIRED_KEYS } from './metadata';
import { WHISPER_DECODER_IO, WHISPER_ENCODER_IO } from './sessions';

const ENCODER = /encoder(\.int8)?\.onnx$/i;
const DECODER = /decoder(\.int8)?\.onnx$/i;
const TOKENS = /tokens\.txt$/i;

/** "tiny-encoder.int8.onnx" -> "tiny-". */
const prefixOf = (file: string, re: RegExp) => path.basename(file).replace(re, '');

/** int8 first, then the name, so the choice does not depend on directory order. */
function pickVariant(candidates: string[]): string | undefined {
  const rank = (f: string) => (/\.int8\.onnx$/i.test(f) ? 0 : 1);
  return [...candidates].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
}

function readIfOnnx(file: string): OnnxInfo | undefined {
  try {
    return readOnnxInfo(file);
  } catch {
    return undefined;
  }
}

/** True when the file is a Whisper encoder by sherpa-onnx's contract: input `mel` and Whisper metadata. */
export function isWhisperEncoder(file: string): boolean {
  const info = readIfOnnx(file);
  return info !== undefined && info.inputs.includes('mel') && WHISPER_REQUIRED_KEYS.every((k) => info.metadata[k] !== undefined);
}

function missing(where: string, what: string, names: string[]): MurmurError {
  return new MurmurError(
    'MODEL_FILE_MISSING',
    `${where} is missing ${what}. Found: ${names.length ? names.join(', ') : 'no files'}. A sherpa-onnx Whisper model needs <name>-encoder(.int8).onnx, <name>-decoder(.int8).onnx and <name>-tokens.txt (as in sherpa-onnx's release archives).`,
  );
}

/**
 * Whisper files for this location, or undefined when it is not Whisper (then other families are
 * tried). A location forced to 'whisper' always resolves here or fails with what is missing.
 */
export function resolveWhisper(location: ModelLocation, dir: string | undefined, names: string[]): { files: WhisperFiles; onnx: Record<string, OnnxInfo> } | undefined {
  const forced = location.family === 'whisper';
  if (!forced && location.family && location.family !== 'auto') return undefined;
  const inDir = (re: RegExp) => names.filter((n) => re.test(n)).map((n) => path.join(dir as string, n));
  const encoder = location.encoder ? requireFile(location.encoder, 'encoder') : pickVariant(inDir(ENCODER).filter((f) => forced || isWhisperEncoder(f)));
  if (!forced && (!encoder || !isWhisperEncoder(encoder))) return undefined;
  const where = dir ?? '(no directory)';
  if (!encoder) throw missing(where, 'the Whisper encoder (<name>-encoder.int8.onnx or <name>-encoder.onnx)', names);
  const prefix = prefixOf(encoder, ENCODER);
  const sameName = (files: string[], re: RegExp) => {
    const matching = files.filter((f) => prefixOf(f, re) === prefix);
    return matching.length ? matching : files;
  };
  const decoder = location.decoder ? requireFile(location.decoder, 'decoder') : pickVariant(sameName(inDir(DECODER), DECODER));
  const tokens = location.tokens ? requireFile(location.tokens, 'tokens') : sameName(inDir(TOKENS), TOKENS)[0];
  if (!decoder) throw missing(where, `the Whisper decoder (${prefix}decoder.int8.onnx or ${prefix}decoder.onnx)`, names);
  if (!tokens) throw missing(where, `the Whisper tokens file (${prefix}tokens.txt)`, names);

  const encoderInfo = readOnnxInfo(encoder);
  const decoderInfo = readOnnxInfo(decoder);
  const lacking = (info: OnnxInfo, io: { inputs: string[]; outputs: string[] }) => [...io.inputs.filter((n) => !info.inputs.includes(n)), ...io.outputs.filter((n) => !info.outputs.includes(n))];
  const encoderLacks = lacking(encoderInfo, WHISPER_ENCODER_IO);
  if (encoderLacks.length) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${encoder} is not a sherpa-onnx Whisper encoder: it lacks ${encoderLacks.join(', ')} (inputs: ${encoderInfo.inputs.slice(0, 4).join(', ')}). Use the *-encoder.onnx of sherpa-onnx's Whisper export.`);
  }
  const decoderLacks = lacking(decoderInfo, WHISPER_DECODER_IO);
  if (decoderLacks.length) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${decoder} is not a sherpa-onnx Whisper decoder: it lacks ${decoderLacks.join(', ')}. Use the *-decoder.onnx that came with ${path.basename(encoder)}.`);
  }
  // Every key, bound and list checked now, so a broken folder fails before any session loads.
  parseWhisperMetadata(encoderInfo.metadata, encoder);
  return { files: { family: 'whisper', encoder, decoder, tokens }, onnx: { encoder: encoderInfo, decoder: decoderInfo } };
}
