/**
 * trimHeap (glibc malloc_trim through the mmap addon) gives freed C heap pages back. Without it a
 * process keeps every page it ever freed below malloc's mmap threshold: the sidecar's private
 * memory crept up by tens of MB over an hour of dictation (npm run soak, before and after).
 * Buffers of 32 KB come from the C heap, as onnxruntime's smaller tensors do.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { trimHeap } from '../../src/engine/onnx/mmap';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Resident anonymous memory of this process, MB. */
function anonMb(): number {
  const kb = /^RssAnon:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  assert.ok(kb, '/proc/self/status has RssAnon');
  return Number(kb[1]) / 1024;
}

test('trimHeap returns the pages of freed buffers to the system', () => {
  let buffers: Uint8Array[] | undefined = Array.from({ length: 3000 }, () => new Uint8Array(32 * 1024).fill(1));
  // One buffer allocated last stays alive: the freed ones are below it, so the heap cannot simply
  // shrink from the top (what free() does on its own); only a trim can give them back.
  const pinned = new Uint8Array(32 * 1024).fill(1);
  const allocated = anonMb();
  buffers = undefined;
  gc();
  gc();
  const freed = anonMb();
  assert.equal(buffers, undefined);
  assert.equal(trimHeap(), true, 'malloc_trim released memory');
  const trimmed = anonMb();
  console.log(`  RssAnon: ${allocated.toFixed(1)} MB with 94 MB of buffers, ${freed.toFixed(1)} MB once freed, ${trimmed.toFixed(1)} MB after trimHeap`);
  assert.ok(freed - trimmed > 60, `trimHeap gave back ${(freed - trimmed).toFixed(1)} MB of the 94 MB freed`);
  assert.equal(pinned[0], 1);
});
