/**
 * Finding, measuring and ending the processes one harness run started, and nothing else.
 *
 * Every process the harness spawns (code-server, Chromium) gets MURMUR_VSCODE_RUN=<run id> in its
 * environment, and their children (the extension host, Murmur's sidecar, Chromium's renderers)
 * inherit it. Process groups catch almost everything, but a child that calls setsid() or spawns
 * detached escapes its group; the marker still finds it, by pid, so teardown never needs a broad
 * kill by name.
 */
import * as fs from 'node:fs';

export const RUN_MARKER = 'MURMUR_VSCODE_RUN';

export interface ProcessInfo {
  pid: number;
  rssBytes: number;
  command: string;
}

/**
 * Proportional set size: each shared page split between the processes sharing it, so a sum over
 * processes is the memory they really take (RSS sums count Chromium's and Node's shared pages once
 * per process). 0 when the kernel has no smaps_rollup.
 */
export function pssBytes(pid: number): number {
  const kb = /^Pss:\s+(\d+) kB/m.exec(readOrEmpty(`/proc/${pid}/smaps_rollup`))?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    // The process exited between listing /proc and reading it, or is not ours to read.
    return '';
  }
}

/** Processes (other than this one) whose environment carries this run's marker. Linux only. */
export function markedProcesses(runId: string): ProcessInfo[] {
  const needle = `\0${RUN_MARKER}=${runId}\0`;
  const found: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    // Leading NUL so the marker matches only a whole variable, including the first one.
    if (!`\0${readOrEmpty(`/proc/${pid}/environ`)}`.includes(needle)) continue;
    const status = readOrEmpty(`/proc/${pid}/status`);
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    if (/^State:\s+Z/m.test(status)) continue; // a zombie holds no memory and cannot be killed further
    const command = readOrEmpty(`/proc/${pid}/cmdline`).split('\0').join(' ').trim().slice(0, 160);
    found.push({ pid, rssBytes: rssKb * 1024, command });
  }
  return found;
}

/** Sends a signal to a process group, ignoring "no such process" (it already ended). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function isGroupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0); // signal 0 only checks that the group exists
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the group, give it `graceMs` to exit, then SIGKILL whatever is left. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isGroupAlive(pgid)) return;
    await sleep(100);
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * Samples the memory the run's processes take together (PSS, summed; RSS where PSS is unavailable),
 * including this harness: what matters on a small CI box is what could push it into swap or OOM.
 */
export class MemorySampler {
  peakBytes = 0;
  peakRssBytes = 0;
  peakProcesses = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly runId: string, private readonly intervalMs = 1000) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const procs = markedProcesses(this.runId);
    const self = process.memoryUsage().rss;
    const rss = procs.reduce((s, p) => s + p.rssBytes, 0) + self;
    const pss = procs.reduce((s, p) => s + (pssBytes(p.pid) || p.rssBytes), 0) + (pssBytes(process.pid) || self);
    this.peakRssBytes = Math.max(this.peakRssBytes, rss);
    if (pss > this.peakBytes) {
      this.peakBytes = pss;
      this.peakProcesses = procs.length + 1;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
