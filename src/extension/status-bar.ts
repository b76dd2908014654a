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

  /** Input level 0..1 (peak), shown as a bar while listening. */
  setLevel(level: number): void {
    this.level = level;
    if (this.state === 'listening') this.render();
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
        const bar = BARS[Math.min(BARS.length - 1, Math.floor(Math.sqrt(this.level) * BARS.length))];
        item.text = `$(mic-filled) ${bar}`;
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
        item.tooltip = `Murmur: ${this.detail || 'error'}. Click to try again; see "Murmur: Show Log".`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
