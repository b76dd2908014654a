/**
 * A recognizer whose model is still loading. A dictation started during a load begins capturing at
 * once (the user can speak while the model maps in); its audio waits in the feed queue, and the
 * first call here waits for the model. If the load fails, every call fails with that error marked
 * as already reported: the loadModel response carries it, so the dictation ends without a second
 * error event.
 */
import { MurmurError, toMurmurError } from '../engine/errors';
import type { LoadedModel, ModelFamily, RecognizerEvent, RecognizerOptions, StreamingRecognizer } from '../engine/recognizer';

/** An error the host has already been told about through another message. */
export class ReportedError extends MurmurError {
  readonly reported = true;
}

export function isReported(e: unknown): boolean {
  return e instanceof ReportedError;
}

export class PendingRecognizer implements StreamingRecognizer {
  private inner: StreamingRecognizer | undefined;
  private readonly ready: Promise<StreamingRecognizer>;

  constructor(
    model: Promise<LoadedModel>,
    options: Partial<RecognizerOptions>,
    /** Known from the load request's location, or 'moonshine' as a placeholder until loaded. */
    private readonly pendingFamily: ModelFamily,
  ) {
    this.ready = model.then(
      (m) => (this.inner = m.createRecognizer(options)),
      (e: unknown) => {
        const error = toMurmurError(e, 'MODEL_LOAD_FAILED');
        throw new ReportedError(error.code, `The model did not load, so nothing was recognized: ${error.message}`);
      },
    );
    // Nobody may call before the load ends (a cancelled dictation never does): no unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get family(): ModelFamily {
    return this.inner?.family ?? this.pendingFamily;
  }

  async accept(samples: Float32Array): Promise<RecognizerEvent[]> {
    return (await this.ready).accept(samples);
  }

  async finish(): Promise<RecognizerEvent[]> {
    return (await this.ready).finish();
  }

  reset(): void {
    // Before the model is there, there is no state to drop (the queue holds the audio).
    this.inner?.reset();
  }
}
