/**
 * The Speech Models panel's script (runs in the webview's browser context, bundled by esbuild as an
 * iife into dist/webview.js). It draws the state the extension sends, keeps the user's unsaved form
 * edits (and the last state) in vscode.setState so nothing is lost when the panel is hidden, and
 * sends requests. Every incoming message is checked with validateToWebview (an invalid one is
 * ignored with a console warning); every outgoing one with validateFromWebview before it is sent.
 */
import type { DownloadProgress } from '../engine/download/types';
import {
  validateFromWebview,
  validateToWebview,
  type ExportSettings,
  type FromWebview,
  type PanelState,
  type PanelTask,
  type SettingsTarget,
  type ToWebview,
} from '../protocol/webview';
import { byId, setMessage, show } from './dom';
import { checkDraft, explain, readForm, sameSettings, setOutputDir, setOutputPlaceholder, writeForm } from './form';
import { formatPercent, takeaway } from './format';
import { CatalogView, renderInUse, renderModel, renderResults, renderSettingsTarget, type EntryNote } from './render';
import { vscodeApi, type Persisted } from './vscode-api';

const api = vscodeApi();

// ---- state ------------------------------------------------------------------------------------------

let state: PanelState | undefined;
let draft: ExportSettings | undefined;
let metadataOpen = false;
/** The running export/compare's last progress (cleared when the task changes). */
let taskProgress: Extract<ToWebview, { type: 'progress' }> | undefined;
const downloadProgress = new Map<string, DownloadProgress>();
const entryNotes = new Map<string, EntryNote>();
/** Shown in the settings status until the form changes again. */
let settingsNote: string | undefined;

/** What setState kept, each part checked (it may come from an older version of this script). */
function restore(saved: Persisted | undefined): void {
  if (!saved || typeof saved !== 'object' || saved.version !== 1) return;
  if (saved.panel) {
    const v = validateToWebview({ type: 'state', state: saved.panel });
    if (v.ok && v.message.type === 'state') state = v.message.state;
  }
  if (saved.draft) {
    // A draft may hold a half-typed (relative) output directory: check the rest with it blanked.
    const v = validateFromWebview({ type: 'saveSettings', settings: { ...saved.draft, outputDirectory: '' }, target: 'user' });
    if (v.ok && v.message.type === 'saveSettings' && typeof saved.draft.outputDirectory === 'string') draft = { ...v.message.settings, outputDirectory: saved.draft.outputDirectory };
  }
  metadataOpen = saved.metadataOpen === true;
}

function persist(): void {
  api.setState({ version: 1, panel: state, draft, metadataOpen });
}

function send(message: FromWebview): boolean {
  const v = validateFromWebview(message);
  if (!v.ok) {
    console.warn(`Murmur export panel: not sending ${message.type}: ${v.reason}`);
    setMessage(byId('panel-error', HTMLElement), v.reason);
    return false;
  }
  api.postMessage(v.message);
  return true;
}

/** Read out by screen readers (the visible messages carry the same text). */
function announce(text: string): void {
  const live = byId('live', HTMLElement);
  live.textContent = '';
  // A fresh text node after a tick, so the same text twice is announced twice.
  setTimeout(() => (live.textContent = text), 50);
}

// ---- where messages go --------------------------------------------------------------------------

/** The error and notice elements next to each action. */
function slot(task: PanelTask, kind: 'error' | 'info'): HTMLElement | undefined {
  const ids: Record<PanelTask, { error: string; info?: string }> = {
    protocol: { error: 'panel-error' },
    inspect: { error: 'model-error' },
    pickSource: { error: 'model-error' },
    catalog: { error: 'catalog-error' },
    pickOutputDir: { error: 'export-error', info: 'export-info' },
    export: { error: 'export-error', info: 'export-info' },
    saveSettings: { error: 'settings-error', info: 'settings-status' },
    compare: { error: 'results-error', info: 'results-info' },
    useModel: { error: 'results-error', info: 'results-info' },
    openFile: { error: 'results-error', info: 'results-info' },
    download: { error: 'catalog-error' },
  };
  const id = kind === 'error' ? ids[task].error : ids[task].info;
  return id ? byId(id, HTMLElement) : undefined;
}

