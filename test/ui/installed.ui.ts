/**
 * Murmur as users get it: the packaged linux-x64 VSIX, installed with `--install-extension` into a
 * server whose extensions folder held nothing, opened without any development path. F1, "Murmur:
 * Start Dictation", the test microphone speaks (dictation.ui.ts sets it up), and the words appear in
 * the editor. Then the processes prove where it ran from: the sidecar is the VSIX's
 * dist/sidecar.js, and it has the VSIX's prebuilt mmap addon and onnxruntime binding mapped.
 *
 * Run by the harness (test/vscode/run.ts, phase "installed VSIX"), which installs the VSIX.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UiTestContext } from './types';
import { dictateIntoNewFile, EXPECTED } from './dictation.ui';
import { runFromPalette } from './workbench';

export const INSTALLED_SCREENSHOT = 'ui-installed-vsix.png';

interface Proc {
  pid: number;
  cmdline: string[];
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      out.push({ pid: Number(d), cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // gone
    }
  }
  return out;
}

export async function installedVsixDictation(ctx: UiTestContext & { extensionsDir: string }): Promise<void> {
  const { page, workbenchUrl, resultsDir, log, extensionsDir } = ctx;
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('murmur-dev.murmur'));
  if (installed.length !== 1) throw new Error(`expected one installed Murmur in ${extensionsDir}, found ${JSON.stringify(fs.readdirSync(extensionsDir))}`);
  const extDir = path.join(extensionsDir, installed[0]);
  log(`installed: ${installed[0]}`);

  await dictateIntoNewFile(page, workbenchUrl, 120_000);
  log(`editor shows: ${EXPECTED}`);

  // Where it ran from: the sidecar of the installed extension, with the VSIX's native parts mapped.
  const sidecar = processes().find((p) => p.cmdline.some((a) => a === path.join(extDir, 'dist', 'sidecar.js')));
  if (!sidecar) throw new Error(`no sidecar running from ${extDir}/dist/sidecar.js`);
  const maps = fs.readFileSync(`/proc/${sidecar.pid}/maps`, 'utf8');
  for (const part of [path.join(extDir, 'native', 'prebuilds', 'linux-x64', 'murmur_mmap.node'), path.join(extDir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node')]) {
    if (!maps.includes(part)) throw new Error(`the sidecar (pid ${sidecar.pid}) has not loaded ${part}`);
  }
  log(`sidecar pid ${sidecar.pid} runs the VSIX's dist/sidecar.js with its prebuilt mmap addon and onnxruntime binding`);
  await page.screenshot({ path: path.join(resultsDir, INSTALLED_SCREENSHOT) });
  await runFromPalette(page, 'Murmur: Stop Dictation');
}
