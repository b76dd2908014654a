/**
 * sherpa-onnx-node's Moonshine "v2" recognizer (offline-recognizer-moonshine-v2-impl.h) on the
 * Hugging Face / moonshine-js export Murmur runs: encoder_model.onnx and decoder_model_merged.onnx,
 * passed to sherpa-onnx as they are, plus a tokens.txt derived from Murmur's own vocabulary.
 *
 * sherpa-onnx's v2 tokens.txt holds one "base64(bytes) id" line per token (its symbol table is
 * base64-decoded: scripts/moonshine/v2/generate_tokens.py) and its text is those bytes concatenated.
 * So each SentencePiece piece is written as the bytes it stands for: the word-start marker as a
 * space, a byte-fallback piece ("<0x0A>") as that byte, any other piece as its UTF-8.
 */
import * as fs from 'node:fs';

export interface SherpaOfflineResult {
  text: string;
  /** Each token's bytes as text, in decoding order. */
  tokens: string[];
}
interface OfflineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
export interface SherpaOfflineRecognizer {
  createStream(): OfflineStream;
  decode(s: OfflineStream): void;
  getResult(s: OfflineStream): SherpaOfflineResult;
}
interface SherpaModule {
  OfflineRecognizer: new (config: object) => SherpaOfflineRecognizer;
  readWave(file: string): { samples: Float32Array; sampleRate: number };
}

export function sherpaModule(): SherpaModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('sherpa-onnx-node') as SherpaModule;
}

const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;

/** The bytes a SentencePiece piece decodes to, as sherpa-onnx's v2 symbol table stores them. */
export function pieceBytes(piece: string): Buffer {
  const byte = BYTE_PIECE.exec(piece);
  return byte ? Buffer.from([parseInt(byte[1], 16)]) : Buffer.from(piece.replaceAll('\u2581', ' '), 'utf8');
}

/** Writes sherpa-onnx's v2 tokens.txt for `pieces` (id -> piece). */
export function writeSherpaMoonshineTokens(file: string, pieces: readonly string[]): void {
  fs.writeFileSync(file, pieces.map((p, id) => `${pieceBytes(p).toString('base64')} ${id}\n`).join(''));
}

/**
 * A tokens.txt whose token `id` reads "<id>|": sherpa-onnx's output tokens then are the ids it
 * decoded, exactly (the text table cannot tell "," from the byte piece "<0x2C>"). Decoding never
 * reads tokens.txt (it only maps ids to text afterwards), so both tables decode alike. Every id up
 * to `count` is listed, so even ids past the vocabulary (the decoder's padded logits) show up.
 */
export function writeSherpaIdTokens(file: string, count: number): void {
  const lines: string[] = [];
  for (let id = 0; id < count; id++) lines.push(`${Buffer.from(`${id}|`).toString('base64')} ${id}\n`);
  fs.writeFileSync(file, lines.join(''));
}

/** The ids of a recognizer built with writeSherpaIdTokens' table. */
export function idsOf(result: SherpaOfflineResult): number[] {
  return result.tokens.map((t) => {
    const m = /^(\d+)\|$/.exec(t);
    if (!m) throw new Error(`not an id token: ${JSON.stringify(t)}`);
    return Number(m[1]);
  });
}

/** sherpa-onnx's offline recognizer on a Moonshine encoder + merged decoder (its v2 path), greedy search. */
export function sherpaMoonshineRecognizer(files: { encoder: string; decoder: string; tokens: string }, threads: number): SherpaOfflineRecognizer {
  return new (sherpaModule().OfflineRecognizer)({
    // Moonshine reads raw samples: sherpa-onnx's stream keeps them as given at 16 kHz (no
    // resampling, dither or gain; the node addon leaves normalize_samples at its default, true,
    // which means "already in [-1, 1]"). featureDim is unused for Moonshine.
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      moonshine: { encoder: files.encoder, mergedDecoder: files.decoder },
      tokens: files.tokens,
      numThreads: threads,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
  });
}

/** One whole signal, one stream: what sherpa-onnx's offline examples do with a file. */
export function sherpaDecodeOffline(rec: SherpaOfflineRecognizer, samples: Float32Array): SherpaOfflineResult {
  const s = rec.createStream();
  s.acceptWaveform({ samples, sampleRate: 16000 });
  rec.decode(s);
  return rec.getResult(s);
}
