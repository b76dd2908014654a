/**
 * Everything a user can say that is not taken literally: spoken punctuation and layout, code
 * formatters, and voice commands. One table, used by the interpreter and by "Murmur: Show Voice
 * Commands", so the list the user reads is the list that works.
 */

/** How a symbol joins its neighbours: `left` sticks to the word before ("word,"), `right` to the word after ("(word"), `both` to both ("a-b"), `none` stands alone. */
export type Attach = 'left' | 'right' | 'both' | 'none';

export interface SpokenSymbol {
  /** What the user says (lower case, single spaces); the first is the one listed in the help. */
  say: string[];
  text: string;
  attach: Attach;
  /** Ends a sentence: the next word is capitalised. */
  sentenceEnd?: boolean;
  /** A line break or tab: no spaces around it. */
  layout?: boolean;
  help: string;
}

export const SPOKEN_SYMBOLS: readonly SpokenSymbol[] = [
  { say: ['period', 'full stop'], text: '.', attach: 'left', sentenceEnd: true, help: 'end a sentence' },
  { say: ['comma'], text: ',', attach: 'left', help: '' },
  { say: ['question mark'], text: '?', attach: 'left', sentenceEnd: true, help: '' },
  { say: ['exclamation mark', 'exclamation point'], text: '!', attach: 'left', sentenceEnd: true, help: '' },
  { say: ['colon'], text: ':', attach: 'left', help: '' },
  { say: ['semicolon', 'semi colon'], text: ';', attach: 'left', help: '' },
  { say: ['dash'], text: '-', attach: 'none', help: 'a spaced dash: "yes - and no"' },
  { say: ['hyphen'], text: '-', attach: 'both', help: 'joins words: "well-known"' },
  { say: ['open paren', 'open parenthesis', 'left paren'], text: '(', attach: 'right', help: '' },
  { say: ['close paren', 'close parenthesis', 'right paren'], text: ')', attach: 'left', help: '' },
  { say: ['open bracket', 'left bracket'], text: '[', attach: 'right', help: '' },
  { say: ['close bracket', 'right bracket'], text: ']', attach: 'left', help: '' },
  { say: ['open brace', 'left brace', 'open curly'], text: '{', attach: 'right', help: '' },
  { say: ['close brace', 'right brace', 'close curly'], text: '}', attach: 'left', help: '' },
  { say: ['quote', 'open quote', 'begin quote'], text: '"', attach: 'right', help: 'opens a quotation' },
  { say: ['end quote', 'close quote', 'unquote'], text: '"', attach: 'left', help: 'closes it' },
  { say: ['new line', 'newline'], text: '\n', attach: 'none', layout: true, help: '' },
  { say: ['new paragraph'], text: '\n\n', attach: 'none', layout: true, sentenceEnd: true, help: 'a blank line' },
  { say: ['tab'], text: '\t', attach: 'none', layout: true, help: '' },
];

export type FormatterName = 'camel' | 'pascal' | 'snake' | 'kebab' | 'constant' | 'nospace' | 'spell' | 'number';

export interface SpokenFormatter {
  say: string[];
  name: FormatterName;
  example: string;
}

/** A formatter applies to the words after it, up to the end of the phrase or the next spoken symbol. */
export const SPOKEN_FORMATTERS: readonly SpokenFormatter[] = [
  { say: ['camel case'], name: 'camel', example: 'camel case user name -> userName' },
  { say: ['pascal case'], name: 'pascal', example: 'pascal case user name -> UserName' },
  { say: ['snake case'], name: 'snake', example: 'snake case user name -> user_name' },
  { say: ['kebab case'], name: 'kebab', example: 'kebab case user name -> user-name' },
  { say: ['constant case', 'screaming snake case'], name: 'constant', example: 'constant case max size -> MAX_SIZE' },
  { say: ['no space'], name: 'nospace', example: 'no space data base -> database' },
  { say: ['spell'], name: 'spell', example: 'spell a b c -> abc' },
  { say: ['number'], name: 'number', example: 'number forty two -> 42' },
];

export type VoiceCommandName = 'scratch' | 'select' | 'deleteWord' | 'stop' | 'cap' | 'allCaps' | 'send';

export interface VoiceCommand {
  say: string[];
  name: VoiceCommandName;
  help: string;
}

/** Recognised only as a whole phrase: "scratch that" alone is a command, "please scratch that part" is text. */
export const VOICE_COMMANDS: readonly VoiceCommand[] = [
  { say: ['scratch that', 'undo that'], name: 'scratch', help: 'removes the last dictated phrase (never your typing)' },
  { say: ['select that'], name: 'select', help: 'selects the last dictated phrase' },
  { say: ['delete word'], name: 'deleteWord', help: 'deletes the word before the cursor' },
  { say: ['stop dictation'], name: 'stop', help: 'stops listening' },
  { say: ['cap that'], name: 'cap', help: 'capitalises each word of the last phrase' },
  { say: ['all caps that'], name: 'allCaps', help: 'upper-cases the last phrase' },
  { say: ['send it', 'submit'], name: 'send', help: 'sends the Chat message: only in a Chat input, the one way dictation ever sends (murmur.voice.sendCommand)' },
];

/** Say this before a keyword to type the word itself: "literal period" -> "period". */
export const LITERAL = 'literal';

/** The reference the "Show Voice Commands" view shows, from the tables above. */
export function voiceCommandsMarkdown(extra: readonly { say: string; text: string }[] = []): string {
  const visible = (t: string) => t.replace(/\n/g, '⏎').replace(/\t/g, '⇥');
  const lines = [
    '# Murmur: what you can say',
    '',
    'Dictate normally; these words are turned into symbols, formatting or actions. Say **literal** before one to type the word itself ("literal period" types *period*).',
    '',
    '## Punctuation and layout',
    '',
    '| Say | Types | |',
    '|---|---|---|',
    ...SPOKEN_SYMBOLS.map((s) => `| ${s.say.map((w) => `"${w}"`).join(', ')} | \`${visible(s.text)}\` | ${s.help} |`),
    '',
    '## Code formatting',
    '',
    'A formatter applies to the words after it, up to the end of the phrase or the next punctuation word.',
    '',
    '| Say | Example |',
    '|---|---|',
    ...SPOKEN_FORMATTERS.map((f) => `| ${f.say.map((w) => `"${w}"`).join(', ')} | ${f.example} |`),
    '',
    '## Commands (say the whole phrase on its own)',
    '',
    '| Say | Does |',
    '|---|---|',
    ...VOICE_COMMANDS.map((c) => `| ${c.say.map((w) => `"${w}"`).join(', ')} | ${c.help} |`),
  ];
  if (extra.length) {
    lines.push('', '## Your spoken forms (murmur.voice.mappingFile)', '', '| Say | Types |', '|---|---|', ...extra.map((e) => `| "${e.say}" | \`${visible(e.text)}\` |`));
  }
  return lines.join('\n') + '\n';
}
