/**
 * releaseMemory (the sidecar's idle release) gives back the C heap of buffers that JS dropped. V8
 * frees array buffers' memory on a background thread after a collection, so a trim right behind
 * a single collection can find those pages still in use: they then stay resident until the next
 * release. Buffers of 32 KB come from the C heap, as the audio and tensor buffers of a dictation do.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { releaseMemory } from '../../src/sidecar/release-memory';

/** Resident anonymous memory of this process, MB. */
function anonMb(): number {
  const kb = /^RssAnon:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  assert.ok(kb, '/proc/self/status has RssAnon');
  return Number(kb[1]) / 1024;
}

test('releaseMemory gives back the pages of buffers dropped just before it, at once', () => {
  for (let round = 0; round < 3; round++) {
    let buffers: Uint8Array[] | undefined = Array.from({ length: 3000 }, () => new Uint8Array(32 * 1024).fill(1));
    // Allocated last and kept: the heap cannot simply shrink from its top; only a trim helps.
    const pinned = new Uint8Array(32 * 1024).fill(1);
    const held = anonMb();
    buffers = undefined;
    releaseMemory();
    const released = anonMb();
    console.log(`  round ${round}: RssAnon ${held.toFixed(1)} MB holding 94 MB of buffers, ${released.toFixed(1)} MB right after releaseMemory`);
    assert.equal(buffers, undefined);
    assert.equal(pinned[0], 1);
    assert.ok(held - released > 60, `releaseMemory gave back ${(held - released).toFixed(1)} MB of the 94 MB dropped`);
  }
});
