/**
 * Reading a task's stdout or stderr through the master's file proxy (READ_FILE on the path
 * `/frameworks/<fid>/tasks/<tid>/<file>`), whole or followed until the task has ended and the file
 * is drained. The loops take their I/O as arguments so they are tested without a cluster.
 */

export type SandboxFile = 'stdout' | 'stderr';

export function sandboxPath(frameworkId: string, taskId: string, file: SandboxFile): string {
  return `/frameworks/${encodeURIComponent(frameworkId)}/tasks/${encodeURIComponent(taskId)}/${file}`;
}

export interface FileReader {
  readFile(path: string, offset: number, length: number): Promise<{ size: number; data: Buffer }>;
}

/** Large enough to need few calls, small enough for the master to hold in memory per request. */
export const READ_CHUNK = 1024 * 1024;

/** A missing file: the master answers 404 (the task has not started, or never wrote it). */
export function isMissingFile(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

/** Writes everything from `offset` to the current end of the file; returns the new offset. */
export async function readFrom(reader: FileReader, path: string, offset: number, write: (data: Buffer) => void, chunk = READ_CHUNK): Promise<number> {
  for (;;) {
    const { size, data } = await reader.readFile(path, offset, chunk);
    if (data.length > 0) {
      write(data);
      offset += data.length;
    }
    if (data.length === 0 || offset >= size) return offset;
  }
}

export interface FollowOptions {
  reader: FileReader;
  path: string;
  write: (data: Buffer) => void;
  /** True once the task has ended (or the master forgot it). */
  ended: () => Promise<boolean>;
  sleep: (ms: number) => Promise<void>;
  /** Checked between reads; stops the loop quietly (Ctrl-C). */
  stopped: () => boolean;
  pollMs?: number;
}

export interface FollowResult { bytes: number; found: boolean; stopped: boolean }

/**
 * Tails the file until the task has ended and one more read found nothing new, so lines written
 * just before the end are not lost. A file that does not exist yet is waited for.
 */
export async function followFile(opts: FollowOptions): Promise<FollowResult> {
  let offset = 0;
  let found = false;
  let endSeen = false;
  for (;;) {
    if (opts.stopped()) return { bytes: offset, found, stopped: true };
    try {
      offset = await readFrom(opts.reader, opts.path, offset, opts.write);
      found = true;
    } catch (err) {
      if (!isMissingFile(err)) throw err;
    }
    if (endSeen) return { bytes: offset, found, stopped: false };
    endSeen = await opts.ended();
    if (!endSeen) await opts.sleep(opts.pollMs ?? 500);
  }
}
