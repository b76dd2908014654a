/**
 * The ORT cache's size against the ONNX files it comes from, for the embedded model: every window
 * maps these files and the page cache holds them, so a cache much larger than the model costs
 * memory on every machine that runs Murmur. The model is loaded into a fresh temporary cache, so
 * the files are what a first load writes (the decoder without its output projection when the
 * addon can compute it: src/engine/onnx/tied-projection.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { defaultModelDir } from '../src/engine/paths';
import { fmt, table } from './stats';

export async function cacheSizeBench(): Promise<Record<string, unknown>> {
  console.log('\n## ORT cache size, embedded Moonshine model (MB)');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-cache-'));
  const out: Record<string, { onnxMb: number; ortMb: number; ratio: number }> = {};
  const rows: (string | number)[][] = [['file', 'ONNX', 'ORT (cached)', 'ORT / ONNX']];
  try {
    await (await loadModel({ dir: defaultModelDir() }, { threads: 1, cacheDir: cache })).dispose();
    const written = fs.readdirSync(cache);
    for (const name of ['encoder_model.onnx', 'decoder_model_merged.onnx']) {
      const onnx = path.join(defaultModelDir(), name);
      const base = name.replace(/\.onnx$/, '.');
      const files = written.filter((f) => f.startsWith(base) && f.endsWith('.ort'));
      if (files.length !== 1) throw new Error(`expected one ORT file for ${name} in the cache, found ${files.join(', ') || 'none'}`);
      const ortPath = path.join(cache, files[0]);
      const onnxMb = fs.statSync(onnx).size / 1e6;
      const ortMb = fs.statSync(ortPath).size / 1e6;
      out[name.replace(/\.onnx$/, '')] = { onnxMb, ortMb, ratio: ortMb / onnxMb };
      rows.push([name, fmt(onnxMb), fmt(ortMb), fmt(ortMb / onnxMb, 2)]);
    }
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
  table(rows);
  return out;
}
