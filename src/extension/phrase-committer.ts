/**
 * Commits the current dictation's finals one after another, in order: each one is a voice command
 * run or text inserted at the target; one that cannot be inserted goes to the clipboard, and the
 * chain goes on (a rejected link would skip every later phrase).
 */
import type { FinalEvent } from '../protocol';
import { interpretPhrase } from '../text/interpret';
import type { DictationDeps } from './dictation-ports';

export class PhraseCommitter {
  private chain: Promise<void> = Promise.resolve();
  private reportedMappingError: string | undefined;

  constructor(private readonly deps: DictationDeps) {}

  /** Resolves when every phrase queued so far is committed (or on the clipboard). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Queues a final: committed after every earlier one. */
  add(e: FinalEvent): void {
    // Each step catches its own failure: a rejected link would skip every later phrase.
    this.chain = this.chain.then(() => this.commitOne(e)).catch(async (err: unknown) => {
      this.deps.log.error(`phrase ${e.session}.${e.utterance} could not be committed: ${(err as Error).stack ?? String(err)}`);
      await this.deps.ui.toClipboard(e.text).catch(() => undefined);
      this.deps.committed({ event: e, where: 'clipboard', text: e.text });
    });
  }

  private async commitOne(e: FinalEvent): Promise<void> {
    const { target, stats, log, clock } = this.deps;
    const cfg = this.deps.config();
    if (cfg.voiceMappingError && cfg.voiceMappingError !== this.reportedMappingError) {
      this.reportedMappingError = cfg.voiceMappingError;
      this.deps.ui.mappingError(cfg.voiceMappingError);
    }
    // "send it" sends only from a Chat input (and only as the user allows); anywhere else it is words.
    const meaning = interpretPhrase(e.text, { ...cfg.voice, sendCommand: cfg.voice.sendCommand === true && target.takesSend() });
    if (meaning.kind === 'command') {
      target.clearPartial();
      const what = await target.runCommand(meaning.command);
      log.info(`phrase ${e.session}.${e.utterance}: voice command ${meaning.command}: ${what}`);
      stats.lastCommand = { command: meaning.command, result: what };
      this.deps.committed({ event: e, where: 'command', text: '' });
      return;
    }
    const r = await target.commit(meaning.text, meaning.keepCase === true);
    // From the engine's send to the edit applied: IPC, queueing behind earlier phrases, the edit.
    const latencyMs = clock.wallClock() - e.sentAt;
    stats.finalToEditorMs.push(latencyMs);
    if (r.inserted) stats.committed++;
    stats.lastInsert = { where: r.where, text: r.text };
    log.info(`phrase ${e.session}.${e.utterance} -> ${r.where} in ${latencyMs.toFixed(0)} ms (${e.reason}, ${e.text.length} chars)`);
    this.deps.committed({ event: e, where: r.where, text: r.text });
  }
}
