/**
 * The ORT cache's size against the ONNX files it comes from, for the embedded model: every window
 * maps these files and the page cache holds them, so a cache much larger than the model costs
 * memory on every machine that runs Murmur. Converted fresh into a temporary cache, as the first
 * load converts them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureOrtModel } from '../src/engine/onnx/ort-cache';
import { defaultModelDir } from '../src/engine/paths';
import { fmt, table } from './stats';

export async function cacheSizeBench(): Promise<Record<string, unknown>> {
  console.log('\n## ORT cache size, embedded Moonshine model (MB)');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-cache-'));
  const out: Record<string, { onnxMb: number; ortMb: number; ratio: number }> = {};
  const rows: (string | number)[][] = [['file', 'ONNX', 'ORT (cached)', 'ORT / ONNX']];
  try {
    for (const name of ['encoder_model.onnx', 'decoder_model_merged.onnx']) {
      const onnx = path.join(defaultModelDir(), name);
      const { ortPath } = await ensureOrtModel(onnx, cache);
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
