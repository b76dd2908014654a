/**
 * The murmur.export.* settings: read (typed, with the package.json defaults as fallbacks against
 * hand-edited nonsense) and written at the target the user picked in the panel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPORT_FORMATS, OPTIMIZATION_LEVELS, type ModelCard } from '../../engine/export/types';
import { CARD_FIELDS, MAX_FIELD, type ExportSettings, type SettingsTarget } from '../../protocol/webview';

export const EXPORT_SECTION = 'murmur.export';

const CARD_DEFAULTS: ModelCard = { author: '', name: '', version: '0.0.1', license: '', language: 'en', description: '', source: '' };

/** Every key under murmur.export, as written (`card.author`, ...). */
export const EXPORT_SETTING_KEYS: readonly string[] = ['format', 'optimization', 'outputDirectory', ...CARD_FIELDS.map((f) => `card.${f}`)];

function str(c: vscode.WorkspaceConfiguration, key: string, fallback: string): string {
  const v = c.get<unknown>(key);
  return typeof v === 'string' ? v.slice(0, MAX_FIELD) : fallback;
}

export function readExportSettings(log?: vscode.LogOutputChannel): ExportSettings {
  const c = vscode.workspace.getConfiguration(EXPORT_SECTION);
  const format = EXPORT_FORMATS.find((f) => f === c.get('format')) ?? 'ort';
  const optimization = OPTIMIZATION_LEVELS.find((o) => o === c.get('optimization')) ?? 'all';
  let outputDirectory = str(c, 'outputDirectory', '').trim();
  if (outputDirectory && !path.isAbsolute(outputDirectory)) {
    log?.warn(`murmur.export.outputDirectory is not an absolute path (${JSON.stringify(outputDirectory)}); exporting next to the source instead.`);
    outputDirectory = '';
  }
  const card = { ...CARD_DEFAULTS };
  for (const field of CARD_FIELDS) card[field] = str(c, `card.${field}`, CARD_DEFAULTS[field]);
  return { format, optimization, outputDirectory, card };
}

export const hasWorkspace = (): boolean => (vscode.workspace.workspaceFolders?.length ?? 0) > 0 || vscode.workspace.workspaceFile !== undefined;

/** Workspace when any murmur.export setting is set there (so "Save" writes where the values come from), else User. */
export function currentSettingsTarget(): SettingsTarget {
  if (!hasWorkspace()) return 'user';
  const c = vscode.workspace.getConfiguration(EXPORT_SECTION);
  return EXPORT_SETTING_KEYS.some((k) => c.inspect(k)?.workspaceValue !== undefined) ? 'workspace' : 'user';
}

export function configurationTarget(target: SettingsTarget): vscode.ConfigurationTarget {
  return target === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

function entries(s: ExportSettings): [string, string][] {
  return [['format', s.format], ['optimization', s.optimization], ['outputDirectory', s.outputDirectory], ...CARD_FIELDS.map((f): [string, string] => [`card.${f}`, s.card[f]])];
}

/**
 * Writes the settings at `target`, one key after another (parallel writes to one settings file can
 * lose updates). A value equal to what applies without this target's own value (the default, or for
 * the workspace the user value) is removed rather than written, so settings.json stays short.
 */
export async function writeExportSettings(s: ExportSettings, target: SettingsTarget): Promise<number> {
  const c = vscode.workspace.getConfiguration(EXPORT_SECTION);
  let written = 0;
  for (const [key, value] of entries(s)) {
    const info = c.inspect<string>(key);
    const at = key === 'outputDirectory' ? 'user' : target;
    const current = at === 'workspace' ? info?.workspaceValue : info?.globalValue;
    const below = at === 'workspace' ? (info?.globalValue ?? info?.defaultValue) : info?.defaultValue;
    const next = value === below ? undefined : value;
    if (current === next) continue;
    // The output folder has scope application (a repository must not choose where exports go):
    // VS Code refuses it in Workspace settings, so it is always the user's.
    await c.update(key, next, configurationTarget(key === 'outputDirectory' ? 'user' : target));
    written++;
  }
  return written;
}
