/**
 * Voice commands act on what was dictated, never on what the user typed: "scratch that" removes
 * the last dictated phrase only if the document still holds exactly that text where it was put
 * (otherwise it says so and touches nothing); repeated, it walks back through earlier phrases.
 */
import * as vscode from 'vscode';
import type { VoiceCommandName } from '../text/spoken-forms';
import type { DictatedPhrase, PhraseInserter } from './inserter';

export interface VoiceCommandHost {
  inserter: PhraseInserter;
  stop(): Promise<void>;
  log: vscode.LogOutputChannel;
}

/** The last dictated phrase if it is still there, untouched. */
function lastIntact(history: DictatedPhrase[]): DictatedPhrase | undefined {
  const last = history.at(-1);
  if (!last || last.document.isClosed) return undefined;
  return last.parts.every((p) => last.document.getText(p.range) === p.text) ? last : undefined;
}

async function editorFor(phrase: DictatedPhrase): Promise<vscode.TextEditor> {
  const visible = vscode.window.visibleTextEditors.find((e) => e.document === phrase.document);
  return visible ?? vscode.window.showTextDocument(phrase.document);
}

function titleCase(text: string): string {
  return text.replace(/(^|[\s"'([{])(\p{Ll})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

/** Runs a voice command; returns what happened, for the log and tests. */
export async function runVoiceCommand(name: VoiceCommandName, host: VoiceCommandHost): Promise<string> {
  const { inserter } = host;
  switch (name) {
    case 'stop':
      // Not awaited: stop() waits for the commit chain this command runs in.
      void host.stop();
      return 'stopping';
    case 'deleteWord':
      await vscode.commands.executeCommand('deleteWordLeft');
      return 'deleted the word before the cursor';
    case 'send':
      // The one place dictation submits anything: the user said "send it" in a Chat input.
      await vscode.commands.executeCommand('workbench.action.chat.submit');
      return 'sent the Chat message';
    default:
      break;
  }
  const phrase = lastIntact(inserter.history);
  if (!phrase) {
    const why = inserter.history.length ? 'the last dictated phrase was edited since, so Murmur left it alone' : 'nothing has been dictated yet';
    void vscode.window.showInformationMessage(`Murmur: "${name === 'scratch' ? 'scratch that' : `${name} that`}": ${why}.`);
    return `nothing to do (${why})`;
  }
  const editor = await editorFor(phrase);
  if (name === 'select') {
    editor.selections = phrase.parts.map((p) => new vscode.Selection(p.range.start, p.range.end));
    editor.revealRange(phrase.parts[0].range);
    return 'selected the last phrase';
  }
  const replacement = (text: string) => (name === 'scratch' ? '' : name === 'allCaps' ? text.toUpperCase() : titleCase(text));
  const ok = await editor.edit(
    (b) => {
      for (const p of phrase.parts) b.replace(p.range, replacement(p.text));
    },
    { undoStopBefore: true, undoStopAfter: true },
  );
  if (!ok) return 'the editor refused the edit';
  inserter.history.pop();
  if (name !== 'scratch') {
    // The changed phrase is still the last one: record it as it now reads.
    const doc = editor.document;
    let shift = 0;
    const parts = phrase.parts.map((p) => {
      const text = replacement(p.text);
      const start = doc.offsetAt(p.range.start) + shift;
      shift += text.length - p.text.length;
      return { range: new vscode.Range(doc.positionAt(start), doc.positionAt(start + text.length)), text };
    });
    inserter.history.push({ document: doc, parts });
  }
  return name === 'scratch' ? 'removed the last phrase' : `changed the case of the last phrase (${name})`;
}
