/**
 * The seeded synthetic Whisper (bench/synthetic/whisper.ts) is a faithful stand-in for sherpa-onnx's
 * Whisper export: the reference implementation loads it and decodes the shared clips into token
 * sequences that are long, varied and different per clip (random weights that gave only the end
 * token, or one token repeated, would make a token-exact comparison prove nothing). The same seed
 * writes the same bytes. This is the reference half of the Whisper token-exact test (issue 17).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { writeSyntheticWhisper } from '../../bench/synthetic/whisper';
import { clips } from '../helpers/shared';

interface OfflineResult {
  text: string;
  tokens: string[];
  lang: string;
}
interface OfflineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface OfflineRecognizer {
  createStream(): OfflineStream;
  decode(s: OfflineStream): void;
  getResult(s: OfflineStream): OfflineResult;
}

describe('synthetic Whisper (sherpa-onnx export contract)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-synthetic-whisper-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the same seed writes the same model; another seed another one', () => {
    const a = writeSyntheticWhisper(path.join(dir, 'a'), { seed: 11 });
    const b = writeSyntheticWhisper(path.join(dir, 'b'), { seed: 11 });
    const c = writeSyntheticWhisper(path.join(dir, 'c'), { seed: 12 });
    for (const k of ['encoder', 'decoder', 'tokens'] as const) assert.ok(fs.readFileSync(a[k]).equals(fs.readFileSync(b[k])), k);
    assert.ok(!fs.readFileSync(a.decoder).equals(fs.readFileSync(c.decoder)));
  });

  test('sherpa-onnx-node decodes every shared clip into long, varied, clip-specific token sequences', () => {
    const model = writeSyntheticWhisper(path.join(dir, 'm'), { seed: 7 });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sherpa = require('sherpa-onnx-node') as { OfflineRecognizer: new (config: object) => OfflineRecognizer };
    const rec = new sherpa.OfflineRecognizer({
      featConfig: { sampleRate: 16000, featureDim: 80 },
      modelConfig: { whisper: { encoder: model.encoder, decoder: model.decoder, language: '', task: 'transcribe', tailPaddings: -1 }, tokens: model.tokens, numThreads: 1, provider: 'cpu', debug: 0 },
    });
    const sequences = new Set<string>();
    for (const clip of clips()) {
      const s = rec.createStream();
      s.acceptWaveform({ samples: toMono16k(readWav(clip.path)), sampleRate: 16000 });
      rec.decode(s);
      const r = rec.getResult(s);
      console.log(`${clip.name}: ${r.lang}, ${r.tokens.length} tokens: ${r.text.slice(0, 60)}`);
      assert.ok(Object.keys(model.special.languages).includes(r.lang), `${clip.name}: detected language ${r.lang}`);
      assert.ok(r.tokens.length >= 10, `${clip.name}: ${r.tokens.length} tokens`);
      assert.ok(new Set(r.tokens).size >= 5, `${clip.name}: only ${new Set(r.tokens).size} distinct tokens`);
      sequences.add(r.tokens.join('|'));
    }
    assert.equal(sequences.size, clips().length, 'each clip decodes to its own sequence');
  });
});
