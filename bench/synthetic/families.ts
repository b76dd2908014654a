/**
 * The synthetic model of each family, by name: what the real-editor test dictates with and what
 * the token-exact tests and benchmarks generate. `write(dir, seed)` fills a directory the way the
 * family's sherpa-onnx release does, so Murmur's detection finds it as a user's download.
 */
import type { ModelFamily } from '../../src/engine/recognizer';
import { writeSyntheticWhisper } from './whisper';

export interface SyntheticFamily {
  name: ModelFamily;
  write(dir: string, seed: number): void;
}

export const SYNTHETIC_FAMILIES: readonly SyntheticFamily[] = [
  {
    name: 'whisper',
    // Written as sherpa-onnx's releases name them: <size>-encoder.onnx, <size>-decoder.onnx, <size>-tokens.txt.
    write: (dir, seed) => void writeSyntheticWhisper(dir, { seed }),
  },
];
