/**
 * sherpa-onnx tokens.txt: one "<piece> <id>" per line. BPE pieces mark a word start with U+2581.
 */
import * as fs from 'node:fs';
import { MurmurError } from '../../errors';

export interface TokenTable {
  pieces: string[];
  blankId: number;
  unkId: number;
}

export function parseTokens(text: string, source: string): TokenTable {
  const pieces: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '') continue;
    // The piece itself may be a space-like character, so split on the last space only.
    const at = line.lastIndexOf(' ');
    const id = at > 0 ? Number(line.slice(at + 1)) : NaN;
    if (!Number.isInteger(id) || id < 0) {
      throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source}:${n + 1}: expected "<piece> <id>", got "${line.slice(0, 60)}". Is this a sherpa-onnx tokens.txt?`);
    }
    pieces[id] = line.slice(0, at);
  }
  if (pieces.length === 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source} has no tokens.`);
  const blankId = Math.max(0, pieces.indexOf('<blk>'));
  const unk = pieces.indexOf('<unk>');
  return { pieces, blankId, unkId: unk };
}

export function readTokens(file: string): TokenTable {
  return parseTokens(fs.readFileSync(file, 'utf8'), file);
}

/** Joins pieces into text the way sherpa-onnx does for BPE models. */
export function detokenize(table: TokenTable, ids: readonly number[]): string {
  let s = '';
  for (const id of ids) s += table.pieces[id] ?? '';
  return s.replace(/\u2581/g, ' ').trim().replace(/\s+/g, ' ');
}
