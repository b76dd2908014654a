/**
 * The newcomer's paths, driven as a user drives them. First "Murmur: Show Voice Commands": its top
 * says how to start and stop, with the keys package.json binds. Then "Murmur: Manage Speech
 * Models": its first screen shows the model in use (the embedded Moonshine, already memory-mapped
 * from the ORT cache) and the download catalog, with the export below; then an output folder and
 * model card filled in, Export; the sidecar converts the model to the memory-mappable ORT format
 * and measures source and export side by side on the bundled sample clip; the table is read; "Use
 * This Model" switches Murmur to the export, which the panel then shows as the model in use. The
 * screenshots of the Voice Commands page, the panel's first screen and the filled table are the
 * README's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { packageRoot } from '../../src/engine/paths';
import { startStopKeys, type ExtensionManifest } from '../../src/extension/voice-commands-page';
import type { UiTest } from './types';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOT = 'ui-export-panel.png';
export const FIRST_SCREEN_SCREENSHOT = 'ui-models-panel.png';
export const VOICE_COMMANDS_SCREENSHOT = 'ui-voice-commands.png';
/** The bundled clip says "he was not an ill disposed young man"; Moonshine tiny hears "ill-sposed". */
const SAMPLE = /he was not an ill/i;

/**
 * The document of the webview on screen: VS Code hosts a webview in an iframe holding the content's
 * own iframe, and keeps those of other editors (hidden) in the page.
 */
function visibleWebview(page: Page): FrameLocator {
  return page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().frameLocator('iframe#active-frame');
}

const squash = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** "Murmur: Show Voice Commands": the start/stop keys at the top are package.json's. */
async function voiceCommandsPage(page: Page, resultsDir: string, log: (l: string) => void): Promise<void> {
  await runFromPalette(page, 'Murmur: Show Voice Commands');
  const preview = visibleWebview(page);
  const heading = preview.locator('h1').first();
  await waitUntil('the Voice Commands preview', async () => squash(await heading.textContent({ timeout: 1000 })) === 'Murmur: start and stop dictation', 60_000);
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as ExtensionManifest;
  // code-server runs on this Linux machine: the page shows the Linux keys first.
  const keys = startStopKeys(manifest, 'linux');
  if (keys.length === 0) throw new Error('package.json binds no key that starts or stops dictation');
  const rows = await preview.locator('table').first().locator('tbody tr').allTextContents();
  log(`start/stop rows:\n    ${rows.map(squash).join('\n    ')}`);
  for (const k of keys) {
    if (!rows.some((r) => squash(r).startsWith(`Press ${k.here}`))) throw new Error(`the Voice Commands page has no row for ${k.here} (${k.title})`);
  }
  if (!rows.some((r) => /status bar/.test(r))) throw new Error('the Voice Commands page does not mention the status bar microphone');
  // The list of what can be said is still there, below.
  const headings = (await preview.locator('h1').allTextContents()).map(squash);
  if (headings.indexOf('Murmur: what you can say') !== 1) throw new Error(`headings: ${JSON.stringify(headings)}`);
  await page.screenshot({ path: path.join(resultsDir, VOICE_COMMANDS_SCREENSHOT) });
  log(`screenshot: test-results/${VOICE_COMMANDS_SCREENSHOT}`);
  // Only the preview: Close All Editors would stop at the save prompt for other tests' dictated editors.
  await runFromPalette(page, 'View: Close Editor');
}

export const exportPanel: UiTest = {
  name: 'voice commands page and speech models panel: keys from package.json; model in use, download, then export the model to ORT, read the side-by-side table, use the export',
  timeoutMs: 480_000,
  async run({ page, workbenchUrl, resultsDir, log }) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-ui-export-')), 'moonshine-tiny-ort');
    await openWorkbench(page, workbenchUrl);
    await voiceCommandsPage(page, resultsDir, log);

    await runFromPalette(page, 'Murmur: Manage Speech Models');
    const ui = visibleWebview(page);
    const byId = (id: string) => ui.locator(`[data-testid="${id}"]`);

    // The first screen: the model in use, already memory-mapped; then the catalog; the export below.
    await waitUntil('the panel to show the embedded Moonshine model in use', async () => /moonshine/i.test((await byId('in-use-name').textContent({ timeout: 1000 })) ?? ''), 120_000);
    const mapped = squash(await byId('in-use-mapped').textContent());
    log(`in use: ${squash(await byId('in-use-name').textContent())}, ${squash(await byId('in-use-origin').textContent())}; ${mapped}`);
    if (!/Already memory-mapped: .*ORT format in its cache.*needs no export/.test(mapped)) throw new Error(`the panel does not say the embedded model is already memory-mapped: "${mapped}"`);
    await waitUntil('the download catalog', async () => (await byId('catalog-list').locator('li').count()) >= 1, 60_000);
    await waitUntil('the panel to show the embedded Moonshine model as the one to export', async () => /moonshine/i.test((await byId('model-family').textContent({ timeout: 1000 })) ?? ''), 120_000);
    log(`model to export: ${squash(await byId('model-summary').textContent())}; note: ${squash(await byId('source-note').textContent())}`);
    const frame = await page.locator('iframe.webview.ready').filter({ visible: true }).first().boundingBox();
    const top = async (id: string) => (await byId(id).boundingBox())?.y ?? Number.NaN;
    const [inUse, download, exporting] = [await top('in-use-section'), await top('download-section'), await top('export-section')];
    if (!(inUse < download && download < exporting)) throw new Error(`sections out of order: in use ${inUse}, download ${download}, export ${exporting}`);
    const firstModel = (await byId('catalog-list').locator('li').first().boundingBox())?.y ?? Number.NaN;
    if (!frame || !(firstModel < frame.y + frame.height - 40)) throw new Error(`the first model to download is not on the panel's first screen (at ${firstModel}, panel ${JSON.stringify(frame)})`);
    if ((await ui.locator('input[name="save-target"]').count()) !== 0) throw new Error('the panel still has a settings scope picker');
    log(`settings: ${squash(await byId('settings-target').textContent())}`);
    await page.screenshot({ path: path.join(resultsDir, FIRST_SCREEN_SCREENSHOT) });
    log(`screenshot: test-results/${FIRST_SCREEN_SCREENSHOT}`);

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

    // Switch to the export: the panel then shows it as the model in use, mapped as it is.
    await byId('use-export').click();
    await waitUntil('the panel to show the exported model as the one in use', async () => ((await byId('in-use-path').textContent({ timeout: 1000 })) ?? '').includes(out), 60_000);
    failure = await commandError(page);
    if (failure) throw new Error(`switching to the export failed: ${failure}`);
    const exportedMapped = squash(await byId('in-use-mapped').textContent());
    if (!/ORT files are mapped as they are/.test(exportedMapped)) throw new Error(`the export in use is not described as mapped in place: "${exportedMapped}"`);
    log(`the exported model is now the one in use: ${squash(await byId('in-use-origin').textContent())}; ${exportedMapped}`);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  },
};
