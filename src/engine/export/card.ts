/**
 * The model card of an export: DeepSpeech shipped `author_model_0.0.1.md` beside each release
 * (who made it, licence, language, how it was produced); an export carries the same, plus the
 * hashes of its files and how to point Murmur at it.
 */
import type { ModelFamily } from '../recognizer';
import type { ManifestFile } from './manifest';
import type { ExportFormat, ModelCard, OptimizationLevel } from './types';

/** One part of the card's file name: ASCII letters, digits, '.', '_' and '-' only, never empty. */
function namePart(s: string, fallback: string): string {
  const cleaned = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return cleaned || fallback;
}

/** `<author>_<name>_<version>.md`, safe as a file name on every platform. */
export function cardFileName(card: ModelCard): string {
  return `${namePart(card.author, 'unknown')}_${namePart(card.name, 'model')}_${namePart(card.version, '0.0.0')}.md`;
}

export interface CardInput {
  card: ModelCard;
  family: ModelFamily;
  format: ExportFormat;
  optimization: OptimizationLevel;
  /** The files of the export (the card itself and the manifest excluded). */
  files: ManifestFile[];
  onnxruntime: string;
  createdAt: string;
  outputDir: string;
  /** Source file paths by role. */
  source: Record<string, string>;
}

/** Text for one table cell: no line breaks, no column separators. */
function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

const FAMILY: Record<ModelFamily, string> = {
  moonshine: 'Moonshine encoder-decoder (offline model, Silero VAD endpointing in Murmur)',
  zipformer: 'sherpa-onnx streaming Zipformer transducer (encoder, decoder, joiner, tokens.txt)',
  whisper: 'Whisper encoder-decoder as sherpa-onnx exports it (encoder, decoder with KV caches, tokens.txt; Silero VAD endpointing in Murmur)',
  parakeet: 'NeMo Parakeet TDT transducer, offline (encoder, decoder, joiner, tokens.txt; Silero VAD endpointing in Murmur)',
  nemotron: 'NeMo cache-aware streaming transducer (Nemotron; encoder, decoder, joiner, tokens.txt)',
};

const FORMAT: Record<ExportFormat, string> = {
  ort: 'ORT flatbuffer (.ort): memory-mapped and used in place by onnxruntime, weights included',
  onnx: 'graph-optimised ONNX (.onnx)',
};

function levelNote(level: OptimizationLevel): string {
  if (level === 'all') {
    return 'Level "all" may apply layout optimisations specific to the CPU it was exported on; for a model shared across different machines, export with "extended" or "basic". At this level Murmur also runs depthwise 1-D convolutions (Zipformer conv modules) as 2-D ones, which onnxruntime computes with a faster kernel.';
  }
  return `Level "${level}" applies no CPU-specific layouts, so the files suit other machines too.`;
}

export function renderCard(input: CardInput): string {
  const { card } = input;
  const rows: [string, string][] = [
    ['Author', card.author],
    ['Name', card.name],
    ['Version', card.version],
    ['License', card.license],
    ['Language', card.language],
    ['Source', card.source],
    ['Family', FAMILY[input.family]],
    ['Format', FORMAT[input.format]],
    ['Optimisation level', input.optimization],
    ['onnxruntime', input.onnxruntime],
    ['Exported', input.createdAt],
  ];
  const lines = [
    `# ${cell(card.name || 'Model')} ${cell(card.version)}`.trimEnd(),
    '',
    card.description.trim() || '(no description)',
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v) || '-'} |`),
    '',
    '## Files',
    '',
    '| File | Role | Bytes | SHA-256 |',
    '|---|---|---:|---|',
    ...input.files.map((f) => `| ${cell(f.name)} | ${f.role} | ${f.bytes} | \`${f.sha256}\` |`),
    '',
    '`murmur-model.json` lists the same files and hashes, with the ONNX metadata of each source file.',
    '',
    '## Source model',
    '',
    ...input.files.filter((f) => f.source).map((f) => `- ${f.role}: \`${f.source?.path}\` (${f.source?.bytes} bytes, sha256 \`${f.source?.sha256}\`)`),
    '',
    `Exported by Murmur with onnxruntime ${input.onnxruntime} at graph optimisation level "${input.optimization}". ${levelNote(input.optimization)}`,
    input.format === 'ort' ? `ORT files are read by onnxruntime ${input.onnxruntime} or newer.` : '',
    '',
    '## Using it in Murmur',
    '',
    'Set `murmur.model.path` to this folder (Settings > Murmur > Model: Path, or in settings.json):',
    '',
    '```json',
    `"murmur.model.path": ${JSON.stringify(input.outputDir)}`,
    '```',
    '',
    'Murmur recognises the folder by `murmur-model.json` (family, files, and the metadata the model needs) and checks each file against it, so move or copy the folder as a whole.',
    input.format === 'ort'
      ? 'The ORT files are memory-mapped: every VS Code window using this model shares one copy of the weights, and loading needs no conversion.'
      : 'Murmur converts the optimised ONNX files into its ORT cache on first load, as it does for any ONNX model.',
    '',
  ];
  return lines.join('\n');
}
