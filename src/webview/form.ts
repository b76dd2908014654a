/**
 * The Export form: reads it into ExportSettings (the user's draft), writes settings into it, and
 * checks the draft with the protocol's own validator, pointing at the offending control.
 */
import type { ExportFormat, ModelCard, OptimizationLevel } from '../engine/export/types';
import { CARD_FIELDS, validateFromWebview, type ExportSettings, type SettingsTarget } from '../protocol/webview';
import { byId } from './dom';

const FORMATS: readonly ExportFormat[] = ['ort', 'onnx'];
const LEVELS: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

const formatRadio = (f: ExportFormat): HTMLInputElement => byId(`format-${f}`, HTMLInputElement);
const optimization = (): HTMLSelectElement => byId('optimization', HTMLSelectElement);
const outputDir = (): HTMLInputElement => byId('output-dir', HTMLInputElement);
const cardControl = (f: keyof ModelCard): HTMLInputElement | HTMLTextAreaElement => {
  const e = document.getElementById(`card-${f}`);
  if (e instanceof HTMLInputElement || e instanceof HTMLTextAreaElement) return e;
  throw new Error(`The export panel page has no #card-${f}`);
};

export function readForm(): ExportSettings {
  const format = FORMATS.find((f) => formatRadio(f).checked) ?? 'ort';
  const level = LEVELS.find((l) => l === optimization().value) ?? 'all';
  const card = {} as ModelCard;
  for (const f of CARD_FIELDS) card[f] = cardControl(f).value;
  return { format, optimization: level, outputDirectory: outputDir().value.trim(), card };
}

export function writeForm(s: ExportSettings): void {
  for (const f of FORMATS) formatRadio(f).checked = s.format === f;
  optimization().value = s.optimization;
  outputDir().value = s.outputDirectory;
  for (const f of CARD_FIELDS) cardControl(f).value = s.card[f];
}

export function setOutputDir(path: string): void {
  outputDir().value = path;
}

export function setOutputPlaceholder(text: string): void {
  outputDir().placeholder = text;
}

export function sameSettings(a: ExportSettings, b: ExportSettings): boolean {
  return a.format === b.format && a.optimization === b.optimization && a.outputDirectory === b.outputDirectory && CARD_FIELDS.every((f) => a.card[f] === b.card[f]);
}

/** The control a validation reason points at (`saveSettings.settings.card.author: ...` -> #card-author). */
export function controlFor(reason: string): HTMLElement | undefined {
  const field = /^[a-zA-Z]+\.(?:settings|options)\.([a-zA-Z.]+)/.exec(reason)?.[1];
  if (!field) return undefined;
  if (field === 'outputDirectory' || field === 'outputDir') return outputDir();
  if (field === 'optimization') return optimization();
  if (field === 'format') return formatRadio('ort');
  const card = /^card\.(\w+)/.exec(field)?.[1];
  const known = CARD_FIELDS.find((f) => f === card);
  return known ? cardControl(known) : undefined;
}

/** Human text for a refused draft: the control's label and what is expected there. */
export function explain(reason: string): string {
  const control = controlFor(reason);
  const label = control ? document.querySelector(`label[for="${control.id}"]`)?.textContent?.trim() : undefined;
  const expected = reason.replace(/^[^:]*:\s*/, '');
  if (control?.id === 'output-dir' && /absolute path/.test(expected)) return 'Output directory: enter an absolute path, or leave it empty to export next to the source model.';
  return label ? `${label}: ${expected}` : reason;
}

/** Marks the one invalid control (aria-invalid), clearing the others; returns the reason or undefined. */
export function checkDraft(draft: ExportSettings, target: SettingsTarget): string | undefined {
  document.querySelectorAll('[aria-invalid="true"]').forEach((e) => e.removeAttribute('aria-invalid'));
  const v = validateFromWebview({ type: 'saveSettings', settings: draft, target });
  if (v.ok) return undefined;
  controlFor(v.reason)?.setAttribute('aria-invalid', 'true');
  return v.reason;
}
