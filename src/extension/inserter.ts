/**
 * Puts recognised text where the user is: partial text shown in place (a decoration at every
 * cursor, so it never touches the document or the undo stack), and each final phrase inserted as
 * ONE edit at every cursor (so one undo removes one phrase). The target is decided when the text
 * arrives, not when dictation started: if the user typed or moved the cursor meanwhile, the phrase
 * goes to the new position. With no text editor but a focused terminal, text goes to the terminal,
 * typed but never submitted (src/text/terminal-text.ts). Where the keyboard is in a workbench input
 * (Chat, the commit message) the phrase is pasted there (workbench-input.ts) and its partial shown in
 * the status bar; where text cannot be typed (the Find widget, Quick Open, a webview) it goes to the
 * clipboard (focus-target.ts decides which).
 *
 * Nothing is lost: an edit the workbench refuses (the document changed meanwhile, the editor
 * closed) is tried again against the current state; a read-only document, or one that keeps
 * refusing, gets the phrase on the clipboard and the user is told.
 */
import * as vscode from 'vscode';
import { partialTail } from '../text/partial-tail';
import { formatPhrase, type FormatContext, type FormatOptions } from '../text/smart-format';
import { terminalText } from '../text/terminal-text';
import { composeUntilAccepted } from './edit-retry';
import { isElsewhere, isInput, PLACE_NAMES, type ElsewhereKind, type FocusTracker, type InputKind } from './focus-target';
import type { WorkbenchInputs } from './workbench-input';

export type InsertTarget =
  | { kind: 'editor'; editor: vscode.TextEditor }
  | { kind: 'terminal'; terminal: vscode.Terminal }
  | { kind: 'input'; input: InputKind }
  | { kind: 'elsewhere'; place: ElsewhereKind };

export interface InsertResult {
  inserted: boolean;
  /** Where it went, for logs and tests. */
  where: 'editor' | 'terminal' | InputKind | 'clipboard' | 'nowhere';
  text: string;
}

/** A phrase as it was inserted: voice commands ("scratch that", "cap that") act on it. */
export interface DictatedPhrase {
  document: vscode.TextDocument;
  /** One per cursor, in document order, with the text inserted there. */
  parts: { range: vscode.Range; text: string }[];
}

/** Partial text as sent to an editor: `text` '' when it was cleared. */
export interface ShownPartial {
  editor: vscode.TextEditor;
  text: string;
  /** Where it is shown: one position per cursor. */
  at: vscode.Position[];
  /**
   * What is shown at each cursor: the partial formatted for that cursor's context exactly as the
   * phrase would be typed there (capitalisation, spacing).
   */
  shown: string[];
}

/** The text around a cursor that decides how a phrase is formatted there. */
function contextAt(doc: vscode.TextDocument, sel: vscode.Selection): FormatContext {
  const start = sel.start;
  const before = doc.getText(new vscode.Range(doc.positionAt(Math.max(0, doc.offsetAt(start) - CONTEXT_CHARS)), start));
  const after = doc.lineAt(sel.end.line).text.slice(sel.end.character);
  return { before, after };
}

/** How many dictated phrases "scratch that" can walk back through. */
const HISTORY = 20;

const CONTEXT_CHARS = 400;

/**
 * How much wider than its text the partial's box is at the end of a line: room for the next
 * update's new words before the renderer has laid it out (see scrollToRoom).
 */
const ROOM_AHEAD_CHARS = 12;

/**
 * True if the document cannot be edited: its file system says so, or it has no writable file
 * system at all (virtual documents from content providers, output channels), except untitled ones.
 */
export function isReadOnly(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme === 'untitled') return false;
  // A notebook cell is as writable as its notebook (an untitled notebook's cells are).
  if (doc.uri.scheme === 'vscode-notebook-cell') {
    const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
    return notebook ? !notebook.isUntitled && vscode.workspace.fs.isWritableFileSystem(notebook.uri.scheme) !== true : true;
  }
  return vscode.workspace.fs.isWritableFileSystem(doc.uri.scheme) !== true;
}

