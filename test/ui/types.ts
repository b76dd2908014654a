/**
 * The contract between UI tests (test/ui/*.ui.ts) and the harness that drives them
 * (test/vscode/run.ts): the harness owns the server, the browser and the clock; a test only gets a
 * fresh page and somewhere to put screenshots.
 */
import type { Page } from 'playwright-core';

export interface UiTestContext {
  /** A fresh browser page (own context), not yet navigated. */
  page: Page;
  /** code-server URL that opens the test workspace with Murmur loaded from the repository. */
  workbenchUrl: string;
  /** test-results/: screenshots go here. */
  resultsDir: string;
  /** The folder the window opens. */
  workspace: string;
  /** The server's User settings file (restored by the harness after each test). */
  userSettingsFile: string;
  /** Holding "realtime" paces the test microphone (test/vscode/lib/paced-arecord.ts); remove it after. */
  micPacingFile: string;
  log(line: string): void;
}

export interface UiTest {
  name: string;
  /** Generous: a cold workbench load on a busy 2-core machine takes tens of seconds. */
  timeoutMs: number;
  run(ctx: UiTestContext): Promise<void>;
}
