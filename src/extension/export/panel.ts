/**
 * "Murmur: Manage Speech Models": a singleton webview panel that shows the model Murmur runs now
 * (and that it is already memory-mapped from the ORT cache), downloads models from the catalog,
 * and exports a model the user trained (ORT flatbuffer or optimised ONNX, with a model card),
 * measures the export against the source side by side, and puts a model in use.
 *
 * The panel does no work itself: everything goes through the ExportBackend (the sidecar). Every
 * message from the webview is validated (protocol/webview.ts) before anything is done with it; a
 * refused one is logged and answered with an error, never acted on. Long work (export, compare,
 * download) runs one at a time under a cancellable progress notification, mirrored in the panel,
 * whose Cancel button cancels the same CancellationTokenSource. Closing the panel cancels it too
 * (downloads resume where they stopped).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CatalogEntry, DownloadProgress } from '../../engine/download/types';
import type { ExportOptions, ExportResult, ModelInspection } from '../../engine/export/types';
import type { ModelLocation } from '../../engine/models/spec';
import {
  MAX_ERROR_MESSAGE,
  MAX_FIELD,
  validateFromWebview,
  validateToWebview,
  type Busy,
  type ExportRequest,
  type ExportSettings,
  type FromWebview,
  type InUseModel,
  type PanelState,
  type PanelTask,
  type SettingsTarget,
  type ToWebview,
} from '../../protocol/webview';
import { describeDownload, downloadFraction, formatBytes } from '../../webview/format';
import type { ExportBackend } from './backend';
import { exportPanelWebviewOptions, renderExportPanel } from './html';
import { configurationTarget, currentSettingsTarget, EXPORT_SECTION, hasWorkspace, readExportSettings, writeExportSettings } from './settings';

export const EXPORT_VIEW_TYPE = 'murmur.exportSettings';
export const OPEN_EXPORT_SETTINGS_COMMAND = 'murmur.openExportSettings';
const TITLE = 'Murmur: Speech Models';
/** Panel progress updates at most this often (the notification too); the last one always goes. */
const PROGRESS_INTERVAL_MS = 100;

const TARGET_LABEL: Record<SettingsTarget, string> = { workspace: 'Workspace', user: 'User' };
const CANCELLED: Record<Busy['task'], string> = { export: 'Export cancelled.', compare: 'Measuring cancelled.', download: 'Download cancelled; starting it again resumes where it stopped.' };

/** Refused before the backend was asked (bad input, nothing to act on). */
class PanelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The user declined to overwrite an existing export. */
class Declined extends Error {}

function codeOf(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'INTERNAL';
}

function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > MAX_ERROR_MESSAGE ? `${m.slice(0, MAX_ERROR_MESSAGE - 1)}…` : m;
}

/**
 * Model files chosen one by one, mapped to roles by name (encoder/decoder/joiner .onnx or .ort,
 * tokens .txt). Returns the reason when the choice cannot be read as a model.
 */
export function locationFromFiles(files: readonly string[]): ModelLocation | string {
  const out: ModelLocation = { family: 'auto' };
  for (const file of files) {
    const base = path.basename(file).toLowerCase();
    let role: 'encoder' | 'decoder' | 'joiner' | 'tokens' | undefined;
    if (/\.txt$/.test(base) && base.includes('tokens')) role = 'tokens';
    else if (/\.(onnx|ort)$/.test(base)) role = (['encoder', 'decoder', 'joiner'] as const).find((r) => base.includes(r));
    if (role === undefined) return `Could not tell what ${path.basename(file)} is: name the files encoder/decoder/joiner (.onnx or .ort) and tokens.txt, or choose the model's folder instead.`;
    const already = out[role];
    if (already !== undefined) return `Two ${role} files were chosen (${path.basename(already)} and ${path.basename(file)}): choose one of each.`;
    out[role] = file;
  }
  if (out.encoder === undefined || out.decoder === undefined) return 'Choose at least the encoder and decoder files (a transducer also needs its joiner and tokens.txt), or the model folder.';
  return out;
}

interface PanelHost {
  context: vscode.ExtensionContext;
  backend: ExportBackend;
  log: vscode.LogOutputChannel;
}

class ExportPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private source: ModelLocation | null = null;
  /** True once the user chose a model in the panel (settings changes then no longer replace it). */
  private sourceChosen = false;
  private inspecting = false;
  private inspection: ModelInspection | null = null;
  private inspectSeq = 0;
  private catalog: CatalogEntry[] = [];
  private busy: Busy | null = null;
  private cts: vscode.CancellationTokenSource | undefined;
  private lastExport: ExportResult | null = null;
  /** The source the last export was made from (compare measures it against the export). */
  private lastExportSource: ModelLocation | null = null;
  private comparison: PanelState['comparison'] = null;
  private downloads: PanelState['downloads'] = [];
  /** Paths the panel produced (export files, card, manifest, downloaded models): the only ones openFile opens. */
  private readonly produced = new Map<string, 'file' | 'dir'>();
  private stateTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
    private readonly onDispose: () => void,
  ) {
    const { context } = host;
    panel.title = TITLE;
    panel.iconPath = new vscode.ThemeIcon('package');
    // Set again here for a panel VS Code restored (its options come from the previous session).
    panel.webview.options = webviewOptions(context);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.received(raw)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(EXPORT_SECTION)) this.postStateSoon();
        if (e.affectsConfiguration('murmur.model')) {
          // The model in use is drawn from the state; the export source follows it until the user picks one.
          this.postStateSoon();
          if (!this.sourceChosen) void this.inspect(this.configuredModel());
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.postStateSoon()),
    );
    this.render();
    this.source = this.configuredModel();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** A fresh nonce and the whole page; the webview restores its own state (vscode.setState) on reload. */
  private render(): void {
    const webview = this.panel.webview;
    const extension = this.host.context.extensionUri;
    webview.html = renderExportPanel({ cspSource: webview.cspSource, asWebviewUri: (parts) => webview.asWebviewUri(vscode.Uri.joinPath(extension, ...parts)).toString() });
  }

  private configuredModel(): ModelLocation | null {
    try {
      const loc = this.host.backend.configuredModel();
      return loc.dir !== undefined || loc.encoder !== undefined ? loc : null;
    } catch (e) {
      this.host.log.warn(`Export panel: no configured model: ${messageOf(e)}`);
      return null;
    }
  }

  // ---- messages -------------------------------------------------------------------------------

  private received(raw: unknown): void {
    const v = validateFromWebview(raw);
    if (!v.ok) {
      this.host.log.warn(`Export panel: refused a message from the webview: ${v.reason}`);
      this.post({ type: 'error', task: 'protocol', code: 'PROTOCOL_INVALID', message: `The panel sent a request Murmur could not accept: ${v.reason}` });
      return;
    }
    this.handle(v.message).catch((e: unknown) => this.fail('protocol', e));
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.postState();
        if (this.catalog.length === 0) void this.loadCatalog();
        if (this.source && !this.inspection && !this.inspecting) void this.inspect(this.source);
        return;
      case 'inspect':
        this.sourceChosen = true;
        return this.inspect(m.location);
      case 'pickSource':
        return this.pickSource(m.kind);
      case 'pickOutputDir':
        return this.pickOutputDir();
      case 'export':
        return this.export(m.options);
      case 'cancel':
        if (this.busy?.task === m.task) this.cts?.cancel();
        else this.host.log.debug(`Export panel: nothing to cancel for ${m.task}`);
        return;
      case 'compare':
        return this.compare();
      case 'useExported':
        return this.useExported(m.target);
      case 'download':
        return this.download(m.id);
      case 'useDownloaded':
        return this.useDownloaded(m.id, m.target);
      case 'saveSettings':
        return this.saveSettings(m.settings, m.target);
      case 'openFile':
        return this.openFile(m.path);
    }
  }

  /** Sends a message, after checking it as the webview will (a message it would drop is a bug here: log it). */
  private post(message: ToWebview): void {
    if (this.disposed) return;
    const v = validateToWebview(message);
    if (!v.ok) {
      this.host.log.error(`Export panel: not sending an invalid ${message.type} message: ${v.reason}`);
      if (message.type !== 'error') this.post({ type: 'error', task: 'protocol', code: 'INTERNAL', message: `Murmur could not show this (${v.reason}). See the Murmur log.` });
      return;
    }
    this.panel.webview.postMessage(message).then(undefined, (e: unknown) => this.host.log.debug(`Export panel: postMessage failed: ${messageOf(e)}`));
  }

  /** Inside the extension's own folder: the embedded model (the only model it ships). */
  private isEmbedded(location: ModelLocation): boolean {
    const from = location.dir ?? (location.encoder ? path.dirname(location.encoder) : undefined);
    if (!from) return false;
    const extension = path.resolve(this.host.context.extensionUri.fsPath);
    const base = path.resolve(from);
    return base === extension || base.startsWith(extension + path.sep);
  }

  private inUse(): InUseModel | undefined {
    const location = this.configuredModel();
    if (!location) return undefined;
    return {
      location,
      embedded: this.isEmbedded(location),
      mapped: isOrtModel(location) ? 'direct' : 'cache',
      // Where Murmur's sidecar keeps converted models: the same folder Murmur.ensureSidecar gives it.
      cacheDir: path.resolve(process.env.MURMUR_CACHE_DIR ?? path.join(this.host.context.globalStorageUri.fsPath, 'ort-cache')),
    };
  }

  private state(): PanelState {
    const inUse = this.inUse();
    return {
      settings: readExportSettings(this.host.log),
      settingsTarget: currentSettingsTarget(),
      hasWorkspace: hasWorkspace(),
      source: this.source,
      defaultOutputDirs: this.source ? this.defaultOutputDirs(this.source) : null,
      inspecting: this.inspecting,
      inspection: this.inspection,
      catalog: this.catalog,
      busy: this.busy,
      lastExport: this.lastExport,
      comparison: this.comparison,
      downloads: this.downloads,
      ...(inUse ? { inUse } : {}),
    };
  }

  private postState(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
    this.post({ type: 'state', state: this.state() });
  }

  /** For bursts (saving writes up to ten settings, each a change event). */
  private postStateSoon(): void {
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(() => this.postState(), 50);
  }

  /** Shown next to the action in the panel and as a notification; logged. */
  private fail(task: PanelTask, e: unknown, id?: string): void {
    const code = codeOf(e);
    const message = messageOf(e);
    this.host.log.error(`Export panel: ${task}${id ? ` ${id}` : ''} failed (${code}): ${message}`);
    this.post({ type: 'error', task, code, message, ...(id ? { id } : {}) });
    void vscode.window.showErrorMessage(message);
  }

  private info(task: PanelTask, message: string, id?: string): void {
    this.host.log.info(`Export panel: ${message}`);
    this.post({ type: 'info', task, message, ...(id ? { id } : {}) });
  }

  // ---- the model --------------------------------------------------------------------------------

  private async inspect(location: ModelLocation | null): Promise<void> {
    const seq = ++this.inspectSeq;
    this.source = location;
    this.inspection = null;
    this.inspecting = location !== null;
    this.postState();
    if (!location) return;
    try {
      const inspection = await this.host.backend.inspect(location);
      if (seq === this.inspectSeq) this.inspection = inspection;
    } catch (e) {
      if (seq === this.inspectSeq) this.fail('inspect', e);
    } finally {
      if (seq === this.inspectSeq) {
        this.inspecting = false;
        this.postState();
      }
    }
  }

  private async pickSource(kind: 'directory' | 'files'): Promise<void> {
    const base = this.source?.dir ?? (this.source?.encoder ? path.dirname(this.source.encoder) : undefined);
    const picked = await vscode.window.showOpenDialog({
      title: kind === 'directory' ? 'Choose the model folder to export' : 'Choose the model files (encoder, decoder, joiner, tokens.txt)',
      openLabel: 'Choose Model',
      canSelectFolders: kind === 'directory',
      canSelectFiles: kind === 'files',
      canSelectMany: kind === 'files',
      ...(base ? { defaultUri: vscode.Uri.file(path.dirname(base)) } : {}),
      ...(kind === 'files' ? { filters: { 'Model files': ['onnx', 'ort', 'txt'] } } : {}),
    });
    if (!picked || picked.length === 0) return;
    let location: ModelLocation;
    if (kind === 'directory') location = { family: 'auto', dir: picked[0].fsPath };
    else {
      const mapped = locationFromFiles(picked.map((u) => u.fsPath));
      if (typeof mapped === 'string') return this.fail('pickSource', new PanelError('MODEL_FILE_MISSING', mapped));
      location = mapped;
    }
    this.sourceChosen = true;
    await this.inspect(location);
  }

  /** Next to the source (`<source>-ort`), or in Murmur's storage when the source ships inside the extension. */
  private defaultOutputDirs(source: ModelLocation): PanelState['defaultOutputDirs'] {
    const from = source.dir ?? (source.encoder ? path.dirname(source.encoder) : undefined);
    if (!from) return null;
    let base = path.resolve(from);
    if (this.isEmbedded(source)) base = path.join(this.host.context.globalStorageUri.fsPath, 'exports', path.basename(base));
    return { ort: `${base}-ort`, onnx: `${base}-onnx` };
  }

  private async pickOutputDir(): Promise<void> {
    const current = this.source ? this.defaultOutputDirs(this.source)?.ort : undefined;
    const picked = await vscode.window.showOpenDialog({
      title: 'Choose where to put the exported model',
      openLabel: 'Export Here',
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      ...(current ? { defaultUri: vscode.Uri.file(path.dirname(current)) } : {}),
    });
    if (picked && picked.length > 0) this.post({ type: 'outputDirPicked', path: picked[0].fsPath });
  }

  private async loadCatalog(): Promise<void> {
    try {
      this.catalog = [...(await this.host.backend.catalog())];
      this.postState();
    } catch (e) {
      this.fail('catalog', e);
    }
  }

  // ---- long work ------------------------------------------------------------------------------------

  /**
   * Runs `work` as the one long task: a cancellable notification, `busy` in the panel, and one
   * CancellationTokenSource that both Cancel buttons cancel. Failures are reported here (a
   * cancellation as a notice in the panel, not an error); resolves with undefined then.
   */
  private async runLong<T>(
    busy: Busy,
    title: string,
    work: (token: vscode.CancellationToken, report: (fraction: number, message: string, panel: ToWebview) => void) => Promise<T>,
  ): Promise<T | undefined> {
    if (this.busy) {
      this.post({ type: 'error', task: busy.task, code: 'BUSY', message: `Wait for the running ${this.busy.task} to finish, or cancel it.`, ...(busy.id ? { id: busy.id } : {}) });
      return undefined;
    }
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    this.busy = busy;
    this.postState();
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, notificationToken) => {
        const relay = notificationToken.onCancellationRequested(() => cts.cancel());
        let reported = 0;
        let lastPost = 0;
        const report = (fraction: number, message: string, panel: ToWebview) => {
          const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
          const now = Date.now();
          if (now - lastPost < PROGRESS_INTERVAL_MS && f < 1) return;
          lastPost = now;
          progress.report({ message, increment: Math.max(0, f - reported) * 100 });
          reported = Math.max(reported, f);
          this.post(panel);
        };
        try {
          return await work(cts.token, report);
        } finally {
          relay.dispose();
        }
      });
    } catch (e) {
      if (e instanceof Declined) this.info(busy.task, e.message, busy.id);
      else if (cts.token.isCancellationRequested || codeOf(e) === 'CANCELLED') this.info(busy.task, CANCELLED[busy.task], busy.id);
      else this.fail(busy.task, e, busy.id);
      return undefined;
    } finally {
      cts.dispose();
      if (this.cts === cts) this.cts = undefined;
      this.busy = null;
      this.postState();
    }
  }

  private async export(request: ExportRequest): Promise<void> {
    const source = request.source;
    const outputDir = request.outputDir || this.defaultOutputDirs(source)?.[request.format];
    if (!outputDir || !path.isAbsolute(outputDir)) {
      return this.fail('export', new PanelError('EXPORT_UNWRITABLE', 'Choose an output directory (an absolute path), or leave it empty to export next to the source model.'));
    }
    let options: ExportOptions = { ...request, outputDir: path.resolve(outputDir), overwrite: false };
    const result = await this.runLong({ task: 'export' }, 'Murmur: Exporting the model', async (token, report) => {
      for (;;) {
        try {
          return await this.host.backend.exportModel(options, (p) => report(p.fraction, p.message, { type: 'progress', task: 'export', fraction: clamp01(p.fraction), message: p.message.slice(0, MAX_FIELD) }), token);
        } catch (e) {
          if (codeOf(e) !== 'EXPORT_EXISTS' || options.overwrite || token.isCancellationRequested) throw e;
          const choice = await vscode.window.showWarningMessage(
            `${options.outputDir} already holds a model export. Overwrite it?`,
            { modal: true, detail: 'The previous export in this folder is replaced by the new one.' },
            'Overwrite',
          );
          if (choice !== 'Overwrite') throw new Declined(`Kept the existing export in ${options.outputDir}. Choose another output directory to export again.`);
          options = { ...options, overwrite: true };
        }
      }
    });
    if (!result) return;
    this.lastExport = result;
    this.lastExportSource = source;
    this.comparison = null;
    this.produced.set(path.resolve(result.outputDir), 'dir');
    this.produced.set(path.resolve(result.cardPath), 'file');
    this.produced.set(path.resolve(result.manifestPath), 'file');
    for (const f of result.files) this.produced.set(path.resolve(result.outputDir, f.name), 'file');
    this.host.log.info(`Export panel: exported to ${result.outputDir} in ${Math.round(result.elapsedMs)} ms (${result.files.length} files)`);
    this.post({ type: 'exportDone', result });
    this.postState();
    await this.compare();
  }

  private async compare(): Promise<void> {
    const exported = this.lastExport;
    const source = this.lastExportSource;
    if (!exported || !source) return this.fail('compare', new PanelError('NO_MODEL', 'Export a model first: the comparison measures the source against its export.'));
    const models = [
      { label: 'Source', location: source },
      { label: 'Export', location: exported.location },
    ];
    const rows = await this.runLong({ task: 'compare' }, 'Murmur: Measuring the source and the export', (token, report) =>
      this.host.backend.compare(models, (p) => report(p.fraction, p.message, { type: 'progress', task: 'compare', fraction: clamp01(p.fraction), message: p.message.slice(0, MAX_FIELD) }), token),
    );
    if (!rows || this.lastExport !== exported) return;
    this.comparison = rows;
    this.post({ type: 'comparison', rows });
    this.postState();
  }

  private async download(id: string): Promise<void> {
    const entry = this.catalog.find((e) => e.id === id);
    if (!entry) return this.fail('download', new PanelError('DOWNLOAD_FAILED', `There is no model "${id}" in the catalog.`), id);
    const result = await this.runLong({ task: 'download', id }, `Murmur: Downloading ${entry.title}`, (token, report) =>
      this.host.backend.download(id, (p) => report(downloadFraction(p), describeDownload(p), { type: 'downloadProgress', id, progress: sanitizeDownloadProgress(p) }), token),
    );
    if (!result) return;
    this.downloads = [...this.downloads.filter((d) => d.id !== result.id), result];
    this.produced.set(path.resolve(result.dir), 'dir');
    this.post({ type: 'downloadDone', result });
    this.info('download', `Downloaded ${entry.title} (${formatBytes(result.bytes)}) to ${result.dir}.`, id);
    this.postState();
  }

  // ---- settings and use -------------------------------------------------------------------------

  private requireTarget(task: PanelTask, target: SettingsTarget, id?: string): vscode.ConfigurationTarget | undefined {
    if (target === 'workspace' && !hasWorkspace()) {
      this.fail(task, new PanelError('NO_WORKSPACE', 'Open a folder or workspace to use Workspace settings, or choose User.'), id);
      return undefined;
    }
    return configurationTarget(target);
  }

  /**
   * The model settings have scope machine (a repository must not choose the model Murmur runs), so
   * VS Code refuses them in Workspace settings: a model is always put in use in User settings (in a
   * remote window, that machine's), whatever an older page asks for.
   */
  private async use(location: ModelLocation, _target: SettingsTarget, what: string, id?: string): Promise<void> {
    try {
      await this.host.backend.useModel(location, configurationTarget('user'));
      const message = `Murmur now uses ${what} (${TARGET_LABEL.user} settings).`;
      this.info('useModel', message, id);
      void vscode.window.showInformationMessage(message);
    } catch (e) {
      this.fail('useModel', e, id);
    }
  }

  private async useExported(target: SettingsTarget): Promise<void> {
    if (!this.lastExport) return this.fail('useModel', new PanelError('NO_MODEL', 'Export a model first.'));
    await this.use(this.lastExport.location, target, `the exported model in ${this.lastExport.outputDir}`);
  }

  private async useDownloaded(id: string, target: SettingsTarget): Promise<void> {
    const done = this.downloads.find((d) => d.id === id);
    if (!done) return this.fail('useModel', new PanelError('NO_MODEL', 'Download the model first.'), id);
    const entry = this.catalog.find((e) => e.id === id);
    await this.use({ family: entry?.family ?? 'auto', dir: done.dir }, target, entry?.title ?? id, id);
  }

  private async saveSettings(settings: ExportSettings, target: SettingsTarget): Promise<void> {
    if (settings.outputDirectory && !path.isAbsolute(settings.outputDirectory)) {
      return this.fail('saveSettings', new PanelError('PROTOCOL_INVALID', 'The output directory must be an absolute path (or empty).'));
    }
    if (this.requireTarget('saveSettings', target) === undefined) return;
    try {
      const written = await writeExportSettings(settings, target);
      this.info('saveSettings', written === 0 ? `${TARGET_LABEL[target]} settings already had these values.` : `Saved to ${TARGET_LABEL[target]} settings.`);
    } catch (e) {
      this.fail('saveSettings', e);
    }
    this.postState();
  }

  private async openFile(file: string): Promise<void> {
    const kind = this.produced.get(path.resolve(file));
    if (!kind) {
      this.host.log.warn(`Export panel: refused to open ${file}: the panel did not produce it`);
      return this.fail('openFile', new PanelError('PROTOCOL_INVALID', 'Only files this panel produced can be opened from it.'));
    }
    const uri = vscode.Uri.file(file);
    try {
      if (kind === 'dir') await vscode.commands.executeCommand('revealFileInOS', uri);
      else if (/\.md$/i.test(file)) {
        // The rendered card; the plain file when the built-in Markdown extension is disabled.
        await Promise.resolve(vscode.commands.executeCommand('markdown.showPreview', uri)).catch(() => vscode.commands.executeCommand('vscode.open', uri));
      } else await vscode.commands.executeCommand('vscode.open', uri);
    } catch (e) {
      this.fail('openFile', e);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cts?.cancel();
    if (this.stateTimer) clearTimeout(this.stateTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDispose();
  }
}

/** Scripts on, command URIs off, resources only from the extension's dist, media/webview and codicon folders (html.ts). */
function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return exportPanelWebviewOptions((parts) => vscode.Uri.joinPath(context.extensionUri, ...parts));
}

