/**
 * Small, explicit helpers for driving the VS Code workbench with Playwright. Selectors are VS Code's
 * own CSS classes (1.139); when an upgrade breaks one, it breaks here only.
 */
import type { Locator, Page } from 'playwright-core';

/** Polls `check` until it returns true; on timeout the error says what was being waited for. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 250): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
}

/** The part of VS Code's smoke-test driver (window.driver, from --enable-smoke-test-driver) used here. */
interface SmokeTestDriver {
  whenWorkbenchRestored(): Promise<void>;
}

/**
 * Loads the workbench and waits until it is fully restored: the same readiness VS Code's own smoke
 * tests wait for. Earlier, keys can land before the palette's commands or the panels exist.
 */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 120_000 });
  await page.waitForFunction(() => typeof (window as unknown as { driver?: SmokeTestDriver }).driver?.whenWorkbenchRestored === 'function', undefined, { timeout: 120_000 });
  await page.evaluate(() => (window as unknown as { driver: SmokeTestDriver }).driver.whenWorkbenchRestored());
  // The explorer lists the workspace once the remote file system answers.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 120_000 });
}

/**
 * Runs a command the way a user does: F1, type its palette label, move the selection onto that
 * exact entry, Enter. Fuzzy ranking can put a longer match first ("File: Compare New Untitled Text
 * Files" above "File: New Untitled Text File"), and Enter on a list still filtering would run
 * something else, so the selection is checked, never assumed.
 */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await page.keyboard.type(label, { delay: 20 });
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const labelOf = async (row: Locator): Promise<string> =>
    ((await row.locator('.label-name').first().textContent({ timeout: 1000 })) ?? '').trim();
  await waitUntil(`a command palette entry "${label}"`, async () => {
    for (const row of await rows.all()) if ((await labelOf(row)) === label) return true;
    return false;
  });
  const focused = page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused');
  await waitUntil(`"${label}" to be the selected command palette entry`, async () => {
    if ((await labelOf(focused.first())) === label) return true;
    await page.keyboard.press('ArrowDown');
    return false;
  }, 15_000, 150);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 30_000 });
}

/**
 * The text of an error the workbench is showing for a failed command (modal dialog or error
 * notification), or undefined when there is none.
 *
 * With the smoke-test driver (needed for the test payload, lib/server.ts) the workbench shows no
 * notification toasts at all: notifications only reach the Notifications center, and the status
 * bar bell gets a dot. So when the bell has one, the center is opened and read; it stays open when
 * it lists an error (the failure screenshot then shows it) and is closed again otherwise.
 * `keepFocus`: never open the center (see below); for tests that dictate into what has focus.
 */
export async function commandError(page: Page, options: { keepFocus?: boolean } = {}): Promise<string | undefined> {
  const dialog = page.locator('.monaco-dialog-box');
  if (await dialog.isVisible()) {
    const title = (await dialog.locator('.dialog-message-text').textContent())?.trim() ?? '';
    const detail = (await dialog.locator('.dialog-message-detail').textContent())?.trim() ?? '';
    return [title, detail].filter(Boolean).join(': ') || 'a dialog opened';
  }
  const toast = page.locator('.notifications-toasts .notification-toast:has(.codicon-error)');
  if (await toast.first().isVisible()) {
    return (await toast.first().locator('.notification-list-item-message').textContent())?.trim() || 'an error notification appeared';
  }
  if (options.keepFocus) {
    // Opening the Notifications center moves the keyboard focus, and a dictation types where the
    // focus is: a test of where text lands reads Murmur's own error state instead (its status bar
    // item turns to the error icon, and its tooltip says why; hovering leaves focus alone).
    if (!(await murmurStatusItem(page).locator('.codicon-error').isVisible())) return undefined;
    return (await murmurStatusTooltip(page)) || 'Murmur shows an error in the status bar';
  }
  const errors = await notificationErrors(page);
  return errors.length ? errors.join(' | ') : undefined;
}

/**
 * Murmur's status bar item, by the id VS Code gives it (publisher.name.itemId): matching by icon
 * would also find VS Code's problems item, which shows an error icon too.
 */
const murmurStatusItem = (page: Page): Locator => page.locator('[id="murmur-dev.murmur.murmur.status"]');

/** The status bar bell (its id is VS Code's). */
const bell = (page: Page): Locator => page.locator('[id="status.notifications"]');

/** The bell's tooltip ("1 New Notification", "No New Notifications (1 in progress)", ...). */
async function bellTooltip(page: Page): Promise<string> {
  try {
    await bell(page).hover({ timeout: 5000 });
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: /Notification/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 5000 });
    return ((await hover.textContent()) ?? '').trim();
  } catch {
    return '';
  } finally {
    await page.mouse.move(0, 0);
  }
}

/**
 * The messages of the error notifications in the Notifications center, opened if the bell says
 * there is something new; [] when there is none (the center is then closed again).
 */
export async function notificationErrors(page: Page): Promise<string[]> {
  const center = page.locator('.notifications-center');
  const wasOpen = await center.isVisible();
  if (!wasOpen) {
    if (!(await bell(page).locator('.codicon-bell-dot').isVisible())) return [];
    // The dot also means "something in progress" (a progress notification): the bell's tooltip
    // tells, read by hovering, which leaves the keyboard focus where it is.
    if (/^No New Notifications/i.test(await bellTooltip(page))) return [];
    await bell(page).click();
    await center.waitFor({ state: 'visible', timeout: 5000 });
  }
  const items = center.locator('.notification-list-item:has(.codicon-error) .notification-list-item-message');
  const messages: string[] = [];
  for (const item of await items.all()) messages.push(((await item.textContent()) ?? '').trim());
  if (messages.length === 0 && !wasOpen) {
    await bell(page).click();
    await center.waitFor({ state: 'hidden', timeout: 5000 });
  }
  return messages;
}

/**
 * The Murmur status bar item's tooltip (its state and, in the error state, the reason), read by
 * hovering it: for failure messages, where the output channel may not have reached disk yet.
 */
export async function murmurStatusTooltip(page: Page): Promise<string> {
  try {
    await murmurStatusItem(page).hover({ timeout: 5000 });
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'Murmur' }).first();
    await hover.waitFor({ state: 'visible', timeout: 5000 });
    return ((await hover.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  } catch (e) {
    return `(no tooltip: ${(e as Error).message.split('\n')[0]})`;
  }
}
