/**
 * The model export panel, driven as a user drives it: F1, "Murmur: Open Model Export Settings",
 * the embedded Moonshine model shown, an output folder and model card filled in, Export; the
 * sidecar converts the model to the memory-mappable ORT format and measures source and export
 * side by side on the bundled sample clip; the table is read; "Use This Model" switches Murmur to
 * the export. The screenshot of the filled table is the one in the README.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { UiTest } from './types';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOT = 'ui-export-panel.png';
/** The bundled clip says "he was not an ill disposed young man"; Moonshine tiny hears "ill-sposed". */
const SAMPLE = /he was not an ill/i;

/** The panel's document: VS Code hosts a webview in an iframe holding the content's own iframe. */
function panel(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export const exportPanel: UiTest = {
  name: 'export panel: export the model to ORT, read the side-by-side table, use the export',
  timeoutMs: 420_000,
  async run({ page, workbenchUrl, resultsDir, log }) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-ui-export-')), 'moonshine-tiny-ort');
    await openWorkbench(page, workbenchUrl);
    await runFromPalette(page, 'Murmur: Open Model Export Settings');
    const ui = panel(page);
    const byId = (id: string) => ui.locator(`[data-testid="${id}"]`);

    await waitUntil('the panel to show the embedded Moonshine model', async () => /moonshine/i.test((await byId('model-family').textContent({ timeout: 1000 })) ?? ''), 120_000);
    log(`model: ${(await byId('model-summary').textContent())?.replace(/\s+/g, ' ').trim()}`);

    await byId('format-ort').check();
    await byId('optimization').selectOption('all');
    await byId('output-dir').fill(out);
    await byId('card-author').fill('Murmur UI test');
    await byId('card-name').fill('moonshine-tiny');
    await byId('card-version').fill('0.0.1');
    await byId('card-license').fill('MIT');
    await byId('card-language').fill('en');
    await byId('card-description').fill('Moonshine tiny, int8, exported to the ORT format for memory mapping.');
    await byId('export-button').click();
    log(`exporting to ${out}`);

    let failure: string | undefined;
    const table = byId('results-table');
    await waitUntil('the side-by-side results table', async () => {
      failure = await commandError(page);
      if (failure) return true;
      return (await table.isVisible()) && SAMPLE.test((await byId('results-body').textContent({ timeout: 1000 })) ?? '');
    }, 360_000);
    if (failure) throw new Error(`export failed: ${failure}`);

    // What the export wrote, on disk: the ORT files, the model card and the manifest.
    const written = fs.readdirSync(out);
    log(`written: ${written.join(', ')}`);
    for (const f of ['encoder_model.ort', 'decoder_model_merged.ort', 'murmur-model.json']) {
      if (!written.includes(f)) throw new Error(`the export has no ${f} (it has ${written.join(', ')})`);
    }
    const card = written.find((f) => f.endsWith('.md'));
    if (!card || !/Murmur UI test/.test(fs.readFileSync(path.join(out, card), 'utf8'))) throw new Error(`no model card naming the author in ${out}`);

    // Both columns transcribe the sample clip, identically.
    const rows = byId('results-body').locator('tr');
    log(`table:\n    ${(await rows.allTextContents()).map((r) => r.replace(/\s+/g, ' ').trim()).join('\n    ')}`);
    const transcripts = await rows.filter({ hasText: SAMPLE }).first().locator('td').allTextContents();
    if (transcripts.length !== 2 || transcripts[0].trim() !== transcripts[1].trim()) throw new Error(`the source and the export transcribe differently: ${JSON.stringify(transcripts)}`);
    log(`takeaway: ${(await byId('results-takeaway').textContent())?.trim()}`);
    await byId('results-section').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir, SCREENSHOT) });
    log(`screenshot: test-results/${SCREENSHOT}`);

    // Switch to the export: the panel then shows it as the configured model.
    await byId('use-export').click();
    await waitUntil('the panel to show the exported model as the one in use', async () => ((await byId('model-path').textContent({ timeout: 1000 })) ?? '').includes(out), 60_000);
    failure = await commandError(page);
    if (failure) throw new Error(`switching to the export failed: ${failure}`);
    log('the exported model is now the configured one');
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  },
};
