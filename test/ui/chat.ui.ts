/**
 * Dictating a prompt (issue 16), as a user does it: "Murmur: Dictate into Chat" opens the Chat
 * input and the words appear there; then, with the Chat input focused, the push-to-talk key
 * (its `when inChatInput` binding) dictates there again. The file behind keeps its text, and
 * nothing is sent: the chat shows no request. The screenshot is the README's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { EXPECTED } from './dictation.ui';
import type { UiTest } from './types';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const CHAT_SCREENSHOT = 'ui-chat.png';
const BEHIND = 'the file behind';

const squash = (s: string | null) => (s ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();

async function chatInputText(page: Page): Promise<string> {
  return squash(await page.locator('.interactive-input-part .monaco-editor .view-lines').first().textContent({ timeout: 1000 }));
}

async function waitForChatText(page: Page, what: string, check: (text: string) => boolean): Promise<string> {
  let failure: string | undefined;
  let text = '';
  await waitUntil(what, async () => {
    failure = await commandError(page, { keepFocus: true });
    if (failure) return true;
    text = await chatInputText(page);
    return check(text);
  }, 90_000);
  if (failure) throw new Error(`dictation failed: ${failure}`);
  return text;
}

export const chatDictation: UiTest = {
  name: 'Chat: "Dictate into Chat" and the push-to-talk key in the Chat input type the prompt there; the file behind is untouched, nothing is sent',
  timeoutMs: 300_000,
  async run({ page, workbenchUrl, resultsDir, userSettingsFile, log }) {
    const settings = JSON.parse(fs.readFileSync(userSettingsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(userSettingsFile, JSON.stringify({ ...settings, 'chat.disableAIFeatures': false }, null, 2));
    await openWorkbench(page, workbenchUrl);
    await runFromPalette(page, 'File: New Untitled Text File');
    const file = page.locator('.editor-instance .monaco-editor');
    await file.locator('.view-lines').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.type(BEHIND);
    const fileText = async () => squash(await file.locator('.view-lines').first().textContent());

    await runFromPalette(page, 'Murmur: Dictate into Chat');
    const first = await waitForChatText(page, `"${EXPECTED}" in the Chat input`, (t) => t.includes(EXPECTED));
    log(`Dictate into Chat: the Chat input shows "${first}"`);
    await page.screenshot({ path: path.join(resultsDir, CHAT_SCREENSHOT) });
    log(`screenshot: test-results/${CHAT_SCREENSHOT}`);
    await runFromPalette(page, 'Murmur: Stop Dictation');

    // The keyboard is in the Chat input: the push-to-talk key (a tap starts, the next tap stops).
    await page.locator('.interactive-input-part .monaco-editor').first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Control+Alt+Space');
    const second = await waitForChatText(page, 'a second phrase in the Chat input', (t) => t.split(EXPECTED.slice(0, 10)).length - 1 >= 2);
    await page.keyboard.press('Control+Alt+Space');
    log(`push-to-talk in the Chat input: "${second}"`);

    const behind = await fileText();
    if (behind !== BEHIND) throw new Error(`the file behind the Chat changed: "${behind}"`);
    log(`the file behind still reads "${behind}"`);
    await new Promise((r) => setTimeout(r, 2000));
    const requests = await page.locator('.interactive-session .interactive-request').count();
    if (requests !== 0) throw new Error(`the chat shows ${requests} request(s): something was sent`);
    if ((await chatInputText(page)) !== second) throw new Error('the Chat input changed after dictation stopped');
    log('nothing sent: no request in the chat, the prompt still in its input');
    // The control: the user presses Enter, and the same locator finds the request it sends.
    await page.locator('.interactive-input-part .monaco-editor').first().click();
    await page.keyboard.press('Enter');
    await waitUntil('the request the user sent with Enter', async () => (await page.locator('.interactive-session .interactive-request').count()) >= 1, 30_000);
    log('Enter (the user) sends it: the chat then shows the request');
  },
};

/**
 * The messages in the Notifications center, read once the bell says there is something new; []
 * before. Opened and closed with the bell (Escape would also cancel the dictation).
 */
async function newNotifications(page: Page): Promise<string[]> {
  const bell = page.locator('[id="status.notifications"]');
  if (!(await bell.locator('.codicon-bell-dot').isVisible())) return [];
  const center = page.locator('.notifications-center');
  await bell.click();
  await center.waitFor({ state: 'visible', timeout: 5000 });
  const listed = (await center.locator('.notification-list-item-message').allTextContents()).map(squash);
  await bell.click();
  await center.waitFor({ state: 'hidden', timeout: 5000 });
  return listed;
}

export const keysElsewhere: UiTest = {
  name: 'the push-to-talk key in the Find widget, the Search box and a webview panel: nothing is typed, the phrase goes to the clipboard with a message naming the place',
  timeoutMs: 300_000,
  async run({ page, workbenchUrl, log }) {
    await openWorkbench(page, workbenchUrl);
    await runFromPalette(page, 'File: New Untitled Text File');
    const file = page.locator('.editor-instance .monaco-editor').first();
    await file.locator('.view-lines').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.type(BEHIND);
    const places: { name: string; open(): Promise<void> }[] = [
      {
        name: 'the Find widget',
        open: async () => {
          await file.click();
          await page.keyboard.press('Control+F');
          await page.locator('.find-widget.visible').waitFor({ state: 'visible', timeout: 10_000 });
        },
      },
      {
        name: 'the Search box',
        open: async () => {
          await page.keyboard.press('Control+Shift+F');
          await page.locator('.search-view .search-widget .monaco-inputbox.synthetic-focus').first().waitFor({ state: 'visible', timeout: 10_000 });
        },
      },
      {
        name: 'this panel',
        open: async () => {
          await runFromPalette(page, 'Murmur: Manage Speech Models');
          const frame = page.locator('iframe.webview.ready').filter({ visible: true }).first();
          await frame.waitFor({ state: 'visible', timeout: 60_000 });
          const box = await frame.boundingBox();
          if (!box) throw new Error('the Speech Models panel has no box');
          // A click on the panel's page, away from its inputs and buttons.
          await page.mouse.click(box.x + box.width - 20, box.y + 10);
        },
      },
    ];
    for (const place of places) {
      await place.open();
      await page.keyboard.press('Control+Alt+Space');
      const expected = `does not type into ${place.name}`;
      let message = '';
      await waitUntil(`a message that Murmur ${expected}`, async () => {
        message = (await newNotifications(page)).find((t) => t.includes(expected)) ?? '';
        return message !== '';
      }, 90_000, 2000);
      log(`${place.name}: "${message}"`);
      if (!/on the clipboard/.test(message)) throw new Error(`the message does not say where the phrase is: "${message}"`);
      // Reading the notifications moved the keyboard: this dictation is stopped from the palette.
      await runFromPalette(page, 'Murmur: Stop Dictation');
      await runFromPalette(page, 'Notifications: Clear All Notifications');
    }
    await runFromPalette(page, 'View: Open First Editor in Group');
    const behind = squash(await file.locator('.view-lines').first().textContent());
    if (behind !== BEHIND) throw new Error(`the file behind was typed into: "${behind}"`);
    log(`the file behind still reads "${behind}"`);
  },
};
