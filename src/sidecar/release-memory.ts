/**
 * Gives memory back when the sidecar goes idle (a dictation ended, a model loaded): a full garbage
 * collection, then glibc's malloc_trim. Without the collection, the samples of a long file or the
 * scratch of a long utterance stay reachable-by-nobody but resident until V8 next feels pressure,
 * which an idle process never does; without the trim, freed C heap (onnxruntime's scratch) stays
 * resident for good. Measured by `npm run soak`.
 *
 * Two collections: V8 frees dropped array buffers' memory (audio, tensors) on a background thread
 * after a collection, so a trim right behind one collection finds much of it still allocated; the
 * second collection first waits for that freeing to finish. With one, a sidecar idle after a
 * dictation kept megabytes more, a different amount each time (README, Performance).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { trimHeap } from '../engine/onnx/mmap';

let collect: (() => void) | null | undefined;

/** V8's gc(), exposed at run time (no command-line flag needed); null if the runtime refuses. */
function garbageCollector(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

export function releaseMemory(): void {
  if (collect === undefined) collect = garbageCollector();
  collect?.();
  collect?.();
  trimHeap();
}