function note(task: PanelTask, kind: 'error' | 'info', text: string, id?: string): void {
  if (id !== undefined && (task === 'download' || task === 'useModel')) {
    entryNotes.set(id, { kind, text });
    render();
  } else if (task === 'saveSettings' && kind === 'info') {
    settingsNote = text;
    renderSettingsStatus();
  } else {
    const e = slot(task, kind);
    if (e) setMessage(e, text);
  }
  if (kind === 'info') announce(text);
}

function clearNotes(...tasks: PanelTask[]): void {
  for (const t of tasks) {
    for (const kind of ['error', 'info'] as const) {
      const e = slot(t, kind);
      if (e && e.id !== 'settings-status') setMessage(e, undefined);
    }
  }
}

// ---- drawing --------------------------------------------------------------------------------------

function renderSettingsStatus(): void {
  const dirty = state !== undefined && draft !== undefined && !sameSettings(draft, state.settings);
  byId('settings-status', HTMLElement).textContent = dirty ? 'Unsaved changes' : (settingsNote ?? '');
  byId('revert-settings', HTMLButtonElement).disabled = !dirty;
}

function renderProgress(task: 'export' | 'compare', active: boolean): void {
  show(byId(`${task}-progress`, HTMLElement), active);
  if (!active) return;
  const bar = byId(`${task}-progress-bar`, HTMLProgressElement);
  const percent = byId(`${task}-progress-percent`, HTMLElement);
  const message = byId(`${task}-progress-message`, HTMLElement);
  const p = taskProgress?.task === task ? taskProgress : undefined;
  if (p) {
    bar.value = p.fraction;
    percent.textContent = formatPercent(p.fraction);
    if (message.textContent !== p.message) message.textContent = p.message;
  } else {
    bar.removeAttribute('value');
    percent.textContent = '';
    message.textContent = task === 'export' ? 'Starting the export...' : 'Measuring the source and the export...';
  }
}

function render(): void {
  const s = state;
  const exportButton = byId('export-button', HTMLButtonElement);
  if (!s) {
    exportButton.disabled = true;
    return;
  }
  renderInUse(s);
  renderModel(s);
  byId('model-metadata', HTMLDetailsElement).open = metadataOpen;
  const busy = s.busy !== null;
  exportButton.disabled = busy || s.source === null;
  exportButton.title = s.source === null ? 'Choose a model to export first' : busy ? `Wait for the running ${s.busy?.task} to finish` : '';
  byId('choose-model', HTMLButtonElement).disabled = busy;
  byId('choose-files', HTMLButtonElement).disabled = busy;
  const format = draft?.format ?? s.settings.format;
  setOutputPlaceholder(s.defaultOutputDirs ? `Default: ${s.defaultOutputDirs[format]}` : 'Next to the source model');
  renderSettingsTarget(s);
  renderSettingsStatus();
  renderProgress('export', s.busy?.task === 'export');
  renderProgress('compare', s.busy?.task === 'compare');
  renderResults(s);
  catalog.update(s, downloadProgress, entryNotes);
}

// ---- incoming -------------------------------------------------------------------------------------

function receive(m: ToWebview): void {
  switch (m.type) {
    case 'state': {
      const before = state?.busy;
      state = m.state;
      if (!draft) {
        draft = m.state.settings;
        writeForm(draft);
      }
      if (before?.task !== m.state.busy?.task || before?.id !== m.state.busy?.id) {
        taskProgress = undefined;
        if (m.state.busy?.task === 'download' && m.state.busy.id) downloadProgress.delete(m.state.busy.id);
      }
      break;
    }
    case 'progress':
      taskProgress = m;
      break;
    case 'exportDone':
      note('export', 'info', `Exported to ${m.result.outputDir}. Measuring it against the source...`);
      if (state) state = { ...state, lastExport: m.result, comparison: null };
      break;
    case 'comparison': {
      if (state) state = { ...state, comparison: m.rows };
      const line = takeaway(m.rows);
      announce(line ? `Comparison ready. ${line}` : 'Comparison ready.');
      setMessage(byId('export-info', HTMLElement), undefined);
      break;
    }
    case 'downloadProgress':
      downloadProgress.set(m.id, m.progress);
      break;
    case 'downloadDone':
      downloadProgress.delete(m.result.id);
      break;
    case 'outputDirPicked':
      setOutputDir(m.path);
      formChanged();
      byId('output-dir', HTMLInputElement).focus();
      break;
    case 'info':
      note(m.task, 'info', m.message, m.id);
      break;
    case 'error':
      note(m.task, 'error', m.message, m.id);
      break;
  }
  render();
  persist();
}

