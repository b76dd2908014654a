/**
 * The newest words stay in view, on a narrow editor: two long phrases (16.7 s, then 6.6 s, the
 * microphone paced in real time) dictated into half of the window, so the first phrase's line is
 * far wider than the editor and the second phrase's partial starts at its end. Every 250 ms the
 * page is measured: the grey partial's end must be inside the editor's text area (not under the
 * minimap or past the edge), and after each phrase the cursor must be in view. Screenshots of the
 * second phrase's partial and of the end are kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { UiTest } from './types';
import { LONG_DEVICE } from './dictation.ui';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOTS = ['ui-follow-second-partial.png', 'ui-follow-final.png'];

interface Sample {
  /** The partial's text, '' when none is shown. */
  partial: string;
  /** Where the partial ends and where the text area is, in page pixels. */
  partialRight: number;
  partialLeft: number;
  cursorLeft: number;
  cursorTop: number;
  viewLeft: number;
  viewRight: number;
  viewTop: number;
  viewBottom: number;
  lines: number;
}

/** Measures the active editor: its text area, the cursor, and the partial decoration if any. */
async function measure(page: Page): Promise<Sample | undefined> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    if (!editor) return undefined;
    const area = editor.querySelector('.monaco-scrollable-element.editor-scrollable')?.getBoundingClientRect();
    if (!area) return undefined;
    let right = area.right;
    const minimap = editor.querySelector('.minimap')?.getBoundingClientRect();
    if (minimap && minimap.width > 0) right = Math.min(right, minimap.left);
    const vbar = editor.querySelector('.editor-scrollable > .scrollbar.vertical')?.getBoundingClientRect();
    if (vbar && vbar.width > 0) right = Math.min(right, vbar.left);
    const cursor = editor.querySelector('.cursors-layer .cursor')?.getBoundingClientRect();
    // Murmur's partial: the only decoration in this editor with `after` content.
    let partial = '';
    let partialLeft = 0;
    let partialRight = 0;
    for (const span of Array.from(editor.querySelectorAll('.view-lines .view-line span span'))) {
      const content = getComputedStyle(span, '::after').content;
      if (!content || content === 'none' || content === 'normal' || content === '""') continue;
      partial = content.replace(/^"|"$/g, '');
      partialLeft = span.getBoundingClientRect().left;
      // The generated text is not an element: its end is where it starts plus its width in its font
      // (the box around it may be wider: Murmur keeps room for the partial at the end of a line).
      const style = getComputedStyle(span, '::after');
      const ctx = document.createElement('canvas').getContext('2d');
      if (!ctx) return undefined;
      ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      partialRight = partialLeft + parseFloat(style.marginLeft || '0') + ctx.measureText(partial).width;
      break;
    }
    return {
      partial,
      partialLeft,
      partialRight,
      cursorLeft: cursor?.left ?? -1,
      cursorTop: cursor?.top ?? -1,
      viewLeft: area.left,
      viewRight: right,
      viewTop: area.top,
      viewBottom: area.bottom,
      lines: editor.querySelectorAll('.view-lines .view-line').length,
    };
  });
}

const inView = (s: Sample): boolean => s.cursorLeft >= s.viewLeft - 1 && s.cursorLeft <= s.viewRight + 1 && s.cursorTop >= s.viewTop - 1 && s.cursorTop <= s.viewBottom;

export const followNewestWords: UiTest = {
  name: 'narrow editor: the newest words stay in view while speaking and after each phrase',
  // 16.7 s + 6.6 s of speech in real time, after a cold workbench.
  timeoutMs: 300_000,
  async run({ page, workbenchUrl, resultsDir, userSettingsFile, micPacingFile, log }) {
    const settings = JSON.parse(fs.readFileSync(userSettingsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(userSettingsFile, JSON.stringify({ ...settings, 'murmur.microphone.device': LONG_DEVICE }, null, 2));
    fs.writeFileSync(micPacingFile, 'realtime');
    try {
      await openWorkbench(page, workbenchUrl);
      await runFromPalette(page, 'File: New Untitled Text File');
      await page.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
      // Half the editor area: the same file in a second group, which has the focus.
      await runFromPalette(page, 'View: Split Editor Right');
      await waitUntil('two editor groups', async () => (await page.locator('.editor-group-container').count()) === 2, 30_000);
      const first = await measure(page);
      if (!first) throw new Error('no active editor to measure');
      log(`text area ${Math.round(first.viewRight - first.viewLeft)} px wide`);

      await runFromPalette(page, 'Murmur: Start Dictation');
      const samples: Sample[] = [];
      let phrases = 0;
      let lastText = '';
      let shotTaken = false;
      const hidden: string[] = [];
      const lost: string[] = [];
      const text = page.locator('.editor-group-container.active .monaco-editor .view-lines');
      await waitUntil('both phrases typed', async () => {
        const failure = await commandError(page);
        if (failure) throw new Error(`dictation failed: ${failure}`);
        const s = await measure(page);
        if (!s) return false;
        samples.push(s);
        if (process.env.MURMUR_UI_DEBUG) log(`sample: cursor ${Math.round(s.cursorLeft - s.viewLeft)} of ${Math.round(s.viewRight - s.viewLeft)} px, partial ${s.partial ? `${Math.round(s.partialLeft - s.viewLeft)}..${Math.round(s.partialRight - s.viewLeft)} "${s.partial.slice(-20)}"` : '-'}`);
        if (s.partial && s.partialRight > s.viewRight + 1) hidden.push(`"${s.partial.slice(-30)}" ends ${Math.round(s.partialRight - s.viewRight)} px past the edge`);
        if (s.partial && s.partialRight < s.viewLeft) hidden.push(`"${s.partial.slice(-30)}" is left of the view`);
        if (s.partial && lastText.length > 100 && !shotTaken && s.partial.length > 20) {
          await page.screenshot({ path: path.join(resultsDir, SCREENSHOTS[0]) });
          shotTaken = true;
        }
        const now = ((await text.first().textContent()) ?? '').replace(/\u00a0/g, ' ').trim();
        if (now !== lastText && !s.partial) {
          // A phrase landed: the cursor must be in view once the editor has followed it.
          phrases++;
          lastText = now;
          await page.waitForTimeout(300);
          const after = await measure(page);
          if (!after || !inView(after)) lost.push(`after phrase ${phrases} the cursor is out of view (${JSON.stringify(after)})`);
        }
        return /lamps/i.test(now) && !s.partial;
      }, 120_000, 250);
      await runFromPalette(page, 'Murmur: Stop Dictation');
      await page.screenshot({ path: path.join(resultsDir, SCREENSHOTS[1]) });
      const withPartial = samples.filter((s) => s.partial);
      log(`${samples.length} samples, ${withPartial.length} with a partial shown; ${hidden.length} with its end out of view`);
      if (withPartial.length < 5) throw new Error(`only ${withPartial.length} samples showed a partial: nothing was measured`);
      if (!shotTaken) throw new Error('no partial was shown at the end of a long line');
      if (hidden.length) throw new Error(`the partial's newest words were out of view in ${hidden.length} of ${withPartial.length} samples: ${hidden.slice(0, 5).join('; ')}`);
      if (lost.length) throw new Error(lost.join('; '));
    } finally {
      fs.rmSync(micPacingFile, { force: true });
    }
  },
};
