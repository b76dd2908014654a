/**
 * A user dictates: F1, "Murmur: Start Dictation", speaks (the test microphone: arecord reading a
 * recording through ALSA's file plugin), and the words appear in the editor. The screenshot of this
 * moment is the one in the README.
 *
 * The ALSA device must exist in the environment code-server starts with (the sidecar inherits it),
 * so it is set up when this module is loaded, before the harness starts the server. Both the
 * default device and the integration tests' "murmurtest" name read the same recording.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { sharedDir } from '../../src/engine/paths';
import type { Page } from 'playwright-core';
import type { UiTest } from './types';
import { commandError, openWorkbench, runFromPalette, waitUntil } from './workbench';

export const SCREENSHOT = 'ui-dictation.png';
/** A second test microphone: two long sentences (16.7 s and 6.6 s) with a pause (follow.ui.ts). */
export const LONG_DEVICE = 'murmurlong';
export const EXPECTED = 'Go forward ten meters.';

/** 16 kHz mono s16le of the clips, with `gapSec` of silence between them. */
function rawPcm(wavs: string[], gapSec: number): Buffer {
  const gap = new Float32Array(Math.round(gapSec * 16000));
  const parts = wavs.flatMap((w, i) => (i ? [gap, toMono16k(readWav(w))] : [toMono16k(readWav(w))]));
  const pcm = Buffer.alloc(parts.reduce((n, p) => n + p.length, 0) * 2);
  let at = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++, at++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(p[i] * 32768))), at * 2);
  return pcm;
}

function prepareMicrophone(): void {
  const audio = path.join(sharedDir(), 'audio');
  const wav = path.join(audio, 'pocketsphinx-testdata', 'goforward.wav');
  const long = ['1.wav', '0.wav'].map((f) => path.join(audio, 'librispeech-test-clean-sherpa-kws-test_wavs', f));
  if (![wav, ...long].every((f) => fs.existsSync(f))) return; // the tests themselves report the missing file
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-ui-alsa-'));
  const raw = path.join(dir, 'goforward.s16le');
  fs.writeFileSync(raw, rawPcm([wav], 0));
  const longRaw = path.join(dir, 'long.s16le');
  fs.writeFileSync(longRaw, rawPcm(long, 1.5));
  const device = (name: string, file: string) => [`pcm.${name} {`, '  type file', '  slave.pcm "null"', '  file "/dev/null"', `  infile ${JSON.stringify(file)}`, '  format "raw"', '}'];
  fs.writeFileSync(path.join(dir, 'asound.conf'), ['</usr/share/alsa/alsa.conf>', ...device('!default', raw), ...device('murmurtest', raw), ...device(LONG_DEVICE, longRaw), ''].join('\n'));
  process.env.ALSA_CONFIG_PATH = path.join(dir, 'asound.conf');
}
prepareMicrophone();

/**
 * What a user does: open the workbench, a new untitled file, "Murmur: Start Dictation" from the
 * palette; resolves once the test recording's words are in the editor (or throws with the error
 * the workbench shows).
 */
export async function dictateIntoNewFile(page: Page, workbenchUrl: string, timeoutMs: number): Promise<void> {
  await openWorkbench(page, workbenchUrl);
  await runFromPalette(page, 'File: New Untitled Text File');
  await page.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
  await runFromPalette(page, 'Murmur: Start Dictation');
  const lines = page.locator('.editor-instance .monaco-editor .view-lines');
  let failure: string | undefined;
  await waitUntil(`"${EXPECTED}" in the editor`, async () => {
    failure = await commandError(page);
    if (failure) return true;
    return ((await lines.first().textContent()) ?? '').replace(/\u00a0/g, ' ').includes(EXPECTED);
  }, timeoutMs);
  if (failure) throw new Error(`dictation failed: ${failure}`);
}

export const paletteDictation: UiTest = {
  name: 'palette: Murmur: Start Dictation types what the microphone hears',
  timeoutMs: 180_000,
  async run({ page, workbenchUrl, resultsDir, log }) {
    const wav = path.join(sharedDir(), 'audio', 'pocketsphinx-testdata', 'goforward.wav');
    if (!fs.existsSync(wav)) throw new Error(`missing ${wav} (../shared beside the repository)`);
    await dictateIntoNewFile(page, workbenchUrl, 90_000);
    log(`editor shows: ${EXPECTED}`);
    await page.screenshot({ path: path.join(resultsDir, SCREENSHOT) });
    log(`screenshot: test-results/${SCREENSHOT}`);
    await runFromPalette(page, 'Murmur: Stop Dictation');
  },
};
