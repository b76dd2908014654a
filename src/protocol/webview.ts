/**
 * Every message between the model export panel (extension host, src/extension/export/panel.ts) and
 * its webview script (src/webview/main.ts), as types, plus the runtime validators each end runs on
 * everything it receives (`postMessage` promises nothing about what arrives).
 *
 * Each message is one entry of FROM_WEBVIEW or TO_WEBVIEW below: its type and its validator follow
 * from it (schema.ts). A validator returns the typed message rebuilt from the checked
 * fields only (unknown fields are dropped, so nothing like `__proto__` can ride along), or the
 * reason it was refused: the path of the first bad field and what was expected there, e.g.
 * `export.options.card.author: expected a string of at most 4096 characters, got ...`.
 *
 * This module is bundled into the webview (a browser): it must not import Node modules (ESLint
 * enforces it for src/protocol and src/webview), and shares check.ts's primitives with the host.
 */
import { EXPORT_FORMATS, OPTIMIZATION_LEVELS, type ModelCard } from '../engine/export/types';
import { Invalid } from './check';
import { LIMITS } from './limits';
import {
  catalogEntries,
  catalogId,
  comparisonRows,
  downloadProgress,
  downloadResult,
  exportResult,
  modelCard,
  modelInspection,
  namedLocation,
} from './model-tools';
import { absPath, arr, bool, checkTableMessage, either, literal, nullable, num, obj, oneOf, optional, str, type Fields, type Infer, type TaggedUnion } from './schema';

// ---- shared shapes --------------------------------------------------------------------------------

/**
 * Where the murmur.export.* settings are saved: vscode.ConfigurationTarget.Workspace or .Global.
 * The host decides (User, unless this workspace already sets them) and the page only shows it; a
 * model is always put in use in User settings (its settings are machine-scoped), whatever
 * `useExported` / `useDownloaded` carry.
 */
export type SettingsTarget = 'workspace' | 'user';
/** Work that runs through the backend with progress and a Cancel button (one at a time). */
export type LongTask = 'export' | 'compare' | 'download';
/** What an error or notice is about; the webview shows it next to that action. */
export type PanelTask = LongTask | 'inspect' | 'catalog' | 'pickSource' | 'pickOutputDir' | 'useModel' | 'saveSettings' | 'openFile' | 'protocol';

export const SETTINGS_TARGETS: readonly SettingsTarget[] = ['workspace', 'user'];
export const LONG_TASKS: readonly LongTask[] = ['export', 'compare', 'download'];
export const PANEL_TASKS: readonly PanelTask[] = [...LONG_TASKS, 'inspect', 'catalog', 'pickSource', 'pickOutputDir', 'useModel', 'saveSettings', 'openFile', 'protocol'];
/** The order of the card fields in the form and in the settings (murmur.export.card.<field>). */
export const CARD_FIELDS: readonly (keyof ModelCard)[] = ['author', 'name', 'version', 'license', 'language', 'description', 'source'];

/** The limits this protocol's users name (all from the one table in limits.ts). */
export const MAX_FIELD = LIMITS.field;
export const MAX_PATH = LIMITS.path;
export const MAX_TRANSCRIPT = LIMITS.transcript;
export const MAX_ERROR_MESSAGE = LIMITS.errorMessage;
export const MAX_METADATA_ENTRIES = LIMITS.metadataEntries;
export const MAX_METADATA_KEY = LIMITS.metadataKey;
/** Whole messages, as JSON (roughly: escapes are not counted). */
export const MAX_FROM_WEBVIEW_BYTES = 256 * 1024;
export const MAX_TO_WEBVIEW_BYTES = 8 * 1024 * 1024;

const panelLocation = namedLocation;

/** Absolute, or '' for the default. */
const pathOrEmpty = either(absPath, literal(''));
const settingsTarget = oneOf(SETTINGS_TARGETS);

/** The murmur.export.* settings, as the panel edits them. */
const exportSettings = obj({ format: oneOf(EXPORT_FORMATS), optimization: oneOf(OPTIMIZATION_LEVELS), outputDirectory: pathOrEmpty, card: modelCard });
export type ExportSettings = Infer<typeof exportSettings>;

/** An export as the webview asks for it: the host resolves an empty outputDir and decides `overwrite` (it asks the user). */
const exportRequest = obj({ source: panelLocation, format: oneOf(EXPORT_FORMATS), optimization: oneOf(OPTIMIZATION_LEVELS), outputDir: pathOrEmpty, card: modelCard });
export type ExportRequest = Infer<typeof exportRequest>;

/**
 * The model Murmur runs now (murmur.model.*, or the embedded default), and how it is loaded.
 * `embedded`: the model that ships inside the extension (no murmur.model.* setting is set).
 * `mapped` 'cache': ONNX files, converted once into the ORT format in `cacheDir` (this Murmur's ORT
 * cache folder) and memory-mapped from there; 'direct': ORT files (a Murmur export), mapped as they are.
 */
