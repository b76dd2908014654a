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
  /** The partial, where no editor shows it (Chat, the commit message), and the place it is going. */
  private previewText = '';
  private previewPlace = '';

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

  /**
   * While dictating into a place that shows no grey text (the Chat input, the commit message), the
   * partial is shown here, after the level bar; `place` is named in the tooltip. '' clears it.
   */
  preview(text: string, place: string): void {
    if (text === this.previewText && place === this.previewPlace) return;
    this.previewText = text;
    this.previewPlace = place;
    if (this.state === 'listening') this.render();
  }

  /** What the item shows now: its state, text and tooltip's text (tests read it). */
  get shown(): { state: UiState; text: string; tooltip: string } {
    const t = this.item.tooltip;
    return { state: this.state, text: this.item.text, tooltip: typeof t === 'string' ? t : (t?.value ?? '') };
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
        item.text = `$(mic-filled) ${this.bar()}${this.previewText ? ` ${this.previewText}` : ''}`;
        item.tooltip = `Murmur: listening${this.previewPlace ? `, typing into ${this.previewPlace}` : ''}. Click or press Escape to stop.`;
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
