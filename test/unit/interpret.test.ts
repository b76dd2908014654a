/**
 * Spoken punctuation, formatters, literals and voice commands, as a table: what the model wrote ->
 * what lands in the editor. Model outputs are in both styles Murmur meets: Moonshine (punctuates and
 * capitalises by itself) and streaming Zipformers (bare upper-case words).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultInterpretOptions, interpretPhrase, type InterpretOptions } from '../../src/text/interpret';
import { parseNumber } from '../../src/text/numbers';
import { formatPhrase } from '../../src/text/smart-format';
import { voiceCommandsMarkdown, SPOKEN_FORMATTERS, SPOKEN_SYMBOLS, VOICE_COMMANDS } from '../../src/text/spoken-forms';

const text = (phrase: string, options: Partial<InterpretOptions> = {}): string => {
  const r = interpretPhrase(phrase, { ...defaultInterpretOptions, ...options });
  assert.equal(r.kind, 'text', `"${phrase}" was taken as a command`);
  return r.kind === 'text' ? r.text : '';
};

describe('spoken punctuation and layout', () => {
  const cases: [string, string, string][] = [
    ['Moonshine', 'Hello, comma world period.', 'Hello, world.'],
    ['Moonshine, model comma kept off', 'Hello comma, world period.', 'Hello, world.'],
    ['Zipformer upper case', 'HELLO COMMA WORLD PERIOD', 'hello, world.'],
    ['the issue example', 'hello comma world period new line camel case user name', 'hello, world.\nuserName'],
    ['full stop', 'the end full stop', 'the end.'],
    ['question mark, then a capital', 'is it done question mark yes it is', 'is it done? Yes it is'],
    ['exclamation point', 'wow exclamation point', 'wow!'],
    ['colon and semicolon', 'note colon one semicolon two', 'note: one; two'],
    ['a spaced dash', 'yes dash and no', 'yes - and no'],
    ['hyphen joins', 'well hyphen known', 'well-known'],
    ['parentheses', 'call open paren x close paren', 'call (x)'],
    ['brackets and braces', 'open bracket a close bracket open brace b close brace', '[a] {b}'],
    ['quote ... end quote', 'he said quote hello end quote', 'he said "hello"'],
    ['new paragraph capitalises', 'done period new paragraph next', 'done.\n\nNext'],
    ['tab', 'tab indented', '\tindented'],
    ['hyphenated by the model', 'First new-line second', 'First\nsecond'],
    ['model punctuation elsewhere is kept', 'Well, I think so.', 'Well, I think so.'],
    ['literal', 'the word literal period is fine', 'the word period is fine'],
    ['literal comma', 'type literal comma here', 'type comma here'],
    ['symbols only', 'comma', ','],
    ['no doubling with a model period', 'Stop here period.', 'Stop here.'],
  ];
  for (const [what, said, expected] of cases) test(`${what}: "${said}"`, () => assert.equal(text(said), expected));

  test('off: the words stay words', () => {
    assert.equal(text('hello comma world', { spokenPunctuation: false }), 'hello comma world');
  });
});

describe('code formatting', () => {
  const cases: [string, string, string][] = [
    ['camel', 'camel case user name', 'userName'],
    ['pascal', 'pascal case user name', 'UserName'],
    ['snake', 'snake case max retry count', 'max_retry_count'],
    ['kebab', 'kebab case main menu item', 'main-menu-item'],
    ['constant', 'constant case max size', 'MAX_SIZE'],
    ['screaming snake', 'screaming snake case max size', 'MAX_SIZE'],
    ['no space', 'no space data base', 'database'],
    ['spell', 'spell a b c', 'abc'],
    ['spell, as Moonshine writes it', 'Spell A, B, C.', 'abc'],
    ['number', 'number forty two', '42'],
    ['number in a sentence', 'it costs number one hundred and five dollars', 'it costs 105 dollars'],
    ['number with decimals', 'number three point one four', '3.14'],
    ['formatter up to punctuation', 'let camel case user name semicolon', 'let userName;'],
    ['number, then words', 'x equals number two semicolon', 'x equals 2;'],
    ['a call', 'camel case get user open paren close paren', 'getUser()'],
    ['the model\'s period after a number is kept', 'It is number forty two.', 'It is 42.'],
    ['...unless a spoken symbol follows', 'x is number two, semicolon.', 'x is 2;'],
    ['the model\'s period after an identifier is kept', 'Call it camel case user name.', 'Call it userName.'],
    ['...but not when the phrase is only the identifier', 'Camel case user name.', 'userName'],
    ['...or only the number', 'Number forty two.', '42'],
    ['as Moonshine hears "question mark"', 'Is it ready question, Mark?', 'Is it ready?'],
    ['as Moonshine hears "new line"', 'New line.', '\n'],
    ['a sentence with a number, Moonshine style', 'The total is number forty two period.', 'The total is 42.'],
    ['Moonshine style', 'The value is snake case max retry count period.', 'The value is max_retry_count.'],
    ['Zipformer style', 'CALL CAMEL CASE GET USER OPEN PAREN CLOSE PAREN', 'call getUser()'],
    ['formatter at the end with nothing after: a word', 'camel case', 'camel case'],
  ];
  for (const [what, said, expected] of cases) test(`${what}: "${said}"`, () => assert.equal(text(said), expected));

  test('a phrase starting with an identifier keeps its case at a sentence start', () => {
    const r = interpretPhrase('camel case user name');
    assert.deepEqual(r, { kind: 'text', text: 'userName', keepCase: true });
    assert.equal(formatPhrase(r.kind === 'text' ? r.text : '', { before: '', after: '' }, { smartSpacing: true, smartCapitalization: true, keepCase: true }), 'userName');
    assert.equal(formatPhrase('userName', { before: '', after: '' }), 'UserName', 'without keepCase the sentence rule applies');
  });

  test('off: the words stay words', () => assert.equal(text('camel case user name', { codeFormatting: false }), 'camel case user name'));
});

describe('voice commands', () => {
  const commands: [string, string][] = [
    ['scratch that', 'scratch'],
    ['Scratch that.', 'scratch'],
    ['UNDO THAT', 'scratch'],
    ['select that', 'select'],
    ['Delete word.', 'deleteWord'],
    ['stop dictation', 'stop'],
    ['Cap that.', 'cap'],
    ['all caps that', 'allCaps'],
  ];
  for (const [said, command] of commands) test(`"${said}" is the ${command} command`, () => assert.deepEqual(interpretPhrase(said), { kind: 'command', command }));

  test('a phrase that merely contains the words is text', () => {
    assert.equal(text('please scratch that part'), 'please scratch that part');
    assert.equal(text('I want to stop dictation soon.'), 'I want to stop dictation soon.');
  });
  test('off: commands are typed', () => assert.equal(text('scratch that', { voiceCommands: false }), 'scratch that'));
});

describe('user spoken forms (mapping file)', () => {
  const extra = [
    { say: 'arrow', text: '=>' },
    { say: 'my email', text: 'ada@example.org' },
  ];
  test('are typed, and beat the built-in forms', () => {
    assert.equal(text('x arrow y', { extra }), 'x => y');
    assert.equal(text('Send it to my email, period.', { extra }), 'Send it to ada@example.org.');
  });
});

describe('numbers', () => {
  const cases: [string, string | undefined, number][] = [
    ['forty two', '42', 2],
    ['forty-two', '42', 1],
    ['one hundred and five apples', '105', 4],
    ['two thousand twenty six', '2026', 4],
    ['minus seven', '-7', 2],
    ['three point one four', '3.14', 4],
    ['zero', '0', 1],
    ['42', '42', 1],
    ['apples', undefined, 0],
  ];
  for (const [said, expected, used] of cases) {
    test(`"${said}"`, () => {
      const n = parseNumber(said.split(' '));
      assert.equal(n?.text, expected);
      if (n) assert.equal(n.used, used);
    });
  }
});

test('the Show Voice Commands text lists every spoken form, formatter and command', () => {
  const md = voiceCommandsMarkdown([{ say: 'arrow', text: '=>' }]);
  for (const s of [...SPOKEN_SYMBOLS, ...SPOKEN_FORMATTERS, ...VOICE_COMMANDS]) for (const say of s.say) assert.ok(md.includes(`"${say}"`), say);
  assert.ok(md.includes('"arrow"'));
});
