/**
 * The terminal under the console: the alternate screen, the cursor hidden, raw keys; each frame drawn
 * from the top-left over the previous one (cursor home, every line followed by erase-to-end-of-line,
 * erase-below at the end), so nothing flashes — no clear-screen, plain VT100 sequences that ssh and
 * tmux pass through. stop() puts the terminal back however the game day ended.
 */
const CSI = '\u001b[';

export interface Tty {
  write(s: string): unknown;
  columns?: number;
  rows?: number;
  on?(event: 'resize', fn: () => void): unknown;
  off?(event: 'resize', fn: () => void): unknown;
}

export interface KeyInput {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', fn: (b: Buffer | string) => void): unknown;
  off(event: 'data', fn: (b: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** One frame: home, each line then erase-to-EOL, then erase everything below. */
export function frame(lines: readonly string[]): string {
  return `${CSI}H${lines.map((l) => `${l}${CSI}K`).join('\r\n')}${CSI}J`;
}

export class Screen {
  private last = '';
  private started = false;
  private readonly onData = (b: Buffer | string) => this.keys(typeof b === 'string' ? b : b.toString('utf8'));
  private readonly onResize = () => {
    this.last = '';
    this.redraw();
  };

  constructor(
    private readonly out: Tty,
    private readonly input: KeyInput | undefined,
    private readonly keys: (data: string) => void,
    private readonly redraw: () => void,
  ) {}

  get size(): { width: number; height: number } {
    return { width: this.out.columns ?? 100, height: this.out.rows ?? 40 };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.out.write(`${CSI}?1049h${CSI}?25l${CSI}H`);
    if (this.input) {
      this.input.setRawMode?.(true);
      this.input.on('data', this.onData);
      this.input.resume();
    }
    this.out.on?.('resize', this.onResize);
  }

  /** Draws the frame unless it is the one on screen already. */
  draw(lines: readonly string[]): void {
    const f = frame(lines);
    if (f === this.last) return;
    this.last = f;
    this.out.write(f);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.out.off?.('resize', this.onResize);
    if (this.input) {
      this.input.off('data', this.onData);
      this.input.setRawMode?.(false);
      this.input.pause();
    }
    this.out.write(`${CSI}?25h${CSI}?1049l`);
  }
}
