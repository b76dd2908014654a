/**
 * Token-exact with the reference implementation (issue 17, point 4, for the family Murmur already
 * runs): the shared streaming Zipformer decoded by Murmur's reference mode (LoadedModel.decodeWhole,
 * what `murmur transcribe --no-vad` prints) and by sherpa-onnx-node on the same files, audio and tail
 * of silence give the same token sequence on every shared clip, in greedy search and in modified beam
 * search (4 active paths, sherpa-onnx's default).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import { readTokens } from '../../src/engine/models/zipformer/tokens';
import type { LoadedModel } from '../../src/engine/recognizer';
import { clips, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

interface SherpaStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
interface SherpaRecognizer {
  createStream(): SherpaStream;
  isReady(s: SherpaStream): boolean;
  decode(s: SherpaStream): void;
  getResult(s: SherpaStream): { text: string; tokens: string[] };
}
interface SherpaModule {
  OnlineRecognizer: new (config: object) => SherpaRecognizer;
}

const SEARCHES = [
  ['greedy', 'greedy_search'],
  ['modified-beam-search', 'modified_beam_search'],
] as const;

describe('token-exact with sherpa-onnx-node: the streaming Zipformer', () => {
  const cache = tempCacheDir();
  let model: LoadedModel;
  let dir: string;
  let pieces: string[];

  before(async () => {
    dir = sharedPath(ZIPFORMER_DIR);
    model = await loadModel({ dir }, { threads: 1, cacheDir: cache.dir });
    pieces = readTokens(path.join(dir, 'tokens.txt')).pieces;
  });
  after(async () => {
    await model.dispose();
    cache.remove();
  });

  function sherpa(method: string): SherpaRecognizer {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('sherpa-onnx-node') as SherpaModule;
    return new m.OnlineRecognizer({
      featConfig: { sampleRate: 16000, featureDim: 80 },
      modelConfig: {
        transducer: { encoder: path.join(dir, 'encoder.int8.fixed.onnx'), decoder: path.join(dir, 'decoder.onnx'), joiner: path.join(dir, 'joiner.int8.onnx') },
        tokens: path.join(dir, 'tokens.txt'),
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
      },
      decodingMethod: method,
      maxActivePaths: 4,
    });
  }

  for (const [ours, theirs] of SEARCHES) {
    test(`${ours}: the same tokens on every shared clip`, async () => {
      const rec = sherpa(theirs);
      let compared = 0;
      for (const clip of clips()) {
        const samples = toMono16k(readWav(clip.path));
        const s = rec.createStream();
        s.acceptWaveform({ samples, sampleRate: 16000 });
        s.acceptWaveform({ samples: new Float32Array(12800), sampleRate: 16000 });
        s.inputFinished();
        while (rec.isReady(s)) rec.decode(s);
        const reference = rec.getResult(s);
        const mine = await model.decodeWhole(samples, { decoding: ours, beamSize: 4 });
        const mineAsPieces = mine.tokens.map((t) => (pieces[t] ?? `<${t}>`).replace(/^\u2581/, ' '));
        assert.ok(reference.tokens.length > 0, `${clip.name}: sherpa-onnx emitted tokens`);
        assert.deepEqual(mineAsPieces, reference.tokens, clip.name);
        assert.equal(mine.text, reference.text.trim(), clip.name);
        compared++;
      }
      assert.equal(compared, clips().length);
    });
  }
});
