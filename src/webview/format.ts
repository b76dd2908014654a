/**
 * Pure formatting for the Speech Models panel: sizes, times, download progress, the one-line
 * takeaway of the side-by-side comparison, and what the panel says about the model in use and
 * where settings go. No DOM here, so unit tests can import it.
 */
import type { CatalogEntry, DownloadProgress } from '../engine/download/types';
import type { ComparisonRow } from '../engine/export/types';
import type { ModelLocation } from '../engine/models/spec';
import type { InUseModel, PanelState, SettingsTarget } from '../protocol/webview';

const MB = 1024 * 1024;

/** 1024-based, like VS Code: "812 B", "1.3 MB", "43 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

let displayNames: Intl.DisplayNames | undefined;

/** "German" for "de"; the code itself where the runtime has no name for it (Whisper's "jw"). */
export function languageName(code: string): string {
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });
    return displayNames.of(code) ?? code;
  } catch {
    return code;
  }
}

export interface LanguagesDescription {
  /** What the panel shows: the names of a few languages, or how many with the first ones named. */
  text: string;
  /** Every language by name (a tooltip), '' when none is stated. */
  title: string;
}

/** How the panel names the languages a model hears; the catalog and the inspected model share it. */
export function describeLanguages(codes: readonly string[] | undefined): LanguagesDescription {
  if (!codes || codes.length === 0) return { text: 'Not stated', title: '' };
  const names = codes.map(languageName);
  const title = names.join(', ');
  if (names.length <= 4) return { text: title, title };
  return { text: `${names.length} languages (${names.slice(0, 3).join(', ')}, …)`, title };
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
}

/** "0.081 (12× faster than real time)". */
export function formatRtf(rtf: number): string {
  if (!Number.isFinite(rtf) || rtf < 0) return '—';
  const value = rtf < 0.01 ? rtf.toFixed(4) : rtf.toFixed(3);
  if (rtf === 0) return value;
  return rtf < 1 ? `${value} (${formatRatio(1 / rtf)} faster than real time)` : `${value} (slower than real time)`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** Download progress as one fraction over the phases (the download itself is most of the time). */
export function downloadFraction(p: DownloadProgress): number {
  switch (p.phase) {
    case 'download':
      return p.totalBytes > 0 ? Math.min(1, p.receivedBytes / p.totalBytes) * 0.9 : 0;
    case 'verify':
      return 0.92;
    case 'extract':
      return 0.95;
    case 'install':
      return 0.99;
  }
}

export function describeDownload(p: DownloadProgress): string {
  switch (p.phase) {
    case 'download':
      return `Downloading: ${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}${p.resumed ? ' (resumed)' : ''}`;
    case 'verify':
      return 'Checking the SHA-256...';
    case 'extract':
      return 'Extracting...';
    case 'install':
      return 'Installing...';
  }
}

/** The model as one line: its directory, or its encoder and how many other files. */
export function describeLocation(loc: ModelLocation | null): string {
  if (!loc) return 'No model selected';
  if (loc.dir !== undefined && loc.encoder === undefined) return loc.dir;
  const others = [loc.decoder, loc.joiner, loc.tokens].filter((f) => f !== undefined).length;
  const first = loc.encoder ?? loc.dir ?? '';
  return others > 0 ? `${first} (+${others} more file${others === 1 ? '' : 's'})` : first;
}

const normalize = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, '').replace(/\s+/g, ' ').trim();

/**
 * One line saying what the export gained over the source, e.g.
 * "Export: 2.1× faster load, 80 MB of weights shared between windows". The first row is the
 * source, the second the export; '' when there is nothing to compare.
 */
export function takeaway(rows: readonly ComparisonRow[]): string {
  if (rows.length < 2) return '';
  const [src, exp] = rows;
  const parts: string[] = [];
  if (src.loadMs > 0 && exp.loadMs > 0) {
    const r = src.loadMs / exp.loadMs;
    if (r >= 1.05) parts.push(`${formatRatio(r)} faster load`);
    else if (r <= 1 / 1.05) parts.push(`${formatRatio(1 / r)} slower load`);
    else parts.push('about the same load time');
  }
  if (exp.sharedBytes !== undefined) {
    // Shared memory also counts the runtime's own libraries: what the export adds is its weights.
    const weights = exp.sharedBytes - (src.sharedBytes ?? 0);
    if (weights >= MB) parts.push(`${formatBytes(weights)} of weights shared between windows`);
  }
  if (src.privateBytes !== undefined && exp.privateBytes !== undefined) {
    const saved = src.privateBytes - exp.privateBytes;
    if (saved >= MB) parts.push(`${formatBytes(saved)} less private memory per window`);
  }
  if (normalize(src.transcript) !== normalize(exp.transcript)) parts.push('but the transcript differs from the source');
  return parts.length === 0 ? '' : `${exp.label}: ${parts.join(', ')}`;
}

