/**
 * The Speech Models panel's HTML, in the order a newcomer needs it: the model in use (already
 * memory-mapped, nothing to do), the download catalog, then the export of a model of one's own.
 * A pure function of the webview's CSP source, a per-render nonce and the URIs of the script and
 * style sheets (no `vscode` import, so unit tests call it directly), plus the webview options the
 * panel is created with. panel.ts only adapts the real webview to
 * `PanelWebview`, so what the tests render is what VS Code is given.
 *
 * The page is a static skeleton: every control exists from the start with a stable id and
 * `data-testid` (the same string), and src/webview/main.ts fills in the dynamic parts with DOM
 * calls (textContent, never innerHTML). Nothing inline runs: the only script and style sheets are
 * files under the panel's localResourceRoots, the script carrying the nonce; there are no inline
 * event handlers and no style attributes (the CSP allows neither).
 */
import * as crypto from 'node:crypto';

export interface ExportHtmlResources {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh, crypto-random, per render (base64url). */
  nonce: string;
  /** dist/webview.js */
  scriptUri: string;
  /** media/webview/export.css */
  styleUri: string;
  /** node_modules/@vscode/codicons/dist/codicon.css */
  codiconUri: string;
}

/** The files the page loads, relative to the extension's root. */
export const EXPORT_PANEL_FILES = {
  script: ['dist', 'webview.js'],
  style: ['media', 'webview', 'export.css'],
  codicon: ['node_modules', '@vscode', 'codicons', 'dist', 'codicon.css'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The only directories of the extension the webview may load from (its localResourceRoots): the
 * bundles, the page's own style sheet folder and the codicon font. Not the extension root (models,
 * node_modules), not the workspace (VS Code's default).
 */
export const EXPORT_PANEL_ROOTS: readonly (readonly string[])[] = [['dist'], ['media', 'webview'], ['node_modules', '@vscode', 'codicons', 'dist']];

/** The webview options the panel is created with and keeps; `root` maps an extension-relative path to a vscode.Uri. */
export function exportPanelWebviewOptions<U>(root: (relativePath: readonly string[]) => U): { enableScripts: true; enableCommandUris: false; localResourceRoots: U[] } {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: EXPORT_PANEL_ROOTS.map((r) => root(r)) };
}

/** The webview as the page needs it: its CSP source and its URI for a file of the extension. */
export interface PanelWebview {
  readonly cspSource: string;
  /** `webview.asWebviewUri(Uri.joinPath(extensionUri, ...relativePath)).toString()`. */
  asWebviewUri(relativePath: readonly string[]): string;
}

/** 144 random bits, base64url (a CSP nonce must be unguessable and fresh for every render). */
export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** The whole page for `webview`, with a fresh nonce. */
export function renderExportPanel(webview: PanelWebview): string {
  return exportPanelHtml({
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: webview.asWebviewUri(EXPORT_PANEL_FILES.script),
    styleUri: webview.asWebviewUri(EXPORT_PANEL_FILES.style),
    codiconUri: webview.asWebviewUri(EXPORT_PANEL_FILES.codicon),
  });
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML attribute value or element content. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * The Content-Security-Policy: nothing by default; scripts only with this render's nonce; style
 * sheets and the codicon font only from this webview's own resources (no inline styles, nothing
 * remote); no <base> and no form submission anywhere (the form's submit is handled in script),
 * neither of which default-src covers.
 */
export function exportPanelCsp(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `font-src ${cspSource}`, "base-uri 'none'", "form-action 'none'"].join('; ');
}

const icon = (name: string): string => `<i class="codicon codicon-${name}" aria-hidden="true"></i>`;

/** A control's id, used as its data-testid too (what the UI tests drive). */
const ids = (id: string): string => `id="${id}" data-testid="${id}"`;

function cardField(field: string, label: string, hint: string, type: 'input' | 'textarea' = 'input'): string {
  const control =
    type === 'textarea'
      ? `<textarea ${ids(`card-${field}`)} name="${field}" rows="4" maxlength="4096" aria-describedby="card-${field}-hint"></textarea>`
      : `<input ${ids(`card-${field}`)} name="${field}" type="text" maxlength="4096" autocomplete="off" spellcheck="false" aria-describedby="card-${field}-hint">`;
  return `
        <div class="field${type === 'textarea' ? ' wide' : ''}">
          <label for="card-${field}">${label}</label>
          ${control}
          <span class="hint" id="card-${field}-hint">${hint}</span>
        </div>`;
}

function progressBlock(prefix: string, label: string): string {
  return `
      <div class="progress" ${ids(`${prefix}-progress`)} hidden>
        <progress ${ids(`${prefix}-progress-bar`)} max="1" value="0" aria-label="${label}"></progress>
        <span class="progress-percent" ${ids(`${prefix}-progress-percent`)} aria-hidden="true"></span>
        <span class="progress-message" ${ids(`${prefix}-progress-message`)} role="status"></span>
        <button type="button" class="secondary" ${ids(`${prefix}-cancel`)}>${icon('close')} Cancel</button>
      </div>`;
}

const message = (id: string, kind: 'error' | 'info'): string =>
  kind === 'error'
    ? `<p class="message error" ${ids(id)} role="alert" hidden></p>`
    : `<p class="message info" ${ids(id)} role="status" hidden></p>`;

export function exportPanelHtml(r: ExportHtmlResources): string {
  const nonce = escapeHtml(r.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(exportPanelCsp(r.cspSource, r.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(r.codiconUri)}" id="codicon-css">
  <link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(r.styleUri)}">
  <title>Murmur: Speech Models</title>
</head>
<body>
  <main class="export-page">
    <header class="page-header">
      <h1>${icon('package')} Speech Models</h1>
      <p class="lede">The model Murmur uses to recognise speech, others you can download, and exporting a model you trained.</p>
      ${message('panel-error', 'error')}
    </header>

    <section class="section" ${ids('in-use-section')} aria-labelledby="in-use-heading">
      <h2 id="in-use-heading">${icon('mic')} Model in use</h2>
      <div class="catalog-head">
        <h3 ${ids('in-use-name')}>Reading the settings...</h3>
        <span class="meta" ${ids('in-use-origin')}></span>
      </div>
      <p><code class="path selectable" ${ids('in-use-path')}></code></p>
      <p class="installed" ${ids('in-use-mapped')} hidden></p>
      <span class="hint">To use another model, download one below (or export your own) and click Use This Model. Murmur puts it in your <strong>User</strong> settings (<code>murmur.model.path</code>): a workspace cannot choose the model.</span>
    </section>

    <section class="section" ${ids('download-section')} aria-labelledby="download-heading">
      <h2 id="download-heading">${icon('cloud-download')} Download a model</h2>
      <span class="hint">Nothing is fetched until you click Download. Each archive is checked against its published size and SHA-256 before anything is installed.</span>
      ${message('catalog-error', 'error')}
      <ul class="catalog" ${ids('catalog-list')}></ul>
    </section>

    <section class="section" ${ids('export-section')} aria-labelledby="export-heading">
      <h2 id="export-heading">${icon('package')} Export a model you trained</h2>
      <span class="hint">For a Moonshine or sherpa-onnx streaming Zipformer model of your own: writes a memory-mappable ORT copy with a model card, to share or ship, and measures it against the source. Murmur needs no export to run a model: it converts each ONNX model it uses into its cache once and maps it from there.</span>

      <div ${ids('model-section')} role="group" aria-labelledby="model-heading">
        <h3 id="model-heading">Model to export</h3>
        <div class="row">
          <code class="path" ${ids('model-path')}>No model selected</code>
          <span class="spacer"></span>
          <button type="button" class="secondary" ${ids('choose-model')}>${icon('folder-opened')} Choose Model...</button>
          <button type="button" class="secondary" ${ids('choose-files')}>${icon('files')} Choose Files...</button>
        </div>
        <p class="status" ${ids('model-status')} role="status"></p>
        ${message('model-error', 'error')}
        ${message('source-note', 'info')}
        <dl class="summary" ${ids('model-summary')} hidden>
          <div><dt>Family</dt><dd ${ids('model-family')}></dd></div>
          <div><dt>Total size</dt><dd ${ids('model-size')}></dd></div>
          <div><dt>Files</dt><dd ${ids('model-file-count')}></dd></div>
          <div><dt>Languages</dt><dd ${ids('model-languages')}></dd></div>
        </dl>
        <table class="grid" ${ids('model-files')} hidden>
          <caption class="visually-hidden">Files of the model</caption>
          <thead>
            <tr><th scope="col">Role</th><th scope="col">File</th><th scope="col" class="num">Size</th><th scope="col">Format</th><th scope="col" class="num">Opset</th><th scope="col">Quantisation</th></tr>
          </thead>
          <tbody ${ids('model-files-body')}></tbody>
        </table>
        <details class="metadata" ${ids('model-metadata')} hidden>
          <summary>Metadata</summary>
          <div ${ids('model-metadata-body')}></div>
        </details>
      </div>

      <form ${ids('export-form')} novalidate>
        <fieldset class="choices">
          <legend>Target format</legend>
          <div class="choice">
            <input type="radio" name="format" value="ort" ${ids('format-ort')} aria-describedby="format-ort-hint">
            <label for="format-ort">ORT flatbuffer — memory-mappable <span class="badge">Recommended</span></label>
            <span class="hint" id="format-ort-hint">Loads without copying the weights; every window using the model shares one copy.</span>
          </div>
          <div class="choice">
            <input type="radio" name="format" value="onnx" ${ids('format-onnx')} aria-describedby="format-onnx-hint">
            <label for="format-onnx">Optimised ONNX</label>
            <span class="hint" id="format-onnx-hint">The graph optimised ahead of time; still read into memory by each window.</span>
          </div>
        </fieldset>

        <div class="field">
          <label for="optimization">Optimisation level</label>
          <select ${ids('optimization')} aria-describedby="optimization-hint">
            <option value="all">All (recommended)</option>
            <option value="extended">Extended</option>
            <option value="basic">Basic</option>
            <option value="disabled">None</option>
          </select>
          <span class="hint" id="optimization-hint">onnxruntime's graph optimisations applied before saving. "All" adds layout changes tuned for this kind of CPU.</span>
        </div>

        <div class="field">
          <label for="output-dir">Output directory</label>
          <div class="input-row">
            <input type="text" ${ids('output-dir')} spellcheck="false" autocomplete="off" aria-describedby="output-dir-hint">
            <button type="button" class="secondary" ${ids('browse-output')}>${icon('folder')} Browse...</button>
          </div>
          <span class="hint" id="output-dir-hint">An absolute path, or empty to export next to the source model.</span>
        </div>

        <fieldset class="card">
          <legend>Model card</legend>
          <div class="card-grid">${cardField('author', 'Author', 'Who made the exported model.')}${cardField('name', 'Name', 'Short name of the model.')}${cardField('version', 'Version', 'For example 0.0.1.')}${cardField('license', 'Licence', 'SPDX id of the source model’s licence, e.g. Apache-2.0.')}${cardField('language', 'Language', 'BCP 47 tag, e.g. en.')}${cardField('source', 'Source', 'Where the source model came from: a URL or citation.')}${cardField('description', 'Description', 'What the model is for and how it was trained.', 'textarea')}
          </div>
        </fieldset>

        <div class="row save-row">
          <button type="button" class="secondary" ${ids('save-settings')} aria-describedby="settings-target">${icon('save')} Save as Defaults</button>
          <button type="button" class="secondary" ${ids('revert-settings')}>${icon('discard')} Revert</button>
          <span class="status" ${ids('settings-status')} role="status"></span>
        </div>
        <span class="hint" ${ids('settings-target')}></span>
        ${message('settings-error', 'error')}

        <div class="row actions">
          <button type="submit" class="primary" ${ids('export-button')}>${icon('package')} Export</button>
        </div>
      </form>
      ${progressBlock('export', 'Export progress')}
      ${message('export-error', 'error')}
      ${message('export-info', 'info')}
    </section>

    <section class="section" ${ids('results-section')} aria-labelledby="results-heading" hidden>
      <h2 id="results-heading" tabindex="-1">${icon('graph')} Results</h2>
      <p ${ids('export-summary')}></p>
      <ul class="file-list" ${ids('export-files')}></ul>
      ${progressBlock('compare', 'Measuring progress')}
      <p class="takeaway" ${ids('results-takeaway')} hidden></p>
      <div class="table-wrap">
        <table class="grid results" ${ids('results-table')} hidden>
          <caption class="visually-hidden">The source and the exported model, measured side by side on the sample clip</caption>
          <thead><tr ${ids('results-head')}></tr></thead>
          <tbody ${ids('results-body')}></tbody>
        </table>
      </div>
      <div class="row actions">
        <button type="button" class="primary" ${ids('use-export')}>${icon('check')} Use This Model</button>
        <button type="button" class="secondary" ${ids('open-card')}>${icon('book')} Open Model Card</button>
        <button type="button" class="secondary" ${ids('compare-again')}>${icon('refresh')} Measure Again</button>
      </div>
      ${message('results-error', 'error')}
      ${message('results-info', 'info')}
    </section>

    <div class="visually-hidden" ${ids('live')} aria-live="polite" aria-atomic="true"></div>
  </main>
  <script nonce="${nonce}" src="${escapeHtml(r.scriptUri)}"></script>
</body>
</html>
`;
}