// ---- outgoing -------------------------------------------------------------------------------------

function formChanged(): void {
  draft = readForm();
  settingsNote = undefined;
  checkDraft(draft, currentSaveTarget());
  setMessage(byId('settings-error', HTMLElement), undefined);
  render();
  persist();
}

/** Where Save writes: the host's choice, shown on the page (User unless the workspace already sets murmur.export.*). */
function currentSaveTarget(): SettingsTarget {
  return state?.settingsTarget ?? 'user';
}

function save(): void {
  draft = readForm();
  const target = currentSaveTarget();
  const reason = checkDraft(draft, target);
  if (reason) {
    setMessage(byId('settings-error', HTMLElement), explain(reason));
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    return;
  }
  setMessage(byId('settings-error', HTMLElement), undefined);
  send({ type: 'saveSettings', settings: draft, target });
}

function startExport(): void {
  if (!state?.source || state.busy) return;
  draft = readForm();
  clearNotes('export');
  const options = { source: state.source, format: draft.format, optimization: draft.optimization, outputDir: draft.outputDirectory, card: draft.card };
  const v = validateFromWebview({ type: 'export', options });
  if (!v.ok) {
    checkDraft(draft, currentSaveTarget());
    setMessage(byId('export-error', HTMLElement), explain(v.reason));
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    return;
  }
  send(v.message);
  persist();
}

const catalog = new CatalogView(byId('catalog-list', HTMLUListElement), {
  download: (id) => {
    entryNotes.delete(id);
    setMessage(byId('catalog-error', HTMLElement), undefined);
    send({ type: 'download', id });
    render();
  },
  cancel: () => send({ type: 'cancel', task: 'download' }),
  use: (id) => {
    entryNotes.delete(id);
    // The model settings are the user's own (scope machine): a workspace cannot hold them.
    send({ type: 'useDownloaded', id, target: 'user' });
    render();
  },
});

function wire(): void {
  const click = (id: string, action: () => void) => byId(id, HTMLButtonElement).addEventListener('click', action);
  click('choose-model', () => {
    clearNotes('pickSource');
    send({ type: 'pickSource', kind: 'directory' });
  });
  click('choose-files', () => {
    clearNotes('pickSource');
    send({ type: 'pickSource', kind: 'files' });
  });
  click('browse-output', () => send({ type: 'pickOutputDir' }));
  click('save-settings', save);
  click('revert-settings', () => {
    if (!state) return;
    draft = state.settings;
    writeForm(draft);
    formChanged();
  });
  click('export-cancel', () => send({ type: 'cancel', task: 'export' }));
  click('compare-cancel', () => send({ type: 'cancel', task: 'compare' }));
  click('compare-again', () => {
    clearNotes('compare');
    send({ type: 'compare' });
  });
  click('use-export', () => {
    clearNotes('useModel');
    send({ type: 'useExported', target: 'user' });
  });
  click('open-card', () => {
    if (state?.lastExport) send({ type: 'openFile', path: state.lastExport.cardPath });
  });

  const form = byId('export-form', HTMLFormElement);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    startExport();
  });
  form.addEventListener('input', formChanged);
  form.addEventListener('change', formChanged);

  const details = byId('model-metadata', HTMLDetailsElement);
  details.addEventListener('toggle', () => {
    metadataOpen = details.open;
    persist();
  });

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const v = validateToWebview(event.data);
    if (!v.ok) {
      console.warn(`Murmur export panel: ignored a message: ${v.reason}`);
      return;
    }
    receive(v.message);
  });
}

restore(api.getState());
wire();
if (draft) writeForm(draft);
render();
send({ type: 'ready' });
