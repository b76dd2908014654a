/**
 * Draws the dynamic parts of the Speech Models panel from the state: the model in use, the model
 * to export (its files and metadata), the export's results table, and the download catalog. Each function is idempotent (it can run on
 * every state message); the catalog keeps one element per entry so focus survives updates.
 */
import type { CatalogEntry, DownloadProgress } from '../engine/download/types';
import type { ComparisonRow, InspectedFile } from '../engine/export/types';
import type { PanelState } from '../protocol/webview';
import { button, byId, clear, el, icon, setMessage, show } from './dom';
import { baseName, describeDownload, describeInUse, describeLanguages, describeLocation, inspectedLanguages, downloadFraction, formatBytes, formatMs, formatPercent, formatRtf, settingsTargetText, sourceNote, takeaway, type Segments } from './format';

const FAMILY: Record<string, string> = {
  moonshine: 'Moonshine (encoder-decoder)',
  zipformer: 'Zipformer (streaming transducer)',
  whisper: 'Whisper (encoder-decoder)',
  parakeet: 'Parakeet TDT (transducer)',
  nemotron: 'Nemotron (streaming transducer)',
};
const FORMAT: Record<string, string> = { onnx: 'ONNX', ort: 'ORT', text: 'Text' };
const QUANTIZATION: Record<string, string> = { int8: 'int8', uint8: 'uint8', float32: 'float32', float16: 'float16', mixed: 'Mixed', unknown: 'Unknown' };

/** Text with its code parts (paths, setting names) as <code>. */
function segments(parts: Segments): (string | HTMLElement)[] {
  return parts.map((p) => (typeof p === 'string' ? p : el('code', { class: 'selectable', text: p.code })));
}

// ---- the model in use ------------------------------------------------------------------------------

export function renderInUse(state: PanelState): void {
  const d = describeInUse(state.inUse, state.catalog);
  byId('in-use-name', HTMLElement).textContent = d.name;
  byId('in-use-origin', HTMLElement).textContent = d.origin;
  const pathEl = byId('in-use-path', HTMLElement);
  pathEl.textContent = d.path;
  show(pathEl, d.path !== '');
  const mapped = byId('in-use-mapped', HTMLElement);
  mapped.replaceChildren(...(d.mapped.length ? [icon('pass'), el('span', {}, ...segments(d.mapped))] : []));
  show(mapped, d.mapped.length > 0);
}

/** Where Save as Defaults writes (no picker: the host decides, the page says). */
export function renderSettingsTarget(state: PanelState): void {
  byId('settings-target', HTMLElement).replaceChildren(...segments(settingsTargetText(state.settingsTarget)));
}

// ---- (a) the model to export -------------------------------------------------------------------------

export function renderModel(state: PanelState): void {
  const pathEl = byId('model-path', HTMLElement);
  pathEl.textContent = describeLocation(state.source);
  pathEl.title = state.source ? [state.source.dir, state.source.encoder, state.source.decoder, state.source.joiner, state.source.tokens].filter(Boolean).join('\n') : '';

  const status = byId('model-status', HTMLElement);
  clear(status);
  if (state.inspecting) status.append(icon('loading', 'codicon-modifier-spin'), ' Reading the model...');
  setMessage(byId('source-note', HTMLElement), sourceNote(state));

  const inspection = state.inspection;
  show(byId('model-summary', HTMLElement), inspection !== null);
  show(byId('model-files', HTMLTableElement), inspection !== null);
  show(byId('model-metadata', HTMLDetailsElement), inspection !== null);
  if (!inspection) return;
  byId('model-family', HTMLElement).textContent = FAMILY[inspection.family] ?? inspection.family;
  byId('model-size', HTMLElement).textContent = formatBytes(inspection.totalBytes);
  byId('model-file-count', HTMLElement).textContent = String(inspection.files.length);
  const languages = describeLanguages(inspectedLanguages(inspection.languages, state.source, state.catalog));
  const languagesEl = byId('model-languages', HTMLElement);
  languagesEl.textContent = languages.text;
  languagesEl.title = languages.title;

  const body = byId('model-files-body', HTMLTableSectionElement);
  clear(body);
  for (const f of inspection.files) {
    body.append(
      el(
        'tr',
        {},
        el('td', { text: f.role }),
        el('td', { class: 'path', text: baseName(f.path), attrs: { title: f.path } }),
        el('td', { class: 'num', text: formatBytes(f.bytes), attrs: { title: `${f.bytes.toLocaleString()} bytes` } }),
        el('td', { text: FORMAT[f.format] ?? f.format }),
        el('td', { class: 'num', text: f.opset !== undefined ? String(f.opset) : '—' }),
        el('td', { text: f.quantization ? (QUANTIZATION[f.quantization] ?? f.quantization) : '—' }),
      ),
    );
  }
  renderMetadata(inspection.files);
}

