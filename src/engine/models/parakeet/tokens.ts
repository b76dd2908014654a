/**
 * tokens.txt of a NeMo transducer ("<piece> <id>", SentencePiece pieces, `<blk>` last), checked as
 * sherpa-onnx checks it, and ids turned into text as sherpa-onnx does (symbol-table.cc and
 * offline-recognizer-transducer-impl.h Convert): each piece's leading U+2581 becomes a space,
 * byte-fallback pieces <0x00>..<0xFF> become their byte, the pieces are concatenated, and one
 * leading space is dropped.
 */
import { MurmurError } from '../../errors';
import { readTokens, type TokenTable } from '../zipformer/tokens';

const WORD_START = '\u2581';
const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;

export class ParakeetTokens {
  readonly unkId: number;
  /** Id of <0x00> when the table has all 256 byte pieces in order, else -1. */
  private readonly byteBase: number;
  private readonly encoded: Uint8Array[];

  constructor(private readonly table: TokenTable) {
    this.unkId = table.pieces.indexOf('<unk>');
    const b0 = table.pieces.indexOf('<0x00>');
    this.byteBase = b0 >= 0 && table.pieces[b0 + 255] === '<0xFF>' ? b0 : -1;
    const encoder = new TextEncoder();
    this.encoded = table.pieces.map((p, id) => {
      const byte = this.fallbackByte(p, id);
      return byte >= 0 ? Uint8Array.of(byte) : encoder.encode(this.symbol(p));
    });
  }

  get count(): number {
    return this.table.pieces.length;
  }

  /** The token as sherpa-onnx's result lists it (a leading U+2581 shown as a space; bytes as <0xNN>). */
  piece(id: number): string {
    const p = this.table.pieces[id] ?? '';
    const byte = this.fallbackByte(p, id);
    if (byte >= 0x20 && byte <= 0x7e) return String.fromCharCode(byte);
    return byte >= 0 ? p : this.symbol(p);
  }

  text(ids: readonly number[]): string {
    const parts = ids.map((id) => this.encoded[id] ?? new Uint8Array(0));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const text = new TextDecoder().decode(bytes);
    return text.startsWith(' ') ? text.slice(1) : text;
  }

  /** The byte a byte-fallback piece stands for, or -1. */
  private fallbackByte(piece: string, id: number): number {
    if (this.byteBase < 0 || id < this.byteBase || id >= this.byteBase + 256) return -1;
    const m = BYTE_PIECE.exec(piece);
    return m && parseInt(m[1], 16) === id - this.byteBase ? id - this.byteBase : -1;
  }

  private symbol(piece: string): string {
    return piece.startsWith(WORD_START) ? ' ' + piece.slice(1) : piece;
  }
}

/**
 * Reads and checks tokens.txt against the model: `<blk>` present and last, one line per class
 * (sherpa-onnx refuses the model otherwise, and so do we, saying which file to use).
 */
export function readParakeetTokens(file: string, vocabSize: number, encoderFile: string): ParakeetTokens {
  const table = readTokens(file);
  const blank = table.pieces.indexOf('<blk>');
  if (blank < 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${file} has no blank token <blk>, so it is not a NeMo transducer's tokens.txt. Use the tokens.txt that came with this model.`);
  if (table.pieces.length !== vocabSize) {
    throw new MurmurError(
      'MODEL_TOKENS_MISMATCH',
      `${file} has ${table.pieces.length} tokens but ${encoderFile} has vocab_size ${vocabSize - 1} (plus the blank). Use the tokens.txt that came with this model.`,
    );
  }
  if (blank !== vocabSize - 1) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${file}: the blank token <blk> must be the last line (id ${vocabSize - 1}), it is id ${blank}. Use the tokens.txt that came with this model.`);
  return new ParakeetTokens(table);
}
