/**
 * Where this copy of Murmur runs, and what follows from it for the user.
 *
 * package.json declares `extensionKind: ["ui", "workspace"]`: in a desktop window connected to a
 * remote (SSH, WSL, a container) Murmur runs on the machine the user sits at, so it records their
 * microphone and reads model paths there. A browser window (code-server, vscode.dev with a server)
 * has no local Node extension host: Murmur runs on the server, records the server's microphone and
 * reads the server's paths. That is worth saying when the microphone fails.
 *
 * The settings naming files and devices have scope `application`: VS Code reads them from the User
 * settings of the computer the window belongs to, and lists them in the User tab, in remote windows
 * too (`machine` ones are read from the remote's settings there, and shown in the Remote tab only).
 *
 * Plain data in, decisions out: `node:test` drives it without VS Code (test/unit/host.test.ts).
 */

export interface HostFacts {
  /** vscode.env.remoteName: undefined in a local window. */
  remoteName: string | undefined;
  /** vscode.env.uiKind is UIKind.Web. */
  webUi: boolean;
  /** This extension's extensionKind is ExtensionKind.Workspace (it runs on the remote side). */
  runsOnRemote: boolean;
}

/** One line for the log at activation. */
export function describeHost(h: HostFacts): string {
  if (h.remoteName === undefined) return 'Murmur runs on this computer (local window)';
  if (!h.runsOnRemote) return `Murmur runs on this computer; the window is connected to ${h.remoteName}`;
  return `Murmur runs on ${h.remoteName} (${h.webUi ? 'browser window' : 'remote window'}): it records that machine's microphone and reads model paths there`;
}

/**
 * What to add to a microphone error: where the microphone being used is, when it is not the
 * user's, and what to do about it. '' when Murmur runs on the user's own computer.
 */
export function microphoneHint(h: HostFacts): string {
  if (h.remoteName === undefined || !h.runsOnRemote) return '';
  if (h.webUi) {
    return ` In a browser window Murmur runs on the server (${h.remoteName}) and records its microphone: a browser cannot lend an extension the microphone of the computer you sit at. To dictate with it, use VS Code Desktop (Murmur then runs on your computer, also in remote windows), or run the server on that computer.`;
  }
  return ` Murmur is running on ${h.remoteName} and records its microphone. Install it in your local VS Code as well ("Install Locally" in the Extensions view) so it runs on your computer.`;
}
