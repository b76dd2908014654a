/**
 * Command-line arguments to a command, with usage errors that say what was wrong. Options take
 * `--name value` or `--name=value`; `-h`/`--help` anywhere asks for help.
 */
import { isLanguageSetting } from '../engine/languages';
import type { ModelFamily } from '../engine/recognizer';
import { MODEL_FAMILIES } from '../protocol/model-tools';

export type Command =
  | { kind: 'help' }
  | { kind: 'devices' }
  | {
      kind: 'transcribe';
      file: string;
      model?: string;
      family: ModelFamily | 'auto';
      threads: number;
      stream: boolean;
      decoding: 'greedy' | 'modified-beam-search';
      verbose: boolean;
      /** The reference decode: the whole file as one utterance (LoadedModel.decodeWhole). */
      noVad: boolean;
      /** With noVad: print the token ids too. */
      tokens: boolean;
      /** A language code to force, for models with several. */
      language?: string;
    };

export class UsageError extends Error {}

export const USAGE = `Usage:
  murmur transcribe FILE [options]   print the transcript of a WAV file, one line per utterance
  murmur devices                     list the microphones (recording devices)
  murmur --help                      show this help

Options for transcribe:
  --model DIR        model directory (default: the embedded Moonshine tiny model)
  --family F         ${['auto', ...MODEL_FAMILIES].join(' | ')}
                     (default: auto, detected from the files)
  --threads N        inference threads, 1-64 (default: 1)
  --stream           feed the audio in real time and show partial results as they change
                     (rewritten in place on a terminal; "partial: ..." lines otherwise)
  --decoding D       greedy | modified-beam-search (transducer models; default: greedy)
  --no-vad           reference mode: decode the whole file as one utterance, without voice
                     activity detection or endpointing (streaming models get 0.8 s of silence
                     after it, as sherpa-onnx's examples feed them); prints one line
  --tokens           with --no-vad: also print the model's token ids
  --language XX      force a language, for models that know several (Whisper, Parakeet v3;
                     e.g. de, fr)
  --verbose          log model loading to stderr

Everything runs offline on this machine.`;

const FLAGS = new Set(['--stream', '--verbose', '--no-vad', '--tokens']);
const VALUED = new Set(['--model', '--family', '--threads', '--decoding', '--language']);

export function parseArgs(argv: readonly string[]): Command {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { kind: 'help' };
  const [command, ...rest] = argv;
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (FLAGS.has(key) && eq < 0) flags.add(key);
    else if (VALUED.has(key)) {
      const value = eq < 0 ? rest[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') throw new UsageError(`${key} needs a value.`);
      values.set(key, value);
    } else throw new UsageError(`Unknown option ${arg}.`);
  }

  if (command === 'devices') {
    if (positional.length || values.size || flags.size) throw new UsageError('murmur devices takes no arguments.');
    return { kind: 'devices' };
  }
  if (command !== 'transcribe') throw new UsageError(`Unknown command "${command}". Commands: transcribe, devices.`);
  if (positional.length !== 1) throw new UsageError(positional.length ? `transcribe takes one FILE, got ${positional.length}.` : 'transcribe needs a FILE.');
  const out: Command = {
    kind: 'transcribe',
    file: positional[0],
    family: oneOf(values.get('--family') ?? 'auto', '--family', ['auto', ...MODEL_FAMILIES] as const),
    threads: threads(values.get('--threads') ?? '1'),
    stream: flags.has('--stream'),
    decoding: oneOf(values.get('--decoding') ?? 'greedy', '--decoding', ['greedy', 'modified-beam-search'] as const),
    verbose: flags.has('--verbose'),
    noVad: flags.has('--no-vad'),
    tokens: flags.has('--tokens'),
  };
  if (out.noVad && out.stream) throw new UsageError('--no-vad decodes the whole file at once; it cannot be combined with --stream.');
  if (out.tokens && !out.noVad) throw new UsageError('--tokens prints the token ids of the reference decode: add --no-vad.');
  const model = values.get('--model');
  if (model !== undefined) out.model = model;
  const language = values.get('--language');
  if (language !== undefined) {
    // The same values as murmur.language: what the CLI accepts, the extension can send.
    if (!isLanguageSetting(language)) throw new UsageError(`--language takes a language code such as en, de or fr (or auto); got "${language}".`);
    out.language = language;
  }
  return out;
}

function oneOf<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`${option} must be one of ${allowed.join(', ')}; got "${value}".`);
  return found;
}

function threads(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new UsageError(`--threads must be a whole number from 1 to 64; got "${value}".`);
  return n;
}
