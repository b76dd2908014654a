/**
 * A user's path to Murmur's log: F1, "Murmur: Show Log", Enter, and the Output panel shows the
 * "Murmur" channel. Exercises the manifest (palette title), activation and the command handler
 * together, through real keyboard input, in an editor state a user would have (an empty new file).
 */
import * as path from 'node:path';
import type { UiTest } from './types';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOT = 'ui-palette-show-log.png';

export const paletteShowLog: UiTest = {
  name: 'palette: Murmur: Show Log opens the Murmur output channel',
  timeoutMs: 180_000,
  async run({ page, workbenchUrl, resultsDir, log }) {
    const t0 = Date.now();
    await openWorkbench(page, workbenchUrl);
    log(`workbench restored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await runFromPalette(page, 'File: New Untitled Text File');
    await page.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
    log(`empty untitled editor focused at ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await runFromPalette(page, 'Murmur: Show Log');

    // The channel picker in the Output view's title bar; its value is the channel on screen.
    // (The Output view renders it twice, in the panel's title bar and in its own pane header; either
    // is fine, the visible one is what the user sees.)
    const channel = page.locator('.part.panel select.monaco-select-box[aria-label="Switch Output"]').filter({ visible: true }).first();
    let failure: string | undefined;
    await waitUntil('the Output panel to show the "Murmur" channel', async () => {
      // A missing or throwing command surfaces as a dialog or an error toast: fail with its text
      // at once rather than after the timeout.
      failure = await commandError(page);
      if (failure) return true;
      if (!(await page.locator('.part.panel').isVisible())) return false;
      return (await channel.inputValue({ timeout: 1000 })) === 'Murmur';
    }, 30_000);
    if (failure) throw new Error(`"Murmur: Show Log" failed: ${failure}`);

    const firstLine = (await page.locator('.part.panel .monaco-editor .view-line').first().textContent({ timeout: 10_000 }).catch(() => null))?.trim();
    log(`Output panel on "Murmur"; first line: ${firstLine || '(empty)'}`);
    await page.screenshot({ path: path.join(resultsDir, SCREENSHOT) });
    log(`screenshot: test-results/${SCREENSHOT}`);
  },
};
