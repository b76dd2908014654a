/**
 * Path checks without node:path, so the same code runs in the extension host, the sidecar and the
 * webview (a browser). Lexical on purpose: a validator never touches the disk.
 */

/** Whose path rules apply: POSIX, Windows, or either (a browser, which cannot know; the host checks again). */
export type PathRules = 'posix' | 'win32' | 'any';

/**
 * This process's rules. In Node (the extension host, the sidecar) a path of the other platform is
 * not absolute at all: on Linux `C:\x` is a relative name that would resolve inside the process's
 * working folder, and on Windows `/x` means the root of whatever drive is current.
 */
export const HOST_PATH_RULES: PathRules =
  typeof process === 'object' && process !== null && typeof process.platform === 'string' ? (process.platform === 'win32' ? 'win32' : 'posix') : 'any';

const POSIX_ABSOLUTE = /^\//;
/** A drive (`C:\x`, `C:/x`) or UNC (`\\server\share`). A drive-relative `C:x` or a bare `\x` is not: both depend on the current drive or folder. */
const WINDOWS_ABSOLUTE = /^([A-Za-z]:[\\/]|\\\\[^\\/]+[\\/][^\\/]+)/;

export function isAbsolutePath(p: string, rules: PathRules = HOST_PATH_RULES): boolean {
  if (rules === 'posix') return POSIX_ABSOLUTE.test(p);
  if (rules === 'win32') return WINDOWS_ABSOLUTE.test(p);
  return POSIX_ABSOLUTE.test(p) || WINDOWS_ABSOLUTE.test(p);
}

/** Windows names that open a device in any folder (`C:\models\CON`, `nul.txt`), as the kernel matches them. */
const DOS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Why a Windows-form path names a device rather than a file (the `\\.\` and `\\?\` namespaces, or a
 * DOS device name as any component), or undefined. Such a path reads a console, a port or a raw
 * disk: no setting of Murmur's may point there.
 */
export function windowsDeviceReason(p: string): string | undefined {
  if (!WINDOWS_ABSOLUTE.test(p)) return undefined;
  if (/^\\\\[.?][\\/]/.test(p)) return 'a path outside the \\\\.\\ and \\\\?\\ device namespaces';
  // Windows ignores trailing dots and spaces of a component ("CON . " is CON).
  const device = p.split(/[\\/]/).find((part) => DOS_DEVICE.test(part.replace(/[. ]+$/, '')));
  return device === undefined ? undefined : `a path without a Windows device name in it (${device} is a device, not a file)`;
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
