import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatPhrase, normalizeCase, isAllCaps } from '../../src/text/smart-format';

describe('smart spacing and capitalisation', () => {
  const cases: [phrase: string, before: string, after: string, expected: string][] = [
    ['Hello world.', '', '', 'Hello world.'],
    ['hello world', '', '', 'Hello world'],
    ['Go forward ten meters.', 'I said', '', ' go forward ten meters.'],
    ['Go forward.', 'I said ', '', 'go forward.'],
    ['and then', 'Done.', '', ' And then'],
    ['and then', 'Done. ', '', 'And then'],
    ['what now', 'Really?', '', ' What now'],
    ['I think so.', 'well', '', ' I think so.'],
    ["I'm here", 'yes', '', " I'm here"],
    ['NASA launched it', 'then', '', ' NASA launched it'],
    ['value', 'foo(', '', 'value'],
    ['quoted', 'say "', '', 'quoted'],
    ['next line', 'end of a sentence.\n', '', 'Next line'],
    ['continued', 'a list,\n', '', 'continued'],
    [', and more', 'first', '', ', and more'],
    ['word', 'text', 'after', ' word '],
    ['word', 'text ', '.', 'word'],
    ['  spaced   out  ', '', '', 'Spaced out'],
    ['GO FORWARD TEN METERS', '', '', 'Go forward ten meters'],
    ['I THINK I AM', 'so', '', ' I think I am'],
    ['', 'anything', '', ''],
  ];
  for (const [phrase, before, after, expected] of cases) {
    test(`${JSON.stringify(phrase)} after ${JSON.stringify(before)} before ${JSON.stringify(after)}`, () => {
      assert.equal(formatPhrase(phrase, { before, after }), expected);
    });
  }

  test('options switch each rule off', () => {
    assert.equal(formatPhrase('Hello', { before: 'x', after: '' }, { smartSpacing: false, smartCapitalization: true }), 'hello');
    assert.equal(formatPhrase('Hello', { before: 'x', after: '' }, { smartSpacing: true, smartCapitalization: false }), ' Hello');
  });

  test('all-caps detection and normalisation', () => {
    assert.equal(isAllCaps('HELLO THERE'), true);
    assert.equal(isAllCaps('Hello'), false);
    assert.equal(isAllCaps('A'), false);
    assert.equal(normalizeCase("I'M SURE I WILL"), "I'm sure I will");
    assert.equal(normalizeCase('Mixed Case'), 'Mixed Case');
  });
});
