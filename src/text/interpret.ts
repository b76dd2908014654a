/**
 * From recognised words to what lands in the editor: spoken punctuation and layout, code
 * formatters, "literal" escapes, and whole-phrase voice commands. Pure functions (no VS Code).
 *
 * Models that punctuate by themselves (Moonshine) write "Hello, comma world period." for
 * "hello comma world period": the punctuation the model put next to a spoken symbol is its guess at
 * the same pause, so it is dropped and the spoken symbol wins ("Hello, world."). Punctuation the
 * model wrote elsewhere is kept: it is the only punctuation a user who does not speak it gets.
 * Models that emit bare upper-case words (streaming Zipformers) are lower-cased first.
 */
import { normalizeCase } from './smart-format';
import { isNumberWord, parseNumber } from './numbers';
import { LITERAL, SPOKEN_FORMATTERS, SPOKEN_SYMBOLS, VOICE_COMMANDS, type Attach, type FormatterName, type VoiceCommandName } from './spoken-forms';

export interface InterpretOptions {
  spokenPunctuation: boolean;
  codeFormatting: boolean;
  voiceCommands: boolean;
  /**
   * "send it" / "submit" is a command (it sends the Chat message): only with voiceCommands on, the
   * user's murmur.voice.sendCommand on and the keyboard in a Chat input. Otherwise it is words.
   */
  sendCommand?: boolean;
  /** Extra spoken forms (murmur.voice.mappingFile): what is said -> what is typed. */
  extra: readonly { say: string; text: string }[];
}

export const defaultInterpretOptions: InterpretOptions = { spokenPunctuation: true, codeFormatting: true, voiceCommands: true, extra: [] };

export type Interpretation =
  | { kind: 'command'; command: VoiceCommandName }
  /** `keepCase`: the text starts with something formatted (an identifier): do not change its case. */
  | { kind: 'text'; text: string; keepCase: boolean };

interface Token {
  /** The word without surrounding punctuation, as the model wrote it. */
  word: string;
  /** Lower case, for matching. */
  key: string;
  pre: string;
  post: string;
}

const EDGE = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const raw of text.split(/\s+/).filter(Boolean)) {
    const [, pre, word, post] = EDGE.exec(raw) ?? ['', '', raw, ''];
    // "new-line", "camel-case": models hyphenate what they take for compounds.
    const parts = word.includes('-') && KEYWORD_PARTS.has(word.toLowerCase().split('-')[1] ?? '') ? word.split('-') : [word];
    parts.forEach((p, i) => out.push({ word: p, key: p.toLowerCase(), pre: i === 0 ? pre : '', post: i === parts.length - 1 ? post : '' }));
  }
  return out.filter((t) => t.word !== '' || t.pre !== '' || t.post !== '');
}

/** Second words of multi-word keywords: a hyphenated "new-line" is split so that it matches. */
const KEYWORD_PARTS = new Set(
  [...SPOKEN_SYMBOLS.flatMap((s) => s.say), ...SPOKEN_FORMATTERS.flatMap((f) => f.say)].map((s) => s.split(' ')).filter((w) => w.length > 1).map((w) => w[1]),
);

interface Piece {
  text: string;
  attach: Attach;
  layout?: boolean;
  sentenceEnd?: boolean;
  /** Formatted: its case is final. */
  verbatim?: boolean;
  /** Punctuation the model wrote after a formatted run: dropped if a spoken symbol follows. */
  model?: boolean;
}

interface Phrase<T> {
  words: string[];
  value: T;
}

function phrases<T>(entries: readonly { say: readonly string[] }[], value: (i: number) => T): Phrase<T>[] {
  return entries
    .flatMap((e, i) => e.say.map((s) => ({ words: s.split(' '), value: value(i) })))
    .sort((a, b) => b.words.length - a.words.length);
}

const SYMBOL_PHRASES = phrases(SPOKEN_SYMBOLS, (i) => SPOKEN_SYMBOLS[i]);
const FORMATTER_PHRASES = phrases(SPOKEN_FORMATTERS, (i) => SPOKEN_FORMATTERS[i].name);

function matchAt<T>(tokens: Token[], i: number, list: Phrase<T>[]): Phrase<T> | undefined {
  return list.find((p) => p.words.every((w, k) => tokens[i + k]?.key === w));
}

function caseWords(words: string[], name: FormatterName): string {
  const w = words.map((x) => x.toLowerCase()).filter(Boolean);
  const cap = (x: string) => x.charAt(0).toUpperCase() + x.slice(1);
  switch (name) {
    case 'camel':
      return w.map((x, i) => (i === 0 ? x : cap(x))).join('');
    case 'pascal':
      return w.map(cap).join('');
    case 'snake':
      return w.join('_');
    case 'kebab':
      return w.join('-');
    case 'constant':
      return w.join('_').toUpperCase();
    case 'nospace':
      return w.join('');
    case 'spell':
      // Letters as the model wrote them ("A", "b."), or the first letter of a spelled word.
      return w.map((x) => x.charAt(0)).join('');
    case 'number':
      return w.join(' ');
  }
}

