/**
 * Per-host progress for long operations. On a terminal each host keeps one line that is redrawn in
 * place (step and elapsed time); elsewhere (CI, pipes, logs) every step is a plain line, so the
 * output reads the same in a file as it did live.
 */
export interface HostProgress {
  /** A host starts a step (or a step ends with `done`). */
  step(host: string, text: string): void;
  done(host: string, text: string): void;
  fail(host: string, text: string): void;
  /** A line about the whole operation. */
  note(text: string): void;
  /** Stop redrawing; later output goes below. */
  close(): void;
}

interface Row { label: string; text: string; started: number; stepStarted: number; state: 'busy' | 'done' | 'failed' }

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function createProgress(out: NodeJS.WritableStream & { isTTY?: boolean }, opts: { tty?: boolean; silent?: boolean; now?: () => number } = {}): HostProgress {
  if (opts.silent) return { step() {}, done() {}, fail() {}, note() {}, close() {} };
  const now = opts.now ?? Date.now;
  const tty = opts.tty ?? out.isTTY === true;
  const rows = new Map<string, Row>();
  const t0 = now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const row = (host: string): Row => {
    let r = rows.get(host);
    if (!r) {
      r = { label: host, text: '', started: now(), stepStarted: now(), state: 'busy' };
      rows.set(host, r);
    }
    return r;
  };
  const width = () => Math.max(...[...rows.values()].map((r) => r.label.length), 4);
  const mark = (r: Row) => (r.state === 'done' ? 'ok  ' : r.state === 'failed' ? 'FAIL' : '..  ');

  const redraw = () => {
    if (!tty) return;
    let text = drawn > 0 ? `\x1b[${drawn}F` : '';
    const w = width();
    for (const r of rows.values()) {
      const elapsed = r.state === 'busy' ? seconds(now() - r.started) : '';
      text += `\x1b[2K${mark(r)} ${r.label.padEnd(w)}  ${r.text}  ${elapsed}`.trimEnd() + '\n';
    }
    drawn = rows.size;
    out.write(text);
  };
  const plain = (host: string, text: string) => {
    if (tty) return;
    out.write(`[${seconds(now() - t0).padStart(6)}] ${host}: ${text}\n`);
  };
  if (tty) timer = setInterval(redraw, 250).unref();

  return {
    step(host, text) {
      const r = row(host);
      r.text = text;
      r.stepStarted = now();
      r.state = 'busy';
      plain(host, text);
      redraw();
    },
    done(host, text) {
      const r = row(host);
      r.text = `${text} (${seconds(now() - r.started)})`;
      r.state = 'done';
      plain(host, r.text);
      redraw();
    },
    fail(host, text) {
      const r = row(host);
      r.text = text;
      r.state = 'failed';
      plain(host, `FAILED: ${text}`);
      redraw();
    },
    note(text) {
      if (tty && drawn > 0) {
        // Notes go above the live block; the block is drawn again below them.
        out.write(`\x1b[${drawn}F\x1b[J${text}\n`);
        drawn = 0;
        redraw();
      } else {
        out.write(`${text}\n`);
      }
    },
    close() {
      if (timer) clearInterval(timer);
      redraw();
      rows.clear();
      drawn = 0;
    },
  };
}
