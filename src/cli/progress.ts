// A progress bar on stderr: redrawn in place on a terminal, a line every ~10% otherwise (logs).
export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string, private readonly total: number, private readonly quiet = false) {}

  update(done: number, extra = ''): void {
    if (this.quiet) return;
    const now = performance.now();
    const decile = Math.floor((10 * done) / this.total);
    const final = done === this.total;
    if (this.tty ? now - this.lastDraw < 100 && !final : decile === this.lastDecile && !final) return;
    this.lastDraw = now;
    this.lastDecile = decile;
    const secs = (now - this.start) / 1000;
    const rate = done / Math.max(secs, 1e-9);
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const line = `${this.label} ${bar} ${done}/${this.total} ${rate.toFixed(1)}/s eta ${eta.toFixed(0)}s ${extra}`;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
