/**
 * The owner of Murmur's configuration: one snapshot, rebuilt when a `murmur` setting changes or
 * the voice mapping file changes on disk. Call sites read `current` (cheap: no settings lookups,
 * no file reads), so a partial result or a phrase never re-reads the mapping file.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { affectsModel, readConfig, type MurmurConfig } from './config';
import { MappingFileReader, mappingFilePath } from './mapping-file';

export interface ConfigChange {
  readonly config: MurmurConfig;
  /** The model must be reloaded (model settings or threads changed). */
  readonly affectsModel: boolean;
}

export class ConfigService implements vscode.Disposable {
  private snapshot: MurmurConfig;
  private readonly reader = new MappingFileReader();
  private readonly emitter = new vscode.EventEmitter<ConfigChange>();
  private readonly subscription: vscode.Disposable;
  private watcher: vscode.FileSystemWatcher | undefined;
  private watched: string | undefined;
  readonly onDidChange = this.emitter.event;

  constructor(private readonly defaultModelDir: string) {
    this.snapshot = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('murmur')) this.rebuild(affectsModel(e));
    });
  }

  get current(): MurmurConfig {
    return this.snapshot;
  }

  private rebuild(modelChanged: boolean): void {
    this.snapshot = this.read();
    this.emitter.fire({ config: this.snapshot, affectsModel: modelChanged });
  }

  private read(): MurmurConfig {
    const cfg = readConfig(this.defaultModelDir, this.reader);
    this.watch(cfg.voiceMappingFile);
    return cfg;
  }

  /** Watches the file the setting names (not its folder's other files); none when unset or invalid. */
  private watch(setting: string): void {
    const where = setting ? mappingFilePath(setting, os.homedir()) : undefined;
    const file = where && 'file' in where ? where.file : undefined;
    if (file === this.watched) return;
    this.watcher?.dispose();
    this.watcher = undefined;
    this.watched = file;
    if (!file) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const changed = (): void => this.rebuild(false);
    w.onDidCreate(changed);
    w.onDidChange(changed);
    w.onDidDelete(changed);
    this.watcher = w;
  }

  dispose(): void {
    this.subscription.dispose();
    this.watcher?.dispose();
    this.emitter.dispose();
  }
}
