/**
 * Follows a sandbox file as it grows (stdout, stderr), as `tail -f` does: the last part of the
 * file first, then whatever is appended, read from the master every second while following.
 */
import { readFile } from './sandbox';

const CHUNK = 64 * 1024;
/** How much of a long file is shown at first; the rest is a download away. */
const WINDOW = 256 * 1024;
/** Text kept on screen; older output scrolls away rather than slowing the page. */
const MAX_CHARS = 2 * 1024 * 1024;
const POLL_MS = 1000;

export interface TailEvents {
  onText(text: string, reset: boolean): void;
  onSize(size: number): void;
  /** Bytes at the start of a long file that are not shown. */
  onSkipped(bytes: number): void;
  onError(message: string): void;
}

export class FileTail {
  private offset = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private abort = new AbortController();
  private decoder = new TextDecoder();
  private following = false;
  private stopped = false;

  constructor(private readonly path: string, private readonly events: TailEvents) {}

  async start(follow: boolean): Promise<void> {
    this.following = follow;
    try {
      const first = await readFile(this.path, 0, CHUNK, this.abort.signal);
      if (first.size > CHUNK) {
        const from = Math.max(0, first.size - WINDOW);
        this.offset = from;
        this.events.onSkipped(from);
        await this.readAvailable(true);
      } else {
        this.offset = first.data.length;
        this.events.onSize(first.size);
        this.events.onText(this.decoder.decode(first.data, { stream: true }), true);
        if (this.offset < first.size) await this.readAvailable(false);
      }
      this.schedule();
    } catch (err) {
      if (!this.stopped) this.events.onError((err as Error).message);
    }
  }

  setFollow(follow: boolean): void {
    this.following = follow;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.following || this.stopped) return;
    this.timer = setTimeout(() => {
      this.readAvailable(false).then(() => this.schedule(), (err: Error) => {
        if (this.stopped) return;
        this.events.onError(err.message);
        this.schedule();
      });
    }, POLL_MS);
  }

  /** Reads from the offset up to the current end of the file. */
  private async readAvailable(reset: boolean): Promise<void> {
    let first = reset;
    for (;;) {
      const { size, data } = await readFile(this.path, this.offset, CHUNK, this.abort.signal);
      if (size < this.offset) {
        // Truncated or replaced: start again from the top.
        this.offset = 0;
        this.decoder = new TextDecoder();
        this.events.onSkipped(0);
        first = true;
        continue;
      }
      this.events.onSize(size);
      if (data.length === 0) return;
      this.offset += data.length;
      this.events.onText(this.decoder.decode(data, { stream: true }), first);
      first = false;
      if (this.offset >= size) return;
    }
  }
}

/** Keeps the end of a growing text within MAX_CHARS. */
export function keepTail(text: string): string {
  return text.length > MAX_CHARS ? text.slice(text.length - MAX_CHARS) : text;
}
