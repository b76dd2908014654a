/**
 * A user whose model folder is gone: "Murmur: Start Dictation" shows an error notification with
 * "Open Settings" and "Use Default Model". The notification must be seen (the smoke-test driver
 * hides toasts; workbench.ts reads the Notifications center), "Open Settings" must open the tab
 * that lists Model: Path, and "Use Default Model" must clear the setting where it is set, create no
 * .vscode/settings.json, and leave Murmur dictating with the embedded model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { UiTest } from './types';
import { EXPECTED } from './dictation.ui';
import { notificationErrors, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOTS = ['ui-model-error-notification.png', 'ui-model-error-open-settings.png'];

/** Waits for the Notifications center to list an error about the model; returns its text. */
async function modelErrorShown(page: Page): Promise<string> {
  let shown = '';
  await waitUntil('an error notification about the speech model', async () => {
    shown = (await notificationErrors(page)).find((m) => /speech model/.test(m)) ?? '';
    return shown !== '';
  }, 90_000);
  return shown;
}

/** Clicks `label` on the model error notification in the (open) Notifications center. */
async function clickAction(page: Page, label: string): Promise<void> {
  const item = page.locator('.notifications-center .notification-list-item').filter({ hasText: 'speech model' }).first();
  await item.hover();
  await item.locator('.monaco-button', { hasText: label }).first().click();
}

export const modelErrorNotification: UiTest = {
  name: 'model error: the notification is seen, Open Settings shows Model: Path, Use Default Model creates nothing',
  timeoutMs: 300_000,
  async run({ page, workbenchUrl, resultsDir, workspace, userSettingsFile, log }) {
    const missing = path.join(path.dirname(userSettingsFile), 'no-such-model');
    const settings = JSON.parse(fs.readFileSync(userSettingsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(userSettingsFile, JSON.stringify({ ...settings, 'murmur.model.path': missing }, null, 2));
    const dotVscode = path.join(workspace, '.vscode', 'settings.json');
    const hadDotVscode = fs.existsSync(dotVscode);

    await openWorkbench(page, workbenchUrl);
    await runFromPalette(page, 'File: New Untitled Text File');
    await page.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
    await runFromPalette(page, 'Murmur: Start Dictation');
    const message = await modelErrorShown(page);
    log(`notification: ${message}`);
    if (!message.includes(missing)) throw new Error(`the notification does not name the missing folder ${missing}: ${message}`);
    await page.screenshot({ path: path.join(resultsDir, SCREENSHOTS[0]) });

    // Open Settings: the Settings editor, on a tab that lists the model path with the bad value.
    await clickAction(page, 'Open Settings');
    const pathSetting = page.locator('.settings-editor .setting-item-contents').filter({ hasText: 'Model: Path' }).first();
    await waitUntil('the Settings editor to list Model: Path', async () => pathSetting.isVisible(), 30_000);
    const tab = ((await page.locator('.settings-editor .settings-tabs-widget .action-item .action-label.checked').first().textContent()) ?? '').trim();
    log(`Open Settings: the "${tab}" tab, Model: Path listed`);
    if (!/^User/.test(tab)) throw new Error(`Open Settings opened the "${tab}" tab, not User`);
    const value = await pathSetting.locator('input').first().inputValue();
    if (value !== missing) throw new Error(`Model: Path shows "${value}", not the value in effect "${missing}"`);
    await page.screenshot({ path: path.join(resultsDir, SCREENSHOTS[1]) });
    await runFromPalette(page, 'View: Close Editor');

    // Use Default Model, from the next failed start's notification.
    await runFromPalette(page, 'File: New Untitled Text File');
    await page.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
    await runFromPalette(page, 'Murmur: Start Dictation');
    await modelErrorShown(page);
    await clickAction(page, 'Use Default Model');
    await waitUntil('murmur.model.path to leave the User settings', async () => !('murmur.model.path' in (JSON.parse(fs.readFileSync(userSettingsFile, 'utf8')) as object)), 30_000);
    if (!hadDotVscode && fs.existsSync(dotVscode)) throw new Error(`"Use Default Model" created ${dotVscode}: ${fs.readFileSync(dotVscode, 'utf8')}`);
    log('Use Default Model: the User setting is gone, no .vscode/settings.json');

    // And the embedded model now dictates (the test microphone says the go-forward clip).
    await page.locator('.editor-instance .monaco-editor').first().click();
    await runFromPalette(page, 'Murmur: Start Dictation');
    const lines = page.locator('.editor-instance .monaco-editor .view-lines');
    await waitUntil(`"${EXPECTED}" in the editor`, async () => ((await lines.first().textContent()) ?? '').replace(/\u00a0/g, ' ').includes(EXPECTED), 90_000);
    log(`dictated with the embedded model: ${EXPECTED}`);
    await runFromPalette(page, 'Murmur: Stop Dictation');
  },
};
