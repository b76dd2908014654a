import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { PARTIAL_TAIL_CHARS, partialTail } from '../../src/text/partial-tail';

describe('partial tail', () => {
  test('a partial that fits is shown whole', () => {
    assert.equal(partialTail('go forward ten meters'), 'go forward ten meters');
    const exact = 'x'.repeat(PARTIAL_TAIL_CHARS);
    assert.equal(partialTail(exact), exact);
  });

  test('a long partial shows its newest whole words after an ellipsis, within the limit', () => {
    const text = 'God, as a direct consequence of the sin which man thus punished, had given her a lovely child';
    const tail = partialTail(text);
    assert.ok(tail.length <= PARTIAL_TAIL_CHARS, tail);
    assert.ok(tail.startsWith('…'));
    assert.ok(text.endsWith(tail.slice(1)), 'the tail is the end of the text');
    assert.match(tail, /^…\S/, 'no space after the ellipsis');
    assert.ok(text.split(' ').includes(tail.slice(1).split(' ')[0]), `starts with a whole word: ${tail}`);
    assert.ok(tail.endsWith('lovely child'));
  });

  test('one word longer than the limit is cut rather than dropped', () => {
    const tail = partialTail('a'.repeat(100), 10);
    assert.equal(tail, `…${'a'.repeat(9)}`);
  });
});
