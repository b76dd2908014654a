/**
 * The models Murmur offers to download. Every figure (size, sha256, file names) is pinned here
 * and checked before anything is installed: a file that changed upstream is refused rather than
 * trusted, so a catalog entry must only ever carry figures read from a published source.
 *
 * `root` + `files` keep only what the recognizer loads (the int8 weights and tokens), so test
 * wavs, fp32 duplicates and export scripts in the archives never reach the user's disk.
 */
import { PARAKEET_V3_LANGUAGES, WHISPER_LANGUAGES, WHISPER_V3_LANGUAGES } from '../languages';
import type { CatalogEntry } from './types';

const SHERPA_RELEASE = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';
const SHERPA_PAGE = 'https://github.com/k2-fsa/sherpa-onnx/releases/tag/asr-models';
const NEMO_TRANSDUCER_FILES = ['encoder.int8.onnx', 'decoder.int8.onnx', 'joiner.int8.onnx', 'tokens.txt'];
/** sherpa-onnx's Whisper archives name every file after the model (scripts/whisper/export-onnx.py). */
const whisperFiles = (name: string): string[] => [`${name}-encoder.int8.onnx`, `${name}-decoder.int8.onnx`, `${name}-tokens.txt`];

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
    languages: ['en'],
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
    languages: ['en'],
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
    languages: ['en'],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree on both figures (three give
    // the size 482468385 with this sha256; more give the sha256 alone, one of them citing GitHub's
    // published asset digest). File names: sherpa-onnx's cxx-api-examples/
    // parakeet-tdt-simulate-streaming-microphone-cxx-api.cc loads these four from this folder.
    // Licence: NVIDIA's model card (nvidia/parakeet-tdt-0.6b-v2), CC-BY-4.0.
    id: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8',
    title: 'Parakeet TDT 0.6B v2 (English, int8)',
    family: 'parakeet',
    description: 'Large (0.6B parameters), English only. Writes punctuation and capitals itself.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8.tar.bz2`,
    bytes: 482_468_385,
    sha256: '157c157bc51155e03e37d2466522a3a737dd9c72bb25f36eb18912964161e1ad',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8',
    files: NEMO_TRANSDUCER_FILES,
    license: 'CC-BY-4.0',
    languages: ['en'],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree (three give the size
    // 487170055 with this sha256; several more the sha256 alone, one saying it is the GitHub
    // release asset's). File names: sherpa-onnx's python-api-examples/offline-nemo-parakeet-decode-file.py
    // loads these four from this folder. Languages and licence: NVIDIA's model card
    // (nvidia/parakeet-tdt-0.6b-v3): 25 European languages, CC-BY-4.0.
    id: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8',
    title: 'Parakeet TDT 0.6B v3 (25 European languages, int8)',
    family: 'parakeet',
    description: 'Large (0.6B parameters). Hears 25 European languages and tells which by itself: no setting needed. Writes punctuation and capitals itself.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8.tar.bz2`,
    bytes: 487_170_055,
    sha256: '5793d0fd397c5778d2cf2126994d58e9d56b1be7c04d13c7a15bb1b4eafb16bf',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8',
    files: NEMO_TRANSDUCER_FILES,
    license: 'CC-BY-4.0',
    languages: [...PARAKEET_V3_LANGUAGES],
    page: SHERPA_PAGE,
  },
  {
    // The asset's real name carries the chunk size and date (sherpa-onnx's c-api-examples/
    // streaming-nemotron-c-api.c downloads it and loads encoder/decoder .int8.onnx from this
    // folder, joiner and tokens.txt too). Size and sha256: public repositories that pin it agree
    // (four give the size 463945051 with this sha256, one saying it checked them against a real
    // download; others
    // the sha256 alone). Licence: the NVIDIA Open Model License, as those projects record from
    // NVIDIA's model card (nvidia/nemotron-speech-streaming-en-0.6b).
    id: 'sherpa-onnx-nemotron-speech-streaming-en-0.6b-560ms-int8-2026-04-25',
    title: 'Nemotron Speech Streaming 0.6B (English, 560 ms, int8)',
    family: 'nemotron',
    description: 'Large (0.6B parameters), English, true streaming in 560 ms steps.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-nemotron-speech-streaming-en-0.6b-560ms-int8-2026-04-25.tar.bz2`,
    bytes: 463_945_051,
    sha256: '78e2b79fcf7271553a74402a76b771b09ea40117a39566a79f52235b23db6358',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-nemotron-speech-streaming-en-0.6b-560ms-int8-2026-04-25',
    files: NEMO_TRANSDUCER_FILES,
    license: 'NVIDIA Open Model License',
    languages: ['en'],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree (five give the size
    // 116204861 with this sha256, one also the int8 encoder's own size; many the sha256 alone).
    // File names: sherpa-onnx's c-api-examples/spoken-language-identification-c-api.c loads
    // tiny-encoder.int8.onnx and tiny-decoder.int8.onnx from this folder; tokens per
    // export-onnx.py's naming (tiny-tokens.txt). Licence: OpenAI Whisper, MIT.
    id: 'sherpa-onnx-whisper-tiny',
    title: 'Whisper tiny (99 languages, int8)',
    family: 'whisper',
    description: 'Small. Detects the language, or takes the one murmur.language forces. The fastest and least accurate Whisper.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-whisper-tiny.tar.bz2`,
    bytes: 116_204_861,
    sha256: 'c46116994e539aa165266d96b325252728429c12535eb9d8b6a2b10f129e66b1',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-whisper-tiny',
    files: whisperFiles('tiny'),
    license: 'MIT',
    languages: [...WHISPER_LANGUAGES],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree (several give the size
    // 207557382 with this sha256, one naming GitHub release asset 196350768; more the sha256
    // alone). File names: the same projects' lists (base-encoder.int8.onnx,
    // base-decoder.int8.onnx, base-tokens.txt). Licence: OpenAI Whisper, MIT.
    id: 'sherpa-onnx-whisper-base',
    title: 'Whisper base (99 languages, int8)',
    family: 'whisper',
    description: 'Small. Detects the language, or takes the one murmur.language forces. More accurate than tiny.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-whisper-base.tar.bz2`,
    bytes: 207_557_382,
    sha256: '911b2083efd7c0dca2ac3b358b75222660dc09fb716d64fbfc417ba6c99ff3de',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-whisper-base',
    files: whisperFiles('base'),
    license: 'MIT',
    languages: [...WHISPER_LANGUAGES],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree (several give the size
    // 639387718 with this sha256, one naming GitHub release asset 179373989 and one the
    // per-file sha256 of small-encoder.int8.onnx and small-decoder.int8.onnx; more the sha256
    // alone). Licence: OpenAI Whisper, MIT.
    id: 'sherpa-onnx-whisper-small',
    title: 'Whisper small (99 languages, int8)',
    family: 'whisper',
    description: 'Medium. Detects the language, or takes the one murmur.language forces. Clearly more accurate than base, and slower.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-whisper-small.tar.bz2`,
    bytes: 639_387_718,
    sha256: '486a46afbb7ba798507190ffe02fea2dd726049af212e774537efac6afb210a6',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-whisper-small',
    files: whisperFiles('small'),
    license: 'MIT',
    languages: [...WHISPER_LANGUAGES],
    page: SHERPA_PAGE,
  },
  {
    // Size and sha256: public repositories that pin this asset agree (five give the size
    // 563790207 with this sha256; more the sha256 alone). The archive holds only the int8
    // weights (sherpa-onnx's export-whisper-to-onnx.yaml leaves the fp32 files of large models
    // out): turbo-encoder.int8.onnx, turbo-decoder.int8.onnx, turbo-tokens.txt, as the pinning
    // projects list them. Turbo is large-v3 with a smaller decoder, so it knows large-v3's
    // languages (Cantonese added). Licence: OpenAI Whisper, MIT.
    id: 'sherpa-onnx-whisper-turbo',
    title: 'Whisper large-v3 turbo (100 languages, int8)',
    family: 'whisper',
    description: 'Large. Detects the language, or takes the one murmur.language forces. The most accurate Whisper here, and the slowest.',
    url: `${SHERPA_RELEASE}/sherpa-onnx-whisper-turbo.tar.bz2`,
    bytes: 563_790_207,
    sha256: 'b11acbbcd660b44a8e0df33724feb5aaa709cf65668f2823d59f656312544f22',
    archive: 'tar.bz2',
    root: 'sherpa-onnx-whisper-turbo',
    files: whisperFiles('turbo'),
    license: 'MIT',
    languages: [...WHISPER_V3_LANGUAGES],
    page: SHERPA_PAGE,
  },
] satisfies CatalogEntry[]);
