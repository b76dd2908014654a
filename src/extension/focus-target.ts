/**
 * Where dictated text goes: the input that has the keyboard. An extension cannot ask VS Code which
 * widget has focus, and `activeTextEditor` stays the last file editor while the Chat input or the
 * commit message box is focused (text sent there would land in the file behind). So the target is
 * learned from what VS Code does tell:
 * - the key that starts dictation is bound several times in package.json, each binding's `when`
 *   clause naming one place (`inChatInput`, `editorLangId == scminput`, `findInputFocussed`, ...)
 *   and passing it as `{ target }`: at that moment VS Code itself says where focus is;
 * - while dictating, the user's own moves that VS Code reports: typing or clicking in a text editor
 *   (a selection change by keyboard or mouse), typing in a Chat or commit input. (A terminal
 *   becoming active is not heard: extensions create terminals in the background.)
 * A start without a key (Command Palette, status bar) uses the last place known this way.
 *
 * Plain TypeScript (no `vscode`): node:test drives it.
 */

/** The places dictation can go, and those it must not type into. */
export const FOCUS_KINDS = ['editor', 'notebook', 'terminal', 'chat', 'scm', 'find', 'quickOpen', 'search', 'webview'] as const;
export type FocusKind = (typeof FOCUS_KINDS)[number];

/** Workbench inputs that take text through the `paste` command (no extension API edits them at the cursor). */
export type InputKind = 'chat' | 'scm';
/** Places text cannot be typed into: the phrase goes to the clipboard and the user is told where to paste it. */
export type ElsewhereKind = 'find' | 'quickOpen' | 'search' | 'webview';

export function isInput(kind: FocusKind | undefined): kind is InputKind {
  return kind === 'chat' || kind === 'scm';
}

export function isElsewhere(kind: FocusKind | undefined): kind is ElsewhereKind {
  return kind === 'find' || kind === 'quickOpen' || kind === 'search' || kind === 'webview';
}

/** How the user reads each place (messages, the status bar tooltip, the log). */
export const PLACE_NAMES: Record<FocusKind, string> = {
  editor: 'the editor',
  notebook: 'the notebook cell',
  terminal: 'the terminal',
  chat: 'the Chat input',
  scm: 'the commit message',
  find: 'the Find widget',
  quickOpen: 'Quick Open',
  search: 'the Search box',
  webview: 'this panel',
};

/**
 * The `target` a keybinding passed, or undefined. Keybinding arguments can come from the user's
 * keybindings.json: anything but a known place name is ignored, never trusted.
 */
export function targetFromArgs(args: unknown): FocusKind | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const t = (args as { target?: unknown }).target;
  return typeof t === 'string' && (FOCUS_KINDS as readonly string[]).includes(t) ? (t as FocusKind) : undefined;
}

/** What the tracker hears about; each is a move the user made (Murmur's own edits are not reported). */
export type FocusEvent =
  /** A key that starts or toggles dictation, with the place its `when` clause matched (undefined: no clause said). */
  | { kind: 'key'; target: FocusKind | undefined }
  /** The user typed or clicked in a text editor (file, untitled, notebook cell). */
  | { kind: 'editor' }
  /** The user typed in a Chat input or the commit message box. */
  | { kind: 'input'; input: InputKind };

export class FocusTracker {
  private place: FocusKind | undefined;

  /** The place text goes now; undefined: nothing known, the active editor (or terminal) as always. */
  get current(): FocusKind | undefined {
    return this.place;
  }

  hear(e: FocusEvent): void {
    switch (e.kind) {
      case 'key':
        // A key whose bindings name no place was pressed in an editor or elsewhere unnamed: the
        // editor rules apply (activeTextEditor, or the terminal when no editor is open).
        this.place = e.target;
        return;
      case 'editor':
        this.place = 'editor';
        return;
      case 'input':
        this.place = e.input;
        return;
    }
  }

  /** The user chose a place through a command ("Dictate into Chat"). */
  choose(place: FocusKind): void {
    this.place = place;
  }
}
