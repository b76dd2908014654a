/**
 * Feeds focus-target.ts the user's moves that VS Code reports to extensions: typing or clicking in
 * a text editor. (Typing in a Chat input or the commit message is heard by workbench-input.ts; the
 * key that starts dictation says where it was pressed.) Murmur's own edits move selections too, but
 * as commands, never as keyboard or mouse.
 */
import * as vscode from 'vscode';
import type { FocusTracker } from './focus-target';

export function watchFocus(focus: FocusTracker): vscode.Disposable[] {
  const byUser = new Set([vscode.TextEditorSelectionChangeKind.Keyboard, vscode.TextEditorSelectionChangeKind.Mouse]);
  return [
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.kind !== undefined && byUser.has(e.kind)) focus.hear({ kind: 'editor' });
    }),
  ];
}