const inUseModel = obj({ location: panelLocation, embedded: bool, mapped: oneOf(['cache', 'direct'] as const), cacheDir: absPath });
export type InUseModel = Infer<typeof inUseModel>;

/** `id`: the catalog id, for a download. */
const busy = obj({ task: oneOf(LONG_TASKS), id: optional(catalogId) });
export type Busy = Infer<typeof busy>;

/**
 * Everything the webview shows, sent whole whenever it changes (and on `ready`): the effective
 * settings (the webview keeps unsaved edits of its own), where Save writes them, whether a folder is
 * open, the model in use (absent when the settings could not be read as a model), the model to
 * export (the configured one until the user chooses another), the default output folder per format,
 * and the models downloaded while the panel was open.
 */
const panelState = obj({
  settings: exportSettings,
  settingsTarget,
  hasWorkspace: bool,
  inUse: optional(inUseModel),
  source: nullable(panelLocation),
  defaultOutputDirs: nullable(obj({ ort: absPath, onnx: absPath })),
  inspecting: bool,
  inspection: nullable(modelInspection),
  catalog: catalogEntries,
  busy: nullable(busy),
  lastExport: nullable(exportResult),
  comparison: nullable(comparisonRows),
  downloads: arr(downloadResult, LIMITS.downloads),
});
export type PanelState = Infer<typeof panelState>;

const errorCode = str({ nonEmpty: true, max: 64, pattern: /^[A-Z][A-Z0-9_]{0,63}$/, expected: 'an error code (upper-case letters, digits, "_")' });

// ---- the messages: one entry each; the type and the validator follow from it ----------------------


const FROM_WEBVIEW = {
  /** The script has loaded: send the state. */
  ready: {},
  /** Show this model (a downloaded or exported one, or the configured one again). */
  inspect: { location: panelLocation },
  /** "Choose Model..." (a model directory) or "Choose Files..." (its .onnx/.ort files and tokens.txt). */
  pickSource: { kind: oneOf(['directory', 'files'] as const) },
  pickOutputDir: {},
  export: { options: exportRequest },
  cancel: { task: oneOf(LONG_TASKS) },
  /** Measure the source and the last export side by side again. */
  compare: {},
  useExported: { target: settingsTarget },
  download: { id: catalogId },
  useDownloaded: { id: catalogId, target: settingsTarget },
  saveSettings: { settings: exportSettings, target: settingsTarget },
  /** Only paths the panel itself produced (the export's card, manifest, files) are opened. */
  openFile: { path: absPath },
} satisfies Record<string, Fields>;

const TO_WEBVIEW = {
  state: { state: panelState },
  progress: { task: oneOf(['export', 'compare'] as const), fraction: num({ min: 0, max: 1 }), message: str({ max: LIMITS.field }) },
  exportDone: { result: exportResult },
  comparison: { rows: comparisonRows },
  downloadProgress: { id: catalogId, progress: downloadProgress },
  downloadDone: { result: downloadResult },
  outputDirPicked: { path: absPath },
  /** Something finished that has no result of its own ("Settings saved to Workspace."). */
  info: { task: oneOf(PANEL_TASKS), message: str({ max: LIMITS.field }), id: optional(catalogId) },
  /** `code` is a MurmurErrorCode (or PROTOCOL_INVALID); `id` names the catalog entry for download errors. */
  error: { task: oneOf(PANEL_TASKS), code: errorCode, message: str({ max: LIMITS.errorMessage }), id: optional(catalogId) },
} satisfies Record<string, Fields>;

export type FromWebview = TaggedUnion<'type', typeof FROM_WEBVIEW>;
export type FromWebviewType = FromWebview['type'];
export type ToWebview = TaggedUnion<'type', typeof TO_WEBVIEW>;
export type ToWebviewType = ToWebview['type'];

export const FROM_WEBVIEW_TYPES = Object.keys(FROM_WEBVIEW) as FromWebviewType[];
export const TO_WEBVIEW_TYPES = Object.keys(TO_WEBVIEW) as ToWebviewType[];

export type WebviewValidation<T> = { ok: true; message: T } | { ok: false; reason: string };

/** The whole message: bounded size, a known type, then that type's fields (paths read `<type>.<field>`). */
function validate<T>(check: () => T): WebviewValidation<T> {
  try {
    return { ok: true, message: check() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason };
    throw e;
  }
}

/** Webview -> host: run by the panel on every message before anything is done with it. */
export function validateFromWebview(raw: unknown): WebviewValidation<FromWebview> {
  return validate(() => checkTableMessage(raw, MAX_FROM_WEBVIEW_BYTES, FROM_WEBVIEW));
}

/** Host -> webview: run by the webview script on every message (and by the host before sending). */
export function validateToWebview(raw: unknown): WebviewValidation<ToWebview> {
  return validate(() => checkTableMessage(raw, MAX_TO_WEBVIEW_BYTES, TO_WEBVIEW));
}
