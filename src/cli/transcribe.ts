/**
 * `murmur transcribe`: the sidecar's file dictation run in this process (same FileSource, feed
 * queue and Dictation as the editor uses), printing finals and, with --stream, partials.
 */
import * as path from 'node:path';
import { readWav, toMono16k } from '../engine/audio/wav';
import { MurmurError } from '../engine/errors';
import type { Log } from '../engine/log';
import { loadModel } from '../engine/models/load';
import { MULTILINGUAL_FAMILIES } from '../engine/recognizer';
import { defaultModelDir } from '../engine/paths';
import { Dictation } from '../sidecar/dictation';
import { FileSource } from '../sidecar/file-source';
import { UsageError, type Command } from './args';
import { TranscriptPrinter, type Output } from './printer';

export async function transcribe(command: Extract<Command, { kind: 'transcribe' }>, out: Output, log: Log): Promise<void> {
  const file = path.resolve(command.file);
  // Read the audio before loading the model: a wrong path fails at once.
  const samples = toMono16k(readWav(file));
  const dir = command.model === undefined ? defaultModelDir() : path.resolve(command.model);
  const model = await loadModel({ dir, family: command.family }, { threads: command.threads, log });
  try {
    if (command.language !== undefined && !MULTILINGUAL_FAMILIES.includes(model.family)) {
      // These families transcribe the one language they were trained on.
      throw new UsageError(`--language ${command.language}: this ${model.family} model transcribes one language and takes no --language; it applies to multilingual models such as Whisper.`);
    }
    const language = command.language;
    if (command.noVad) {
      const whole = await model.decodeWhole(samples, { decoding: command.decoding, language });
      out.write(`${whole.text}\n`);
      if (command.tokens) out.write(`tokens: ${whole.tokens.join(' ')}\n`);
      return;
    }
    const recognizer = model.createRecognizer({ decoding: command.decoding, partials: command.stream, language });
    const printer = new TranscriptPrinter(out, command.stream);
    let failure: MurmurError | undefined;
    await new Promise<void>((resolve, reject) => {
      const dictation = new Dictation(1, recognizer, new FileSource(file, command.stream, samples), {
        emit: (event) => {
          if (event.type === 'partial') printer.partial(event.text);
          else if (event.type === 'final') printer.final(event.text);
          else if (event.type === 'error') failure ??= new MurmurError(event.code === 'PROTOCOL_VERSION' ? 'INTERNAL' : event.code, event.message);
        },
        log,
        listening: () => undefined,
        ending: () => undefined,
        ended: () => resolve(),
      });
      dictation.start().catch(reject);
    });
    printer.end();
    if (failure) throw failure;
  } finally {
    await model.dispose();
  }
}