export class PhraseInserter implements vscode.Disposable {
  private readonly partialDecoration = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private partialText = '';
  /** The partial starts with a formatted identifier: its case stays (as the final's will). */
  private partialKeepCase = false;
  private decorated: vscode.TextEditor | undefined;
  /** What `decorated` shows: partial text and cursor positions, '' for nothing. */
  private shown = '';
  private readonly renderedEmitter = new vscode.EventEmitter<ShownPartial>();
  /** Fired each time the partial text sent to an editor changes (tests watch what is shown). */
  readonly onDidRenderPartial = this.renderedEmitter.event;
  private terminalNeedsSpace = false;
  /** While dictating: room for the partial is kept at the cursors. */
  private reserving = false;
  /** The document and cursors the view last followed. */
  private followedAt = '';
  /** What onDidRenderPartial last reported ('' for nothing). */
  private fired = '';
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Phrases inserted into editors, newest last. */
  readonly history: DictatedPhrase[] = [];

  constructor(
    private format: () => FormatOptions,
    private readonly focus: FocusTracker,
    private readonly inputs: WorkbenchInputs,
    /** Shows a partial where no editor shows it (the status bar); '' clears it. */
    private readonly preview: (text: string, place: string) => void,
  ) {
    // Partial text follows the cursor.
    this.subscriptions.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if ((this.partialText || this.reserving) && e.textEditor === vscode.window.activeTextEditor) this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    );
  }

  /** Where text would go now. */
  target(): InsertTarget | undefined {
    const place = this.focus.current;
    if (isInput(place)) return { kind: 'input', input: place };
    if (isElsewhere(place)) return { kind: 'elsewhere', place };
    const terminal = vscode.window.activeTerminal;
    if (place === 'terminal' && terminal) return { kind: 'terminal', terminal };
    const editor = vscode.window.activeTextEditor;
    if (editor) return { kind: 'editor', editor };
    if (terminal) return { kind: 'terminal', terminal };
    return undefined;
  }

  showPartial(text: string, keepCase = false): void {
    this.partialText = text;
    this.partialKeepCase = keepCase;
    this.render();
  }

  clearPartial(): void {
    this.partialText = '';
    this.render();
  }

  async commit(phrase: string, options: { keepCase?: boolean } = {}): Promise<InsertResult> {
    this.partialText = '';
    this.render();
    // A refused edit (a key typed during the round trip, the editor closed) is composed again
    // against the current state (edit-retry.ts); only a target that keeps refusing sends the
    // phrase to the clipboard.
    if (this.focus.current === 'notebook') await this.enterSelectedCell();
    return composeUntilAccepted<InsertResult>(async () => {
      const target = this.target();
      if (!target) return { done: await this.toClipboard(phrase, 'There is no editor or terminal to dictate into') };
      if (target.kind === 'elsewhere') return { done: await this.toClipboard(phrase, `dictation does not type into ${PLACE_NAMES[target.place]}`) };
      if (target.kind === 'input') {
        const r = await this.inputs.paste(target.input, phrase, { ...this.format(), keepCase: options.keepCase });
        if (r.ok) return { done: { inserted: r.text !== '', where: r.text !== '' ? target.input : 'nowhere', text: r.text } };
        return { done: await this.toClipboard(phrase, r.why) };
      }
      if (target.kind === 'terminal') {
        // Typed, never run: no line break (Enter), tab, escape sequence or other control
        // character reaches the terminal, whatever the model or the user's mapping file produced.
        const typed = terminalText(phrase).trim();
        if (!typed) return { done: { inserted: false, where: 'nowhere', text: '' } };
        const text = (this.terminalNeedsSpace ? ' ' : '') + typed;
        target.terminal.sendText(text, false);
        this.terminalNeedsSpace = true;
        return { done: { inserted: true, where: 'terminal', text } };
      }
      const { editor } = target;
      if (isReadOnly(editor.document)) return { done: await this.toClipboard(phrase, `${editor.document.fileName} is read-only`) };
      const attempted = await this.insertAtCursors(editor, phrase, options.keepCase);
      return typeof attempted === 'string' ? { refused: attempted } : { done: attempted };
    }, (why) => this.toClipboard(phrase, why));
  }

  /**
   * A notebook cell selected but not being edited (the key was pressed on the cell list): its
   * editor is opened and the phrase goes at its end, as if the user had clicked after its text.
   */
  private async enterSelectedCell(): Promise<void> {
    const notebook = vscode.window.activeNotebookEditor;
    if (!notebook || notebook.notebook.cellCount === 0) return;
    const cell = notebook.notebook.cellAt(Math.min(notebook.selection.start, notebook.notebook.cellCount - 1));
    // The cell's editor may still be the active text editor, its cursor where editing last left
    // it: the key on the cell list means "this cell", so the phrase goes at its end either way.
    await vscode.commands.executeCommand('notebook.cell.edit');
    const editor = vscode.window.activeTextEditor;
    if (editor?.document !== cell.document) return;
    const end = cell.document.lineAt(cell.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    // Now in edit mode: later phrases follow the cursor, as in any editor.
    this.focus.choose('editor');
  }

  /** One edit at every cursor of `editor`; a string says why the workbench refused it. */
  private async insertAtCursors(editor: vscode.TextEditor, phrase: string, keepCase: boolean | undefined): Promise<InsertResult | string> {
    const format = { ...this.format(), keepCase };
    const doc = editor.document;
    const pieces = editor.selections.map((sel) => ({ sel, text: formatPhrase(phrase, contextAt(doc, sel), format) }));
    if (pieces.every((p) => p.text === '')) return { inserted: false, where: 'nowhere', text: '' };
    let ok: boolean;
    try {
      ok = await editor.edit(
        (b) => {
          for (const p of pieces) {
            if (p.sel.isEmpty) b.insert(p.sel.active, p.text);
            else b.replace(p.sel, p.text);
          }
        },
        { undoStopBefore: true, undoStopAfter: true },
      );
    } catch (e) {
      return `${doc.fileName} could not be edited (${(e as Error).message})`;
    }
    if (!ok) return `${doc.fileName} did not accept the edit`;
    this.remember(editor, pieces.map((p) => p.text));
    // The newest words stay in view: the cursor after the phrase may be past the editor's edge.
    if (vscode.window.activeTextEditor === editor) editor.revealRange(new vscode.Range(editor.selection.active, editor.selection.active), vscode.TextEditorRevealType.Default);
    return { inserted: true, where: 'editor', text: pieces[0].text };
  }

  /**
   * Records where each cursor's text landed: after the edit each cursor sits right after its
   * insertion (the selections keep their order), so the text ends there.
   */
  private remember(editor: vscode.TextEditor, texts: string[]): void {
    const doc = editor.document;
    const parts = editor.selections
      .map((sel, i) => {
        const end = doc.offsetAt(sel.active);
        const text = texts[i] ?? '';
        return { range: new vscode.Range(doc.positionAt(end - text.length), sel.active), text };
      })
      .filter((p) => p.text !== '' && doc.getText(p.range) === p.text)
      .sort((a, b) => a.range.start.compareTo(b.range.start));
    if (parts.length === 0) return;
    this.history.push({ document: doc, parts });
    if (this.history.length > HISTORY) this.history.shift();
  }

  private async toClipboard(phrase: string, why: string): Promise<InsertResult> {
    await vscode.env.clipboard.writeText(phrase);
    const paste = process.platform === 'darwin' ? 'Cmd+V' : 'Ctrl+V';
    void vscode.window.showWarningMessage(`Murmur: ${why}. The dictated text is on the clipboard: click where it should go and paste it (${paste}).`);
    return { inserted: false, where: 'clipboard', text: phrase };
  }

  /**
   * While dictating, room for the partial is kept at each cursor, shown or not (see scrollToRoom).
   * Off again when dictation ends.
   */
  setReserving(on: boolean): void {
    this.reserving = on;
    this.render();
  }

  /**
   * Shows the partial text at the active editor's cursors. Every call that would send the workbench
   * what it already shows is skipped: the renderer is where a final's edit waits its turn, and a
   * decoration update per selection event or per commit is work put in front of it.
   */
  private render(): void {
    const place = this.focus.current;
    const inEditor = !isInput(place) && !isElsewhere(place) && place !== 'terminal';
    // Where no editor shows the partial (Chat, the commit message, the clipboard's places), the status bar does.
    this.preview(inEditor || !this.partialText ? '' : partialTail(this.partialText), inEditor ? '' : PLACE_NAMES[place ?? 'editor']);
    const editor = inEditor ? vscode.window.activeTextEditor : undefined;
    if (this.decorated && this.decorated !== editor) {
      if (this.shown !== '') this.decorated.setDecorations(this.partialDecoration, []);
      if (this.fired !== '') this.renderedEmitter.fire({ editor: this.decorated, text: '', at: [], shown: [] });
    }
    if (this.decorated !== editor) {
      this.shown = '';
      this.fired = '';
      this.followedAt = '';
    }
    this.decorated = editor;
    if (!editor) return;
    // Each cursor shows the partial as it would be typed there: the same formatting as the final's
    // (a capital only where a sentence starts, the space before it only where one is needed), and a
    // space after it only when text follows on the line.
    const format = { ...this.format(), keepCase: this.partialKeepCase };
    const shown = this.partialText
      ? editor.selections.map((sel) => {
          const ctx = contextAt(editor.document, sel);
          const text = partialTail(formatPhrase(this.partialText, ctx, format));
          return ctx.after !== '' && !text.endsWith(' ') ? `${text} ` : text;
        })
      : [];
    const cursors = editor.selections.map((s) => `${s.active.line}:${s.active.character}`).join(',');
    const reserve = this.reserving || shown.length > 0;
    const key = reserve ? `${shown.join('\u0001')}\u0000${cursors}` : '';
    if (key === this.shown) return;
    this.shown = key;
    const at = reserve ? editor.selections.map((s) => s.active) : [];
    editor.setDecorations(
      this.partialDecoration,
      at.map((p, i) => {
        const text = shown[i] ?? '';
        // Room only at the end of a line: in the middle it would push the rest of the line aside.
        const atEnd = p.character === editor.document.lineAt(p.line).text.length;
        return { range: new vscode.Range(p, p), renderOptions: { after: { contentText: text, ...(atEnd ? { width: `${text.length + ROOM_AHEAD_CHARS}ch` } : {}) } } };
      }),
    );
    // Tests watch the partial text, not the room kept for it.
    const fired = shown.length ? key : '';
    if (fired !== this.fired) {
      this.fired = fired;
      this.renderedEmitter.fire({ editor, text: this.partialText, at: shown.length ? at : [], shown });
    }
    if (!at.length) return;
    const primary = editor.selection.active;
    const followKey = `${editor.document.uri.toString()}\u0000${cursors}`;
    if (followKey !== this.followedAt) {
      // A new place (dictation started, a phrase landed, the user moved): show the cursor there.
      this.followedAt = followKey;
      editor.revealRange(new vscode.Range(primary, primary), vscode.TextEditorRevealType.Default);
    }
    this.scrollToRoom(editor, primary, shown[editor.selections.indexOf(editor.selection)] ?? '');
  }

  /**
   * A decoration is not text: the editor never scrolls to it, so a partial at the end of a line
   * wider than the view runs past the edge, newest words first. But the editor counts a rendered
   * decoration in the line's width, and the partial's box is kept ROOM_AHEAD_CHARS wider than its
   * text: scrolling right as far as the editor allows then brings the box's end to the edge, which
   * shows the newest words, including those of an update the renderer has not laid out yet (it
   * fits in the room the last one left). On a line that fits there is no scrolling to do, and the
   * command does nothing. Only when this line is the widest in view: otherwise the editor's limit
   * is another line's end, and the view would overshoot.
   */
  private scrollToRoom(editor: vscode.TextEditor, cursor: vscode.Position, text: string): void {
    const lineLength = editor.document.lineAt(cursor.line).text.length;
    if (cursor.character < lineLength) return;
    const width = lineLength + text.length + ROOM_AHEAD_CHARS;
    for (const r of editor.visibleRanges) {
      for (let line = r.start.line; line <= r.end.line; line++) {
        if (line !== cursor.line && editor.document.lineAt(line).text.length > width) return;
      }
    }
    void vscode.commands.executeCommand('editorScroll', { to: 'right', by: 'column', value: width, revealCursor: false });
  }

  dispose(): void {
    this.partialDecoration.dispose();
    this.renderedEmitter.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
