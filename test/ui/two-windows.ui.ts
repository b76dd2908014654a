/**
 * Two VS Code windows dictate at the same moment with the same model: each window has its own
 * extension host and its own sidecar, both type the right words, and the model's weights exist
 * once in memory: both sidecars map the same ORT files from the cache and share their pages
 * (measured from /proc/<pid>/smaps; PSS splits shared pages between the processes).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '../../src/engine/paths';
import type { UiTest } from './types';
import { commandError, murmurStatusTooltip, openWorkbench, runFromPalette, waitUntil } from './workbench';

const EXPECTED = 'Go forward ten meters.';

/** Pids of running Murmur sidecars (node processes running dist/sidecar.js). */
function sidecars(): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith(path.join('dist', 'sidecar.js')))) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

interface OrtMemory {
  files: Set<string>;
  rssKb: number;
  pssKb: number;
  sharedKb: number;
  privateKb: number;
  /** Whole-process PSS (smaps_rollup), kB. */
  totalPssKb: number;
}

function ortMemory(pid: number): OrtMemory {
  const m: OrtMemory = { files: new Set(), rssKb: 0, pssKb: 0, sharedKb: 0, privateKb: 0, totalPssKb: 0 };
  let inOrt = false;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (head) {
      inOrt = head[1].endsWith('.ort');
      if (inOrt) m.files.add(head[1]);
      continue;
    }
    const kv = /^(\w+):\s+(\d+) kB/.exec(line);
    if (!inOrt || !kv) continue;
    const v = Number(kv[2]);
    if (kv[1] === 'Rss') m.rssKb += v;
    else if (kv[1] === 'Pss') m.pssKb += v;
    else if (kv[1] === 'Shared_Clean' || kv[1] === 'Shared_Dirty') m.sharedKb += v;
    else if (kv[1] === 'Private_Clean' || kv[1] === 'Private_Dirty') m.privateKb += v;
  }
  m.totalPssKb = Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  return m;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

export const twoWindows: UiTest = {
  name: 'two windows dictate at once: both right, model weights shared through the mmap cache',
  timeoutMs: 300_000,
  async run({ page, workbenchUrl, log }) {
    const wav = path.join(sharedDir(), 'audio', 'pocketsphinx-testdata', 'goforward.wav');
    if (!fs.existsSync(wav)) throw new Error(`missing ${wav} (../shared beside the repository)`);
    const before = new Set(sidecars());
    // The harness gives code-server (and so both sidecars) this cache; earlier tests filled it.
    const cacheDir = process.env.MURMUR_CACHE_DIR;
    if (!cacheDir) throw new Error('MURMUR_CACHE_DIR is not set: the harness sets it for the sidecars and this test');
    fs.mkdirSync(cacheDir, { recursive: true });
    // A file's identity: a conversion replaces it (new inode, by rename), an in-place write changes
    // its bytes. Not its mtime: every load marks its file as used through the mtime (ort-cache.ts).
    const identity = (f: string) => {
      const file = path.join(cacheDir, f);
      return f.endsWith('.ort') ? `${fs.statSync(file).ino}:${crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex')}` : '';
    };
    const cacheBefore = new Map(fs.readdirSync(cacheDir).map((f) => [f, identity(f)]));
    const second = await page.context().newPage();
    try {
      const windows = [page, second];
      await Promise.all(windows.map((p) => openWorkbench(p, workbenchUrl)));
      for (const p of windows) {
        await runFromPalette(p, 'File: New Untitled Text File');
        await p.locator('.editor-instance .monaco-editor.focused').waitFor({ state: 'visible', timeout: 30_000 });
      }
      // One right after the other, so both dictate at the same time. Not through the two palettes
      // at once: a quick pick closes when its page loses focus, and only one page has it.
      for (const [i, p] of windows.entries()) {
        await p.bringToFront();
        await runFromPalette(p, 'Murmur: Start Dictation');
        const listening = p.locator('.statusbar-item .codicon-mic-filled, .statusbar-item .codicon-loading');
        await listening.first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async () => {
          const error = await commandError(p);
          throw new Error(`window ${i + 1}: the status bar never showed Murmur loading or listening after Start Dictation${error ? ` (${error})` : ''}; status: ${await murmurStatusTooltip(p)}`);
        });
      }
      for (const [i, p] of windows.entries()) {
        const lines = p.locator('.editor-instance .monaco-editor .view-lines');
        let failure: string | undefined;
        await waitUntil(`"${EXPECTED}" in window ${i + 1}`, async () => {
          failure = await commandError(p);
          if (failure) return true;
          return ((await lines.first().textContent()) ?? '').replace(/\u00a0/g, ' ').includes(EXPECTED);
        }, 120_000);
        if (failure) throw new Error(`window ${i + 1}: dictation failed: ${failure}`);
        log(`window ${i + 1} shows: ${EXPECTED}`);
      }
      const fresh = sidecars().filter((pid) => !before.has(pid));
      check(fresh.length === 2, `one sidecar per window expected, found new sidecars ${fresh.join(', ')}`);
      const [a, b] = fresh.map(ortMemory);
      for (const [name, m] of [['A', a], ['B', b]] as const) {
        log(`sidecar ${name}: ${m.files.size} ORT files mapped, Rss ${m.rssKb} kB, Pss ${m.pssKb} kB, shared ${m.sharedKb} kB, private ${m.privateKb} kB; process PSS ${(m.totalPssKb / 1024).toFixed(1)} MB`);
      }
      check([...a.files].sort().join() === [...b.files].sort().join() && a.files.size >= 3, 'both sidecars map the same ORT files (encoder, decoder, VAD)');
      for (const [name, m] of [['A', a], ['B', b]] as const) {
        check(m.sharedKb >= 0.9 * m.rssKb, `${name}: only ${m.sharedKb} of ${m.rssKb} kB of model pages are shared`);
        check(m.pssKb <= 0.6 * m.rssKb, `${name}: model PSS ${m.pssKb} kB is not about half of its ${m.rssKb} kB`);
      }
      {
        const rewritten = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.ort') && cacheBefore.has(f) && identity(f) !== cacheBefore.get(f));
        const stray = fs.readdirSync(cacheDir).filter((f) => /\.(lock|tmp)$|\.tmp\./.test(f));
        check(rewritten.length === 0 && stray.length === 0, `ORT cache: rewritten ${rewritten.join(', ')}; stray ${stray.join(', ')}`);
        const converted = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.ort') && !cacheBefore.has(f));
        log(`ORT cache ${cacheDir}: ${converted.length ? `written now: ${converted.join(', ')}` : 'already warm'}; nothing rewritten, no lock or temporary file left`);
      }
      await Promise.all(windows.map((p) => runFromPalette(p, 'Murmur: Stop Dictation')));
    } finally {
      await second.close().catch(() => undefined);
    }
  },
};
