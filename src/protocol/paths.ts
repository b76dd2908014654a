/**
 * Path checks without node:path, so the same code runs in the extension host, the sidecar and the
 * webview (a browser). Lexical on purpose: a validator never touches the disk.
 */

/**
 * Absolute on any platform Murmur runs on: POSIX (`/x`), a Windows drive (`C:\x`, `C:/x`) or UNC
 * (`\\server\share`). A drive-relative `C:x` or a bare `\x` is not accepted: both depend on the
 * process's current drive or folder, which is not the user's.
 */
export function isAbsolutePath(p: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/][^\\/]+)/.test(p);
}

/** `path.posix.normalize` for an absolute path: `//`, `.` and `..` folded, no trailing slash kept. */
export function normalizePosixAbsolute(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
