/**
 * Model download: catalog entries and progress, shared by the downloader, the sidecar protocol and
 * the export panel. Types only.
 */
import type { ModelFamily } from '../recognizer';

export interface CatalogEntry {
  /** Stable id; also the installed directory name. */
  id: string;
  title: string;
  family: ModelFamily;
  /** One line for the picker: size class, what it is good at. */
  description: string;
  url: string;
  /** Archive size in bytes, as published. */
  bytes: number;
  /** Lower-case hex sha256 of the archive, as published. */
  sha256: string;
  archive: 'tar.bz2' | 'tgz';
  /** Directory inside the archive holding the model files ('' = archive root). */
  root: string;
  /** Files (relative to root) to keep; anything else in the archive (test wavs, scripts) is skipped. */
  files: string[];
  license: string;
  /**
   * Languages the model hears (engine/languages.ts codes, Whisper's 99 or 100 listed in full), so
   * the catalog can say which model suits which language. Every built-in entry states them; a
   * mirror's catalog file (MURMUR_CATALOG_FILE) may leave them out.
   */
  languages?: string[];
  /** Release page the URL, size and checksum were taken from. */
  page: string;
}

export interface DownloadProgress {
  phase: 'download' | 'verify' | 'extract' | 'install';
  receivedBytes: number;
  totalBytes: number;
  /** True when this download resumed a partial file. */
  resumed: boolean;
}

export interface DownloadResult {
  id: string;
  /** Installed model directory (absolute). */
  dir: string;
  bytes: number;
  resumed: boolean;
  elapsedMs: number;
}
