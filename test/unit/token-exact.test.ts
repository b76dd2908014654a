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
import { sherpaDecodeWhole, sherpaRecognizer } from '../../bench/sherpa';

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

  for (const [ours, theirs] of SEARCHES) {
    test(`${ours}: the same tokens on every shared clip`, async () => {
      const rec = sherpaRecognizer(dir, 1, { decodingMethod: theirs });
      let compared = 0;
      for (const clip of clips()) {
        const samples = toMono16k(readWav(clip.path));
        const reference = sherpaDecodeWhole(rec, samples);
        const mine = await model.decodeWhole(samples, { decoding: ours, beamSize: 4 });
        const mineAsPieces = mine.tokens.map((t) => (pieces[t] ?? `<${t}>`).replace(/^\u2581/, ' '));
        assert.ok(reference.tokens.length > 0, `${clip.name}: sherpa-onnx emitted tokens`);
        assert.deepEqual(mineAsPieces, reference.tokens, clip.name);
        assert.equal(mine.text, reference.text, clip.name);
        compared++;
      }
      assert.equal(compared, clips().length);
    });
  }
});
