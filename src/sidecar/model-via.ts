/**
 * How a model's bytes reached onnxruntime (memory-mapped ORT file, ORT file read into memory, or
 * ONNX by path), for the modelLoaded event. LoadedModel does not expose it, but every session load
 * logs it (engine/onnx/session.ts), so it is read from those lines as they pass to the log.
 * If the wording changes the answer is 'unknown', never wrong.
 */
import type { Log } from '../engine/log';
import type { ModelVia } from '../protocol/messages';

const CACHED = /^loaded .+ \((?:converted to ORT|cached ORT), (mmap|read)\) in \d+ ms$/;
const BY_PATH = /^loaded .+ by path in \d+ ms$/;

export class ViaRecorder {
  private readonly seen = new Set<'mmap' | 'read' | 'path'>();

  /** Wraps a log so every line also passes through here. */
  wrap(log: Log): Log {
    return (level, message) => {
      const m = CACHED.exec(message);
      if (m) this.seen.add(m[1] === 'mmap' ? 'mmap' : 'read');
      else if (BY_PATH.test(message)) this.seen.add('path');
      log(level, message);
    };
  }

  get via(): ModelVia {
    if (this.seen.size === 0) return 'unknown';
    if (this.seen.size > 1) return 'mixed';
    const [only] = this.seen;
    return only;
  }
}