function renderMetadata(files: readonly InspectedFile[]): void {
  const body = byId('model-metadata-body', HTMLElement);
  clear(body);
  for (const f of files) {
    const entries = Object.entries(f.metadata);
    if (f.producer) entries.unshift(['producer', f.producer]);
    if (entries.length === 0) continue;
    const list = el('dl', { class: 'metadata-list' });
    for (const [k, v] of entries) list.append(el('div', {}, el('dt', { text: k }), el('dd', {}, el('code', { text: v }))));
    body.append(el('h3', { text: `${f.role}: ${baseName(f.path)}` }), list);
  }
  if (body.childElementCount === 0) body.append(el('p', { class: 'hint', text: 'The model files carry no metadata.' }));
}

// ---- (c) results ----------------------------------------------------------------------------------

const MEASURES: { label: string; cell: (r: ComparisonRow) => string; className?: string }[] = [
  { label: 'File size', cell: (r) => formatBytes(r.fileBytes), className: 'num' },
  { label: 'Load time', cell: (r) => formatMs(r.loadMs), className: 'num' },
  { label: 'Private memory', cell: (r) => (r.privateBytes !== undefined ? formatBytes(r.privateBytes) : 'n/a'), className: 'num' },
  { label: 'Shared memory', cell: (r) => (r.sharedBytes !== undefined ? formatBytes(r.sharedBytes) : 'n/a'), className: 'num' },
  { label: 'Real-time factor', cell: (r) => formatRtf(r.rtf), className: 'num' },
  { label: 'Transcript of the sample clip', cell: (r) => r.transcript || '(nothing recognised)', className: 'transcript' },
];

export function renderResults(state: PanelState): void {
  const exported = state.lastExport;
  const rows = state.comparison;
  show(byId('results-section', HTMLElement), exported !== null || rows !== null || state.busy?.task === 'compare');

  byId('export-summary', HTMLElement).textContent = exported
    ? `Exported the ${FAMILY[exported.family] ?? exported.family} model to ${exported.outputDir} in ${formatMs(exported.elapsedMs)}.`
    : '';
  const files = byId('export-files', HTMLUListElement);
  clear(files);
  for (const f of exported?.files ?? []) {
    files.append(el('li', {}, el('code', { text: f.name }), ` ${f.role}, ${formatBytes(f.bytes)}`));
  }

  const line = rows ? takeaway(rows) : '';
  const takeawayEl = byId('results-takeaway', HTMLElement);
  takeawayEl.replaceChildren(...(line ? [icon('lightbulb'), ` ${line}`] : []));
  show(takeawayEl, line !== '');

  const table = byId('results-table', HTMLTableElement);
  show(table, rows !== null && rows.length > 0);
  const head = byId('results-head', HTMLTableRowElement);
  const body = byId('results-body', HTMLTableSectionElement);
  clear(head);
  clear(body);
  if (rows && rows.length > 0) {
    head.append(el('th', { text: 'Measure', attrs: { scope: 'col' } }));
    for (const r of rows) head.append(el('th', { attrs: { scope: 'col', title: r.path } }, r.label, el('span', { class: 'sub', text: ` ${FORMAT[r.format] ?? r.format}` })));
    for (const m of MEASURES) {
      body.append(el('tr', {}, el('th', { text: m.label, attrs: { scope: 'row' } }), ...rows.map((r) => el('td', { class: m.className ?? '', text: m.cell(r) }))));
    }
  }

  const busy = state.busy !== null;
  byId('use-export', HTMLButtonElement).disabled = exported === null;
  byId('open-card', HTMLButtonElement).disabled = exported === null;
  byId('compare-again', HTMLButtonElement).disabled = exported === null || busy;
}

// ---- (d) the catalog --------------------------------------------------------------------------------

export interface EntryNote {
  kind: 'info' | 'error';
  text: string;
}

export interface CatalogHandlers {
  download(id: string): void;
  cancel(): void;
  use(id: string): void;
}

interface EntryView {
  root: HTMLLIElement;
  download: HTMLButtonElement;
  use: HTMLButtonElement;
  progress: HTMLElement;
  bar: HTMLProgressElement;
  percent: HTMLElement;
  message: HTMLElement;
  installed: HTMLElement;
  inUse: HTMLElement;
  status: HTMLElement;
  error: HTMLElement;
}

export class CatalogView {
  private readonly views = new Map<string, EntryView>();

  constructor(
    private readonly list: HTMLUListElement,
    private readonly handlers: CatalogHandlers,
  ) {}