/** The last part of a path, whichever separator it uses. */
export const baseName = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

const LOCATION_KEYS = ['dir', 'encoder', 'decoder', 'joiner', 'tokens'] as const;

export function sameLocation(a: ModelLocation, b: ModelLocation): boolean {
  return LOCATION_KEYS.every((k) => a[k] === b[k]);
}

/** A line of text in which some parts are paths or setting names (drawn as code). */
export type Segments = readonly (string | { code: string })[];

export interface InUseDescription {
  /** The catalog title when the folder is a catalog model's, else the folder or encoder name. */
  name: string;
  /** Where the choice comes from. */
  origin: string;
  path: string;
  /** That it is memory-mapped already, and from where. */
  mapped: Segments;
}

/**
 * The languages of the model to export: what its files say, else what the catalog says of the
 * catalog model in that folder (downloads are kept under their catalog id).
 */
export function inspectedLanguages(languages: readonly string[], source: ModelLocation | null | undefined, catalog: readonly CatalogEntry[]): readonly string[] {
  if (languages.length > 0) return languages;
  const folder = source?.dir !== undefined && source.encoder === undefined ? baseName(source.dir) : undefined;
  return catalog.find((e) => folder !== undefined && e.id === folder)?.languages ?? [];
}

/** What the "Model in use" section says. */
export function describeInUse(inUse: InUseModel | undefined, catalog: readonly CatalogEntry[]): InUseDescription {
  if (!inUse) return { name: 'The model settings could not be read', origin: 'see the Murmur log', path: '', mapped: [] };
  const loc = inUse.location;
  const folder = loc.dir !== undefined && loc.encoder === undefined ? baseName(loc.dir) : undefined;
  const entry = folder !== undefined ? catalog.find((e) => e.id === folder) : undefined;
  const name = entry?.title ?? folder ?? baseName(loc.encoder ?? loc.dir ?? '');
  const origin = inUse.embedded ? 'embedded in Murmur (the default)' : loc.encoder !== undefined ? 'set by murmur.model.* in your User settings' : 'set by murmur.model.path in your User settings';
  const shared = 'so every VS Code window shares one copy of the weights.';
  const mapped: Segments =
    inUse.mapped === 'direct'
      ? [`Already memory-mapped: its ORT files are mapped as they are, ${shared}`]
      : [
          'Already memory-mapped: Murmur converts it once to the ORT format in its cache, ',
          { code: inUse.cacheDir },
          `, and maps that file, ${shared}`,
          ...(inUse.embedded ? [' The embedded model needs no export.'] : []),
        ];
  return { name, origin, path: describeLocation(loc), mapped };
}

/** A word to the user when the model chosen for export is one Murmur already maps (exporting it gains nothing). */
export function sourceNote(state: Pick<PanelState, 'source' | 'inUse'>): string | undefined {
  const { source, inUse } = state;
  if (!source || !inUse || !sameLocation(source, inUse.location)) return undefined;
  if (inUse.embedded) return 'This is the embedded model, which Murmur already runs memory-mapped: exporting it only makes a copy. Choose your own model with Choose Model... to export it.';
  if (inUse.mapped === 'direct') return 'This model is already in the ORT format, memory-mapped as it is.';
  return undefined;
}

/** Where "Save as Defaults" writes, in words (the panel has no picker: the host decides). */
export function settingsTargetText(target: SettingsTarget): Segments {
  return target === 'workspace'
    ? ["Save as Defaults keeps these choices in this workspace's settings, which already set ", { code: 'murmur.export.*' }, '; the output directory always goes to your User settings.']
    : ['Save as Defaults keeps these choices for the next export in your User settings (', { code: 'murmur.export.*' }, ').'];
}
