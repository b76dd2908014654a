/**
 * Turns words into the model's BPE pieces, for hotwords. sherpa-onnx transducers ship the
 * SentencePiece model they were trained with (bpe.model); its pieces and scores are read here from
 * the protobuf directly (a dozen lines, where a SentencePiece binding would be a native dependency)
 * and words are split the way SentencePiece's unigram model splits them: the Viterbi segmentation
 * with the highest total piece score. Without bpe.model, tokens.txt alone gives the segmentation
 * with the fewest pieces, which for common BPE vocabularies is usually the same.
 */
import * as fs from 'node:fs';
import { MurmurError } from '../../errors';
import type { TokenTable } from './tokens';

const WORD_START = '\u2581';

export interface PieceScores {
  /** Score of every piece by its text (only normal pieces: no <unk>, control or byte pieces). */
  scores: Map<string, number>;
  /** SentencePiece's model type: 1 unigram, 2 BPE, ... (segmentation is exact for unigram). */
  modelType: number;
}

/** Minimal protobuf walk over a Buffer: yields [field, wire type, varint value or payload]. */
function* fields(buf: Buffer, start = 0, end = buf.length): Generator<[number, number, number | Buffer]> {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw new Error('truncated varint');
      const b = buf[p++];
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    throw new Error('varint too long');
  };
  while (p < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield [field, wire, varint()];
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > end) throw new Error('truncated fixed field');
      yield [field, wire, buf.subarray(p, p + n)];
      p += n;
    } else if (wire === 2) {
      const n = varint();
      if (p + n > end) throw new Error('truncated field');
      yield [field, wire, buf.subarray(p, p + n)];
      p += n;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Reads a SentencePiece ModelProto: pieces (field 1: piece 1, score 2, type 3) and trainer_spec.model_type (2.3). */
export function parseSentencePieceModel(buf: Buffer, source: string): PieceScores {
  const scores = new Map<string, number>();
  let modelType = 1;
  try {
    for (const [field, wire, value] of fields(buf)) {
      if (wire !== 2 || !Buffer.isBuffer(value)) continue;
      if (field === 1) {
        let piece = '';
        let score = 0;
        let type = 1;
        for (const [f, w, v] of fields(value)) {
          if (f === 1 && w === 2 && Buffer.isBuffer(v)) piece = v.toString('utf8');
          else if (f === 2 && w === 5 && Buffer.isBuffer(v)) score = v.readFloatLE(0);
          else if (f === 3 && w === 0 && typeof v === 'number') type = v;
        }
        if (type === 1 && piece) scores.set(piece, score);
      } else if (field === 2) {
        for (const [f, w, v] of fields(value)) if (f === 3 && w === 0 && typeof v === 'number') modelType = v;
      }
    }
  } catch (e) {
    throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source} is not a readable SentencePiece model (${(e as Error).message}). Remove it or replace it with the bpe.model the transducer was trained with.`);
  }
  if (scores.size === 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source} holds no SentencePiece pieces. Remove it or replace it with the bpe.model the transducer was trained with.`);
  return { scores, modelType };
}

export class PieceEncoder {
  private readonly ids = new Map<string, number>();
  private readonly scores = new Map<string, number>();
  private readonly longest: number;

  /** `scores` from bpe.model; without it every piece of tokens.txt scores -1 (fewest pieces wins). */
  constructor(tokens: TokenTable, scores?: PieceScores) {
    let longest = 1;
    for (const [id, piece] of tokens.pieces.entries()) {
      if (piece === undefined || /^<.*>$/.test(piece)) continue;
      const score = scores ? scores.scores.get(piece) : -1;
      if (score === undefined) continue;
      this.ids.set(piece, id);
      this.scores.set(piece, score);
      longest = Math.max(longest, [...piece].length);
    }
    this.longest = longest;
  }

  /**
   * The pieces of a phrase ("user name" -> ▁USER ▁NAME), in the case the vocabulary uses, or
   * undefined if some character has no piece (the phrase cannot be spelled by this model).
   */
  encode(phrase: string): number[] | undefined {
    const words = phrase.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return undefined;
    const out: number[] = [];
    for (const w of words) {
      const ids = this.viterbi(WORD_START + w) ?? this.viterbi(WORD_START + w.toUpperCase()) ?? this.viterbi(WORD_START + w.toLowerCase());
      if (!ids) return undefined;
      out.push(...ids);
    }
    return out;
  }

  private viterbi(text: string): number[] | undefined {
    const chars = [...text];
    const n = chars.length;
    const best = new Array<number>(n + 1).fill(-Infinity);
    const from = new Array<number>(n + 1).fill(-1);
    const piece = new Array<string>(n + 1).fill('');
    best[0] = 0;
    for (let end = 1; end <= n; end++) {
      for (let len = 1; len <= Math.min(this.longest, end); len++) {
        const start = end - len;
        if (best[start] === -Infinity) continue;
        const p = chars.slice(start, end).join('');
        const s = this.scores.get(p);
        if (s === undefined) continue;
        if (best[start] + s > best[end]) {
          best[end] = best[start] + s;
          from[end] = start;
          piece[end] = p;
        }
      }
    }
    if (best[n] === -Infinity) return undefined;
    const ids: number[] = [];
    for (let at = n; at > 0; at = from[at]) ids.push(this.ids.get(piece[at]) as number);
    return ids.reverse();
  }
}

export function loadPieceEncoder(tokens: TokenTable, bpeModel?: string): PieceEncoder {
  return new PieceEncoder(tokens, bpeModel ? parseSentencePieceModel(fs.readFileSync(bpeModel), bpeModel) : undefined);
}
