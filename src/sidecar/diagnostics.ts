/**
 * The sidecar's process figures for the diagnostics request: what a soak test watches for leaks
 * (memory, file descriptors, live timers and handles, child processes left running). Read from
 * Node and /proc on demand; on a system without /proc the fd count is -1 and no children are found.
 */
import * as fs from 'node:fs';
import type { SidecarDiagnostics } from '../protocol/messages';

export function readDiagnostics(): SidecarDiagnostics {
  const mem = process.memoryUsage();
  return {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    openFds: openFdCount(),
    activeResources: activeResources(),
    childPids: liveChildren(process.pid),
  };
}

/**
 * Entries of /proc/self/fd that are still open once listed: the listing opens a descriptor of its
 * own, which shows in the listing and is closed by the time each entry is checked.
 */
function openFdCount(): number {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc/self/fd');
  } catch {
    return -1;
  }
  let open = 0;
  for (const fd of entries) {
    try {
      fs.readlinkSync(`/proc/self/fd/${fd}`);
      open++;
    } catch {
      // the listing's own descriptor, or one closed meanwhile by another thread
    }
  }
  return open;
}

function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  // Node >= 17.3 (and every Electron VS Code ships); older runtimes report nothing.
  const info = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : [];
  for (const kind of info) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

/**
 * Pids of the running (not zombie) children of `pid`: from /proc/<pid>/task/<tid>/children
 * (a child is listed under the thread that forked it), or, on kernels built without that file,
 * by scanning /proc for processes whose parent is `pid`.
 */
export function liveChildren(pid: number): number[] {
  let candidates: number[] | undefined;
  try {
    candidates = [];
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const p of text.split(/\s+/)) if (p) candidates.push(Number(p));
    }
  } catch (e) {
    // No /proc at all, or no children files (CONFIG_PROC_CHILDREN off): scan.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return [];
    candidates = undefined;
  }
  if (!candidates) {
    try {
      candidates = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
    } catch {
      return [];
    }
  }
  const out = new Set<number>();
  for (const child of candidates) {
    const stat = statOf(child);
    if (stat && stat.ppid === pid && stat.state !== 'Z' && stat.state !== 'X') out.add(child);
  }
  return [...out].sort((a, b) => a - b);
}

function statOf(pid: number): { state: string; ppid: number } | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined; // exited while we looked
  }
}
