/**
 * The engine's events as what an operator reads on stderr while a stack is brought up or torn down.
 * Not a terminal (CI, a log file): one plain line per step begun, finished or failed. A terminal:
 * one status line per resource, redrawn in place, with warnings and errors kept above it. Pure: it
 * returns text and takes the clock as a parameter; the caller writes the text.
 */
import type { EngineEvent } from './engine';

type ResourceEvent = Extract<EngineEvent, { kind: 'resource' }>;
type Op = ResourceEvent['op'];

const SIGN: Record<Op, string> = { create: '+', update: '~', delete: '-', replace: '+-', refresh: '~', read: '>', same: ' ' };
const DONE: Record<Op, string> = { create: 'created', update: 'updated', delete: 'deleted', replace: 'replaced', refresh: 'refreshed', read: 'read', same: 'unchanged' };
const DOING: Record<Op, string> = { create: 'creating', update: 'updating', delete: 'deleting', replace: 'replacing', refresh: 'refreshing', read: 'reading', same: 'checking' };

/** The stack's own root resource says nothing an operator needs. */
function shown(e: ResourceEvent): boolean {
  return e.op !== 'same' && e.type !== 'pulumi:pulumi:Stack';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

interface Row {
  label: string;
  op: Op;
  status: ResourceEvent['status'];
  since: number;
  took?: number;
  message?: string;
}

export interface ProgressOptions {
  /** stderr is a terminal: redraw a status board instead of appending lines. */
  tty: boolean;
  /** The terminal's width; board lines are cut to it so that redrawing counts lines right. */
  columns?: number;
  /** Milliseconds, for step durations (Date.now in use; a fixed clock in tests). */
  now?: () => number;
}

export class StackProgress {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The text to write for one event (possibly ''). */
  push(e: EngineEvent): string {
    const kept = e.kind === 'resource' ? this.resource(e) : this.diagnostic(e);
    if (!this.opts.tty) return kept.map((l) => `${l}\n`).join('');
    return this.redraw(kept);
  }

  /** The board as it stands: one line per resource, in the order they were first seen. */
  board(): string[] {
    const now = this.now();
    return [...this.rows.values()].map((r) => {
      if (r.status === 'started') return `… ${DOING[r.op]} ${r.label} (${seconds(now - r.since)})`;
      if (r.status === 'done') return `✓ ${DONE[r.op]} ${r.label} (${seconds(r.took ?? 0)})`;
      return `✗ failed to ${r.op} ${r.label}${r.message ? `: ${r.message.split('\n')[0]}` : ''}`;
    });
  }

  /** Plain lines for a resource event (tty: none; the board shows it). */
  private resource(e: ResourceEvent): string[] {
    if (!shown(e)) return [];
    const key = `${e.type}\u0000${e.name}`;
    const label = `${e.type} ${e.name}`;
    const row = this.rows.get(key);
    const now = this.now();
    if (e.status === 'started' || !row) {
      this.rows.set(key, { label, op: e.op, status: e.status, since: now, message: e.message });
    }
    const current = this.rows.get(key)!;
    if (e.status !== 'started') {
      current.status = e.status;
      current.took = now - current.since;
      current.message = e.message;
    }
    if (this.opts.tty) return [];
    if (e.status === 'started') return [`${SIGN[e.op]} ${e.op} ${label}`];
    if (e.status === 'done') return [`✓ ${DONE[e.op]} ${label} (${seconds(current.took!)})`];
    return [`✗ failed to ${e.op} ${label}${e.message ? `: ${e.message}` : ''}`];
  }

  private diagnostic(e: Extract<EngineEvent, { kind: 'diagnostic' }>): string[] {
    // A resource's error comes again with its failed step; say it once, there.
    if (e.severity === 'error' && e.resourceName) return [];
    const who = e.resourceName ? `${e.resourceName}: ` : '';
    if (e.severity === 'error') return [`✗ error: ${e.message}`];
    if (e.severity === 'warning') return [`! warning: ${who}${e.message}`];
    return [`  ${who}${e.message}`];
  }

  /** Moves up over the last board, clears to the end, writes the kept lines, then the new board. */
  private redraw(kept: string[]): string {
    const cut = (l: string) => (this.opts.columns && l.length > this.opts.columns ? `${l.slice(0, this.opts.columns - 1)}…` : l);
    const board = this.board().map(cut);
    const up = this.drawn > 0 ? `\u001b[${this.drawn}A\r\u001b[0J` : '';
    this.drawn = board.length;
    return up + [...kept, ...board].map((l) => `${l}\n`).join('');
  }
}
