/**
 * Whisper's tokens.txt as sherpa-onnx's export writes it: "<base64 of the token's bytes> <id>" per
 * line (tiktoken's ranks; special tokens are not listed). Text is decoded the way sherpa-onnx does:
 * the bytes of every listed id concatenated, ids not listed skipped, then read as UTF-8 (a
 * character can span tokens, so pieces are not decoded one by one).
 */
import * as fs from 'node:fs';
import { MurmurError } from '../../errors';

/** Real vocabularies are ~52 k lines of a few bytes each; anything far larger is not a tokens.txt. */
const MAX_TOKENS_BYTES = 32 * 1024 * 1024;

export class WhisperTokenizer {
  private readonly decoder = new TextDecoder('utf-8');

  private constructor(private readonly pieces: (Uint8Array | undefined)[]) {}

  /** Reads tokens.txt; ids must lie below `vocabSize` (the model's n_vocab). */
  static load(file: string, vocabSize: number): WhisperTokenizer {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_TOKENS_BYTES) throw new Error(`larger than ${MAX_TOKENS_BYTES} bytes`);
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      throw new MurmurError('MODEL_LOAD_FAILED', `Cannot read the Whisper tokens file ${file}: ${(e as Error).message}. Use the *-tokens.txt that came with the model.`);
    }
    const pieces: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(vocabSize);
    let count = 0;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const fields = line.split(/\s+/);
      // One field: the id of an empty token (sherpa-onnx reads it as such).
      const [piece, idText] = fields.length === 1 ? ['', fields[0]] : fields;
      const id = Number(idText);
      if (fields.length > 2 || !/^\d+$/.test(idText) || id >= vocabSize || !/^[A-Za-z0-9+/]*={0,2}$/.test(piece)) {
        throw new MurmurError(
          'MODEL_TOKENS_MISMATCH',
          `${file} line ${i + 1} is not "<base64> <id>" with an id below the model's n_vocab=${vocabSize}: "${line.slice(0, 60)}". Use the *-tokens.txt that came with this Whisper model.`,
        );
      }
      pieces[id] = Buffer.from(piece, 'base64');
      count++;
    }
    if (count === 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${file} has no tokens. Use the *-tokens.txt that came with this Whisper model.`);
    return new WhisperTokenizer(pieces);
  }

  /** The bytes of one id, or undefined if tokens.txt does not list it (special tokens). */
  piece(id: number): Uint8Array | undefined {
    return this.pieces[id];
  }

  decode(ids: readonly number[]): string {
    const parts = ids.map((id) => this.pieces[id]).filter((p): p is Uint8Array => p !== undefined);
    return this.decoder.decode(Buffer.concat(parts));
  }
}