export function interpretPhrase(phrase: string, options: InterpretOptions = defaultInterpretOptions): Interpretation {
  const text = normalizeCase(phrase.trim());
  const tokens = tokenize(text);
  if (options.voiceCommands) {
    const said = tokens.map((t) => t.key).filter(Boolean).join(' ');
    const command = VOICE_COMMANDS.find((c) => c.say.includes(said));
    if (command && (command.name !== 'send' || options.sendCommand === true)) return { kind: 'command', command: command.name };
  }
  const extra = phrases(
    options.extra.map((e) => ({ say: [e.say.toLowerCase().trim().replace(/\s+/g, ' ')] })),
    (i) => options.extra[i].text,
  );
  const pieces: Piece[] = [];
  const dropModelPunctuation = () => {
    const last = pieces[pieces.length - 1];
    if (last?.model) pieces.pop();
    else if (last && !last.verbatim && last.attach === 'none') last.text = last.text.replace(/[.,;:!?]+$/, '');
  };
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.key === LITERAL && i + 1 < tokens.length && (options.spokenPunctuation || options.codeFormatting)) {
      const next = tokens[i + 1];
      pieces.push({ text: next.pre + next.word + next.post, attach: 'none' });
      i += 2;
      continue;
    }
    const own = matchAt(tokens, i, extra);
    if (own) {
      dropModelPunctuation();
      pieces.push({ text: own.value, attach: 'none', verbatim: true });
      i += own.words.length;
      continue;
    }
    const symbol = options.spokenPunctuation ? matchAt(tokens, i, SYMBOL_PHRASES) : undefined;
    if (symbol) {
      dropModelPunctuation();
      const s = symbol.value;
      pieces.push({ text: s.text, attach: s.attach, layout: s.layout, sentenceEnd: s.sentenceEnd });
      i += symbol.words.length;
      continue;
    }
    const formatter = options.codeFormatting ? matchAt(tokens, i, FORMATTER_PHRASES) : undefined;
    if (formatter && i + formatter.words.length < tokens.length) {
      let j = i + formatter.words.length;
      const words: string[] = [];
      if (formatter.value === 'number') {
        // The number words that follow (parseNumber says how many make the number).
        while (j < tokens.length && (isNumberWord(tokens[j].key) || ['and', 'point', 'minus', 'negative'].includes(tokens[j].key))) words.push(tokens[j++].word);
        const used = parseNumber(words)?.used ?? 0;
        words.length = used;
        j = i + formatter.words.length + used;
      } else {
        // Up to the end of the phrase or the next spoken symbol or formatter.
        while (j < tokens.length && !(options.spokenPunctuation && matchAt(tokens, j, SYMBOL_PHRASES)) && !matchAt(tokens, j, FORMATTER_PHRASES)) words.push(tokens[j++].word);
      }
      if (formatter.value === 'number') {
        const n = parseNumber(words);
        if (n) {
          dropModelPunctuation();
          pieces.push({ text: n.text, attach: 'none', verbatim: true });
          i = j;
          // The model's punctuation after the last number word belongs to the sentence.
          const post = tokens[j - 1]?.post ?? '';
          if (post) pieces.push({ text: post, attach: 'left', model: true });
          continue;
        }
      } else if (words.length > 0) {
        dropModelPunctuation();
        pieces.push({ text: caseWords(words, formatter.value), attach: 'none', verbatim: true });
        const post = formatter.value === 'spell' ? '' : (tokens[j - 1]?.post ?? '').replace(/^[^.,;:!?]*/, '');
        if (post) pieces.push({ text: post, attach: 'left', model: true });
        i = j;
        continue;
      }
    }
    pieces.push({ text: t.pre + t.word + t.post, attach: 'none' });
    i++;
  }
  // A phrase that is only a formatted run ("camel case user name", "number forty two"): the period
  // the model ends every utterance with is not part of an identifier.
  if (pieces.length === 2 && pieces[0].verbatim && pieces[1].model) pieces.pop();
  return { kind: 'text', text: join(pieces), keepCase: pieces[0]?.verbatim === true };
}

/** Spaces between words; symbols stick to their side; after a sentence end the next word is capitalised. */
function join(pieces: Piece[]): string {
  let out = '';
  let glueNext = false;
  let capitalizeNext = false;
  let prev: Piece | undefined;
  for (const p of pieces) {
    if (!p.text) continue;
    if (p.layout) {
      out = out.replace(/ +$/, '') + p.text;
      glueNext = true;
    } else if (p.attach === 'left' || p.attach === 'both') {
      out = out.replace(/ +$/, '') + p.text;
      glueNext = p.attach === 'both';
    } else {
      // An opening bracket right after an identifier is a call or an index: "getUser(".
      if (p.attach === 'right' && prev?.verbatim) glueNext = true;
      let text = p.text;
      if (capitalizeNext && !p.verbatim && p.attach === 'none') text = text.replace(/^(\W*)(\p{Ll})/u, (_m, a: string, c: string) => a + c.toUpperCase());
      if (out && !glueNext && !/\s$/.test(out)) out += ' ';
      out += text;
      glueNext = p.attach === 'right';
    }
    if (p.sentenceEnd) capitalizeNext = true;
    else if (p.attach === 'none' && !p.layout) capitalizeNext = false;
    prev = p;
  }
  return out.replace(/ +$/, '');
}
