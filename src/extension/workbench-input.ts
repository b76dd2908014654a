/**
 * Text into the workbench's own inputs: the Chat input (panel, Quick Chat, inline chat) and the
 * Source Control commit message. No extension API edits them at the cursor, and
 * `activeTextEditor` is not them; the `paste` command with `{ text }` puts the text at the cursor of
 * whichever input has focus, as one step that one Undo removes, without touching the clipboard,
 * without opening a suggestion list and without sending anything (a line break is a new line).
 *
 * Each of these inputs is a document (`chatSessionInput:`, `vscode-scm:`): watching their changes
 * tells (a) which one the user typed in last (focus-target.ts hears it), (b) the text before the
 * cursor for spacing and capitals, and (c) where a paste landed. A paste that lands in a file
 * instead (focus had moved to the Find widget, whose paste goes to the file underneath) is taken
 * back at once and reported, so the caller puts the phrase on the clipboard.
 */
import * as vscode from 'vscode';
import { formatPhrase, type FormatOptions } from '../text/smart-format';
import { PLACE_NAMES, type InputKind } from './focus-target';

/** How long a paste may take to show up as a document change (the renderer applies it, then the extension host hears it). */
const LANDING_TIMEOUT_MS = 2000;
const CONTEXT_CHARS = 400;

export function inputKindOf(uri: vscode.Uri): InputKind | undefined {
  if (uri.scheme === 'chatSessionInput') return 'chat';
  if (uri.scheme === 'vscode-scm') return 'scm';
  return undefined;
}

/** One character typed (or a short completion like `()`), or one deleted. */
function looksTyped(c: vscode.TextDocumentContentChangeEvent): boolean {
  return (c.text.length > 0 && c.text.length <= 2 && c.rangeLength === 0) || (c.text === '' && c.rangeLength === 1);
}

export type PasteResult = { ok: true; text: string } | { ok: false; why: string };

interface Landed {
  doc: vscode.TextDocument;
  /** Where the text now is. */
  range: vscode.Range;
  /** The document's length before the text landed. */
  before: number;
}

interface Landing {
  text: string;
  resolve(where: Landed | undefined): void;
}

export class WorkbenchInputs implements vscode.Disposable {
  /** The input document of each kind the user or Murmur changed last. */
  private readonly last = new Map<InputKind, vscode.TextDocument>();
  private landing: Landing | undefined;
  /** Murmur is taking a misformatted paste back: that change is not the user typing. */
  private undoing = false;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly userTyped: (input: InputKind) => void) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((e) => this.changed(e));
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const kind = inputKindOf(e.document.uri);
    const landing = this.landing;
    if (landing) {
      const hit = e.contentChanges.find((c) => c.text === landing.text);
      if (hit) {
        this.landing = undefined;
        if (kind) this.last.set(kind, e.document);
        const start = hit.range.start;
        const end = e.document.positionAt(e.document.offsetAt(start) + hit.text.length);
        landing.resolve({ doc: e.document, range: new vscode.Range(start, end), before: e.document.getText().length - hit.text.length + hit.rangeLength });
        return;
      }
    }
    if (!kind || this.undoing) return;
    this.last.set(kind, e.document);
    // A keystroke there (a character typed, one deleted): the user is in that input. Whole-text
    // changes are programs (Git filling the commit message, Chat clearing a sent prompt): they say
    // nothing about where the keyboard is.
    if (e.contentChanges.every(looksTyped)) this.userTyped(kind);
  }

  /** The text before the cursor of the last input of this kind (the cursor is at its end as far as Murmur can know). */
  private before(kind: InputKind): string {
    const doc = this.last.get(kind);
    if (!doc || doc.isClosed) return '';
    const text = doc.getText();
    return text.slice(Math.max(0, text.length - CONTEXT_CHARS));
  }

  /** Resolves with where the next change carrying exactly `text` lands, or undefined after LANDING_TIMEOUT_MS. */
  private expectLanding(text: string): Promise<Landed | undefined> {
    return new Promise((resolve) => {
      this.landing = { text, resolve };
      setTimeout(() => {
        if (this.landing?.resolve === resolve) this.landing = undefined;
        resolve(undefined);
      }, LANDING_TIMEOUT_MS);
    });
  }

  private async pasteAndWatch(text: string): Promise<Landed | undefined> {
    const landed = this.expectLanding(text);
    await vscode.commands.executeCommand('paste', { text });
    return landed;
  }

  /**
   * Pastes the phrase, formatted for what precedes it, into the focused input of `kind`. Which
   * input has focus is known only once the text lands there; if that input's text calls for other
   * spacing or capitals than the guess (the last input used), the paste is undone in that input
   * and the phrase pasted again, formatted for it: still one Undo step for the user.
   */
  async paste(kind: InputKind, phrase: string, format: FormatOptions): Promise<PasteResult> {
    const text = formatPhrase(phrase, { before: this.before(kind), after: '' }, format);
    if (text === '') return { ok: true, text: '' };
    const where = await this.pasteAndWatch(text);
    if (!where) return { ok: false, why: `${PLACE_NAMES[kind]} did not take the text (the keyboard is no longer there)` };
    if (!inputKindOf(where.doc.uri)) {
      // Landed in a file: focus was in a widget whose paste goes to the editor underneath. Take it back.
      const undo = new vscode.WorkspaceEdit();
      undo.delete(where.doc.uri, where.range);
      await vscode.workspace.applyEdit(undo);
      return { ok: false, why: `the keyboard is no longer in ${PLACE_NAMES[kind]}, and Murmur does not type into the Find widget or other places that are not an input` };
    }
    const doc = where.doc;
    const before = doc.getText(new vscode.Range(new vscode.Position(0, 0), where.range.start)).slice(-CONTEXT_CHARS);
    const after = doc.lineAt(where.range.end.line).text.slice(where.range.end.character);
    const fitting = formatPhrase(phrase, { before, after }, format);
    if (fitting === text || fitting === '') return { ok: true, text };
    const undone = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === doc) {
          sub.dispose();
          resolve();
        }
      });
      setTimeout(() => {
        sub.dispose();
        resolve();
      }, LANDING_TIMEOUT_MS);
    });
    this.undoing = true;
    try {
      await vscode.commands.executeCommand('undo');
      await undone;
    } finally {
      this.undoing = false;
    }
    if (doc.getText().length !== where.before) return { ok: true, text }; // the undo did not take exactly the paste back: keep it
    const again = await this.pasteAndWatch(fitting);
    return again ? { ok: true, text: fitting } : { ok: false, why: `${PLACE_NAMES[kind]} did not take the text (the keyboard is no longer there)` };
  }

  dispose(): void {
    this.subscription.dispose();
    this.landing?.resolve(undefined);
  }
}