  private create(e: CatalogEntry): EntryView {
    const id = e.id;
    const tid = (name: string) => ({ id: `${name}-${id}`, 'data-testid': `${name}-${id}` });
    const bar = el('progress', { attrs: { max: '1', 'aria-label': `Download progress of ${e.title}`, ...tid('download-progress-bar') } });
    const percent = el('span', { class: 'progress-percent', attrs: { 'aria-hidden': 'true' } });
    const message = el('span', { class: 'progress-message', attrs: { role: 'status' } });
    const cancel = button('Cancel', { id: `download-cancel-${id}`, icon: 'close', onClick: () => this.handlers.cancel() });
    const progress = el('div', { class: 'progress', attrs: tid('download-progress') }, bar, percent, message, cancel);
    const download = button('Download', { id: `download-${id}`, icon: 'cloud-download', kind: 'primary', onClick: () => this.handlers.download(id) });
    download.setAttribute('aria-label', `Download ${e.title}`);
    const use = button('Use This Model', { id: `use-download-${id}`, icon: 'check', onClick: () => this.handlers.use(id) });
    use.setAttribute('aria-label', `Use ${e.title}`);
    const installed = el('p', { class: 'installed', attrs: tid('download-installed') });
    const status = el('p', { class: 'message info', attrs: { role: 'status', ...tid('download-status') } });
    const error = el('p', { class: 'message error', attrs: { role: 'alert', ...tid('download-error') } });
    const inUse = el('span', { class: 'badge', text: 'In use', attrs: tid('catalog-in-use') });
    const titleId = `catalog-title-${id}`;
    const languages = describeLanguages(e.languages);
    const root = el(
      'li',
      { class: 'catalog-item', attrs: { 'aria-labelledby': titleId, ...tid('catalog-item') } },
      el('div', { class: 'catalog-head' }, el('h3', { text: e.title, attrs: { id: titleId } }), inUse, el('span', { class: 'meta', text: `${FAMILY[e.family] ?? e.family} · ${formatBytes(e.bytes)} · ${e.license || 'licence not stated'}` })),
      el('p', { class: 'description', text: e.description }),
      el('p', { class: 'languages', text: `Languages: ${languages.text}`, attrs: { title: languages.title, ...tid('catalog-languages') } }),
      el('p', { class: 'release-page' }, 'Release page: ', el('code', { class: 'selectable', text: e.page })),
      el('div', { class: 'row' }, download, use),
      progress,
      installed,
      status,
      error,
    );
    return { root, download, use, progress, bar, percent, message, installed, inUse, status, error };
  }

  update(state: PanelState, progress: ReadonlyMap<string, DownloadProgress>, notes: ReadonlyMap<string, EntryNote>): void {
    const ids = new Set(state.catalog.map((e) => e.id));
    for (const [id, v] of this.views) {
      if (!ids.has(id)) {
        v.root.remove();
        this.views.delete(id);
      }
    }
    state.catalog.forEach((entry, index) => {
      let v = this.views.get(entry.id);
      if (!v) {
        v = this.create(entry);
        this.views.set(entry.id, v);
      }
      if (this.list.children[index] !== v.root) this.list.insertBefore(v.root, this.list.children[index] ?? null);
      const downloading = state.busy?.task === 'download' && state.busy.id === entry.id;
      // The folder in use is this entry's (embedded or downloaded models are kept under their catalog id).
      const inUseDir = state.inUse?.location.encoder === undefined ? state.inUse?.location.dir : undefined;
      const inUse = inUseDir !== undefined && baseName(inUseDir) === entry.id;
      show(v.inUse, inUse);
      // Downloading the model already in use gains nothing (unless its copy is damaged): not the call to action.
      v.download.className = inUse ? 'secondary' : 'primary';
      const done = state.downloads.find((d) => d.id === entry.id);
      v.download.disabled = state.busy !== null;
      const label = done ? 'Download Again' : 'Download';
      if (v.download.dataset.label !== label) {
        v.download.dataset.label = label;
        v.download.replaceChildren(icon('cloud-download'), ` ${label}`);
      }
      show(v.use, done !== undefined);
      show(v.progress, downloading);
      if (downloading) {
        const p = progress.get(entry.id);
        if (p) {
          v.bar.value = downloadFraction(p);
          v.percent.textContent = formatPercent(downloadFraction(p));
          v.message.textContent = describeDownload(p);
        } else {
          v.bar.removeAttribute('value');
          v.percent.textContent = '';
          v.message.textContent = 'Starting...';
        }
      }
      v.installed.replaceChildren(...(done ? [icon('pass'), ' Installed in ', el('code', { class: 'selectable', text: done.dir })] : []));
      show(v.installed, done !== undefined);
      const note = notes.get(entry.id);
      setMessage(v.status, note?.kind === 'info' ? note.text : undefined);
      setMessage(v.error, note?.kind === 'error' ? note.text : undefined);
    });
  }
}
