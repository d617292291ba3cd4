import type { CliOutput } from './cli-output';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Progress of a long run over the lines of a file, on stderr: a bar redrawn in place on a
 * terminal, else a plain line every few seconds (logs and CI stay readable).
 */
export class ProgressBar {
  private readonly startedAt: number;
  private lastDrawnAt: number;
  private done = 0;
  private finished = false;
  private readonly write: (text: string) => void;
  private readonly tty: boolean;

  constructor(
    out: CliOutput,
    private readonly label: string,
    private readonly total: number,
    /** What the count is of: lines `sent`, `read`… */
    private readonly verb: string,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.progress?.isTTY ?? false;
    this.write = out.progress ? (t) => out.progress!.write(t) : (t) => out.error(t.replace(/\n$/, ''));
    this.startedAt = this.now();
    this.lastDrawnAt = this.startedAt;
  }

  update(done: number): void {
    if (this.finished) return;
    this.done = done;
    const now = this.now();
    if (now - this.lastDrawnAt < (this.tty ? REDRAW_MS : PLAIN_EVERY_MS)) return;
    this.lastDrawnAt = now;
    this.draw();
  }

  /** The final state (once); on a terminal the bar line is ended. */
  finish(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) {
      this.draw();
      this.write('\n');
    }
    if (note) this.write(`${note}\n`);
  }

  private draw(): void {
    const seconds = Math.max((this.now() - this.startedAt) / 1000, 0.001);
    const rate = `${count(Math.round(this.done / seconds))} lines/s`;
    const share = this.total > 0 ? Math.min(this.done / this.total, 1) : 1;
    const percent = `${Math.floor(share * 100)}%`;
    const of = `${count(this.done)}/${count(this.total)} lines ${this.verb}`;
    if (this.tty) {
      const filled = Math.round(share * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      this.write(`\r\u001b[K${this.label} ${bar} ${percent} ${of}  ${rate}`);
    } else {
      this.write(`${this.label}: ${of} (${percent}), ${rate}\n`);
    }
  }
}
