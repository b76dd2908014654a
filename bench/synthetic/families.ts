/**
 * The synthetic model of each family, by name: what the real-editor test dictates with and what
 * the token-exact tests and benchmarks generate. `write(dir, seed)` fills a directory the way the
 * family's sherpa-onnx release does, so Murmur's detection finds it as a user's download.
 */
import type { ModelFamily } from '../../src/engine/recognizer';
import { writeSyntheticNemotron } from './nemotron';
import { writeSyntheticParakeet } from './parakeet';
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
  {
    name: 'parakeet',
    // encoder.int8.onnx, decoder.int8.onnx, joiner.int8.onnx, tokens.txt, as the Parakeet TDT releases.
    write: (dir, seed) => void writeSyntheticParakeet(dir, { seed }),
  },
  {
    name: 'nemotron',
    // encoder.onnx, decoder.onnx, joiner.onnx, tokens.txt: the same names as the Parakeet folder, told apart by the encoder's cache inputs.
    write: (dir, seed) => void writeSyntheticNemotron(dir, { seed }),
  },
];
