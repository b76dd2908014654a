/**
 * Where the words to bias recognition towards come from, gathered when dictation starts: the user's
 * list (murmur.voice.vocabulary), the symbols of the active document (through whatever symbol
 * provider its language has), and the identifiers of the visible editors' text (the fallback that
 * works for every language). Bounded, so a huge file costs a few milliseconds, not seconds.
 */
import * as vscode from 'vscode';
import { identifiersIn } from '../engine/vocabulary';

const MAX_CHARS_PER_DOCUMENT = 500_000;
const MAX_IDENTIFIERS_PER_DOCUMENT = 500;
const MAX_SYMBOLS = 1000;
const MAX_TERMS = 3000;
/** Symbol providers can be slow on a cold file; dictation does not wait longer than this for them. */
const SYMBOL_WAIT_MS = 150;

/** Symbols of a document, per version (starting dictation again in the same file costs nothing). */
const symbolCache = new Map<string, { version: number; names: string[] }>();

function symbolNames(symbols: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined, out: string[]): void {
  for (const s of symbols ?? []) {
    if (out.length >= MAX_SYMBOLS) return;
    out.push(s.name);
    if ('children' in s) symbolNames(s.children, out);
  }
}

export async function gatherVocabulary(userTerms: readonly string[]): Promise<string[]> {
  const terms = [...userTerms];
  const active = vscode.window.activeTextEditor?.document;
  if (active) {
    const key = active.uri.toString();
    const cached = symbolCache.get(key);
    if (cached?.version === active.version) {
      terms.push(...cached.names);
    } else {
      const query = Promise.resolve(vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', active.uri)).then(
        (symbols) => {
          const names: string[] = [];
          symbolNames(symbols, names);
          symbolCache.set(key, { version: active.version, names });
          return names;
        },
        // No symbol provider for this language: the identifiers below still apply.
        () => [],
      );
      terms.push(...(await Promise.race([query, new Promise<string[]>((r) => setTimeout(() => r([]), SYMBOL_WAIT_MS))])));
    }
  }
  for (const doc of new Set(vscode.window.visibleTextEditors.map((e) => e.document))) {
    terms.push(...identifiersIn(doc.getText().slice(0, MAX_CHARS_PER_DOCUMENT), MAX_IDENTIFIERS_PER_DOCUMENT));
  }
  // Bounded: they travel in one protocol message.
  return [...new Set(terms.filter((t) => t.length <= 64))].slice(0, MAX_TERMS);
}
