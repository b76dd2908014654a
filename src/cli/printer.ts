/**
 * Prints a transcript as it is recognised: final lines always; in streaming mode also the partial
 * hypothesis, rewritten in place on a terminal, or as "partial: ..." lines when piped (so a script
 * can tell them from finals).
 */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class TranscriptPrinter {
  private shown = '';
  private lastPartial = '';

  constructor(
    private readonly out: Output,
    private readonly showPartials: boolean,
  ) {}

  partial(text: string): void {
    if (!this.showPartials || text === this.lastPartial) return;
    this.lastPartial = text;
    if (!this.out.isTTY) {
      this.out.write(`partial: ${text}\n`);
      return;
    }
    // Keep the hypothesis on one row: \r only returns to the start of the current row.
    const width = Math.max(10, (this.out.columns || 80) - 1); // 0 when the size is unknown
    const line = text.length > width ? `…${text.slice(text.length - width + 1)}` : text;
    this.out.write(`\r\x1b[K${line}`);
    this.shown = line;
  }

  final(text: string): void {
    this.clear();
    this.lastPartial = '';
    if (text.trim()) this.out.write(`${text}\n`);
  }

  /** Leaves the terminal on a clean line. */
  end(): void {
    this.clear();
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = '';
  }
}
