/**
 * The microphone in the status bar: state at a glance, click to toggle dictation.
 */
import * as vscode from 'vscode';

export type UiState = 'idle' | 'starting' | 'loading' | 'listening' | 'processing' | 'error';

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export class MicStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('murmur.status', vscode.StatusBarAlignment.Right, 1000);
  private state: UiState = 'idle';
  private detail = '';
  private level = 0;

  constructor() {
    this.item.name = 'Murmur Dictation';
    this.item.command = 'murmur.toggleDictation';
    this.render();
    this.item.show();
  }

  set(state: UiState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    if (state !== 'listening') this.level = 0;
    this.render();
  }

  /**
   * Input level 0..1 (peak), shown as a bar while listening. About 20 a second arrive; the item is
   * only updated when the bar it shows changes (every update is a message to the workbench and a
   * repaint there, in front of the edits that put text in the document).
   */
  setLevel(level: number): void {
    const before = this.bar();
    this.level = level;
    if (this.state === 'listening' && this.bar() !== before) this.render();
  }

  /** What the item shows now: its state and its tooltip's text (tests read it). */
  get shown(): { state: UiState; tooltip: string } {
    const t = this.item.tooltip;
    return { state: this.state, tooltip: typeof t === 'string' ? t : (t?.value ?? '') };
  }

  private bar(): string {
    return BARS[Math.min(BARS.length - 1, Math.floor(Math.sqrt(this.level) * BARS.length))];
  }

  private render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    switch (this.state) {
      case 'idle':
        item.text = '$(mic)';
        item.tooltip = new vscode.MarkdownString(`Murmur: not dictating. Click to start.${this.detail ? `\n\n${this.detail}` : ''}`);
        break;
      case 'starting':
      case 'loading':
        item.text = '$(loading~spin) Murmur';
        item.tooltip = this.state === 'loading' ? `Murmur: loading the speech model… ${this.detail}` : 'Murmur: starting…';
        break;
      case 'listening': {
        item.text = `$(mic-filled) ${this.bar()}`;
        item.tooltip = 'Murmur: listening. Click or press Escape to stop.';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      }
      case 'processing':
        item.text = '$(sync~spin) Murmur';
        item.tooltip = 'Murmur: finishing the last phrase…';
        break;
      case 'error':
        item.text = '$(error) Murmur';
        // Error messages end with their own full stop: one is enough.
        item.tooltip = `Murmur: ${this.detail.replace(/[.\s]+$/, '') || 'error'}. Click to try again; see "Murmur: Show Log".`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
