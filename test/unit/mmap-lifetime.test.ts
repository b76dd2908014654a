/**
 * A memory-mapped model must stay mapped as long as its session lives, whoever holds the session.
 * Regression test: a detector that kept only the session (not the object holding the mapping) had
 * its model unmapped by the garbage collector under onnxruntime: a segmentation fault.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { createSileroVad } from '../../src/engine/vad/silero';
import { sharedPath } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

test('sessions keep their mapped model alive through garbage collection', async () => {
  const cache = tempCacheDir();
  try {
    // Only the detector survives this call; the loader's objects become garbage.
    const vad = await createSileroVad(sharedPath('models/silero-vad-v5/silero_vad.onnx'), { cacheDir: cache.dir });
    const noise = new Float32Array(16000).map((_, i) => Math.sin(i) * 0.05);
    let windows = 0;
    for (let i = 0; i < 10; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
      windows += (await vad.process(noise)).length;
    }
    assert.equal(windows, Math.floor((10 * 16000) / 512));
  } finally {
    cache.remove();
  }
});
