/**
 * sherpa-onnx tokens.txt: one "<piece> <id>" per line. BPE pieces mark a word start with U+2581.
 *
 * The ids of N lines are 0..N-1, each once. Anything else is refused with the line named: the table
 * is sized by the number of lines, never by an id, since one line "x 4294967294" would otherwise
 * make a 4-billion-slot array that every later lookup crawls through (minutes, or out of memory).
 * Messages never quote a line: tokens.txt may be any file (a symlink to a private key...).
 */
import * as fs from 'node:fs';
import { MurmurError } from '../../errors';

export interface TokenTable {
  pieces: string[];
  blankId: number;
  unkId: number;
}

/** A tokens file read line by line, with the first thing wrong with it instead of an exception. */
export interface TokenScan {
  /** Pieces by id; complete (every slot filled) when there is neither `problem` nor `outOfRange`. */
  pieces: string[];
  /** Non-empty lines: the number of tokens, and the bound on ids. */
  count: number;
  /** The highest well-formed id, in range or not (-1 if none), for checks against a vocab_size. */
  maxId: number;
  /** The first malformed line or repeated id. */
  problem?: string;
  /** The first id that is not below `count`. */
  outOfRange?: string;
}

/** Decimal digits only: Number() would also take "0x1F3", "4.99e2" and "" (as 0). */
const ID = /^[0-9]+$/;

export function scanTokens(text: string): TokenScan {
  const lines = text.split(/\r?\n/);
  let count = 0;
  for (const line of lines) if (line.trim() !== '') count++;
  const pieces = new Array<string>(count);
  // Line number (1-based) of each id in range, to name both lines of a repeated id.
  const lineOfId = new Uint32Array(count);
  let maxId = -1;
  let problem: string | undefined;
  let outOfRange: string | undefined;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '') continue;
    // The piece itself may be a space-like character, so split on the last space only.
    const at = line.lastIndexOf(' ');
    const digits = at > 0 ? line.slice(at + 1) : '';
    const id = ID.test(digits) ? Number(digits) : NaN;
    if (!Number.isSafeInteger(id)) {
      problem ??= `line ${n + 1} is not "<piece> <id>" (a token and its integer id)`;
      continue;
    }
    maxId = Math.max(maxId, id);
    if (id >= count) {
      outOfRange ??= `line ${n + 1} has id ${id}, but the file has ${count} tokens, so ids run from 0 to ${count - 1}`;
      continue;
    }
    if (lineOfId[id] !== 0) {
      problem ??= `lines ${lineOfId[id]} and ${n + 1} both have id ${id}`;
      continue;
    }
    lineOfId[id] = n + 1;
    pieces[id] = line.slice(0, at);
  }
  return { pieces, count, maxId, problem, outOfRange };
}

/** The error for a tokens file that is not a usable tokens.txt; `why` names the line. */
export function tokensError(source: string, why: string): MurmurError {
  return new MurmurError('MODEL_TOKENS_MISMATCH', `${source} is not a sherpa-onnx tokens.txt: ${why}. Use the tokens.txt that came with this model.`);
}

export function parseTokens(text: string, source: string): TokenTable {
  const scan = scanTokens(text);
  const why = scan.problem ?? scan.outOfRange;
  if (why) throw tokensError(source, why);
  if (scan.count === 0) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source} has no tokens. Use the tokens.txt that came with this model.`);
  const { pieces } = scan;
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
