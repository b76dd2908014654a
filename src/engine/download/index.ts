/** Model download engine: the catalog of downloadable models and the installer. */
export { MODEL_CATALOG } from './catalog';
export { downloadModel, type DownloadModelOptions } from './install';
export type { CatalogEntry, DownloadProgress, DownloadResult } from './types';