/**
 * True when the model's files are ORT-format (a Murmur export): the session maps them as they are,
 * with no conversion into the cache. An unreadable folder counts as ONNX (the load will say why).
 */
function isOrtModel(location: ModelLocation): boolean {
  if (location.encoder !== undefined) return /\.ort$/i.test(location.encoder);
  if (location.dir === undefined) return false;
  try {
    return fs.readdirSync(location.dir).some((f) => /\.ort$/i.test(f));
  } catch {
    return false;
  }
}

const byteCount = (n: number): number => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);

function sanitizeDownloadProgress(p: DownloadProgress): DownloadProgress {
  return { phase: p.phase, receivedBytes: byteCount(p.receivedBytes), totalBytes: byteCount(p.totalBytes), resumed: p.resumed === true };
}

function clamp01(f: number): number {
  return Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0;
}

/**
 * Registers "Murmur: Manage Speech Models" and the panel's serializer (a panel open when VS
 * Code closed comes back). One panel at a time: the command reveals it when it exists.
 */
export function registerExportPanel(context: vscode.ExtensionContext, backend: ExportBackend, log: vscode.LogOutputChannel): vscode.Disposable {
  const host: PanelHost = { context, backend, log };
  let current: ExportPanel | undefined;
  const adopt = (panel: vscode.WebviewPanel): ExportPanel => {
    const p: ExportPanel = new ExportPanel(panel, host, () => {
      if (current === p) current = undefined;
    });
    current = p;
    return p;
  };
  const command = vscode.commands.registerCommand(OPEN_EXPORT_SETTINGS_COMMAND, () => {
    if (current) return current.reveal();
    adopt(vscode.window.createWebviewPanel(EXPORT_VIEW_TYPE, TITLE, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { ...webviewOptions(context), enableFindWidget: true }));
  });
  const serializer = vscode.window.registerWebviewPanelSerializer(EXPORT_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => {
      if (current) panel.dispose();
      else adopt(panel);
    },
  });
  return new vscode.Disposable(() => {
    command.dispose();
    serializer.dispose();
    current?.dispose();
  });
}
