/**
 * The on-disk half of the status update manager: one append-only JSON-lines file per task. An
 * update is written and flushed to disk (fdatasync) before it is sent, and acknowledgements are
 * appended too, so that a restarted agent resends what was never acknowledged (readUpdateLog, then
 * unacknowledgedUpdates in status-updates.ts).
 *
 * Acknowledgements are not flushed: losing one in a crash only means its update is sent again,
 * which the protocol tolerates (updates are delivered at least once and carry their uuid).
 *
 * The line is written at once, so a file holds its records in exactly the order they were made;
 * the flush of an UPDATE runs on the thread pool and the caller sends the update once it resolved.
 * A flush on the event loop held the whole agent for the disk three times per task (about a third of
 * its time when launching tasks back to back); on the pool, the agent goes on starting other tasks
 * while the disk works, and flushes of different tasks' logs share journal commits. (For one task on
 * an idle agent the synchronous flush was a little quicker to TASK_RUNNING; throughput decides.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusUpdate, UpdateLogRecord } from './status-updates';

/**
 * Appends a record. Throws when the line cannot be written; the promise resolves once an UPDATE is on
 * disk (an ACK: at once) and rejects when the flush failed.
 */
export function appendUpdateLog(file: string, record: UpdateLogRecord): Promise<void> {
  const fd = openLog(file);
  try {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    for (let written = 0; written < line.length; ) written += fs.writeSync(fd, line, written);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (record.type !== 'UPDATE') {
    fs.closeSync(fd);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    // fdatasync skips the inode times fsync would also flush; the file's new length still goes.
    fs.fdatasync(fd, (err) => {
      fs.close(fd, () => undefined);
      if (err) reject(err);
      else resolve();
    });
  });
}

function openLog(file: string): number {
  try {
    return fs.openSync(file, 'a');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'a');
  }
}

export interface UpdateLogContents {
  records: UpdateLogRecord[];
  /** Lines that could not be used, each naming the file and line; the rest is still used. */
  problems: string[];
}

function asRecord(value: unknown): UpdateLogRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as { type?: unknown; uuid?: unknown; update?: Partial<StatusUpdate> };
  if (r.type === 'ACK') return typeof r.uuid === 'string' ? { type: 'ACK', uuid: r.uuid } : undefined;
  if (r.type !== 'UPDATE') return undefined;
  const status = r.update?.status;
  const ok = typeof r.update?.framework_id?.value === 'string' && typeof status?.task_id?.value === 'string' && typeof status.state === 'string' && typeof status.uuid === 'string';
  return ok ? (value as UpdateLogRecord) : undefined;
}

/**
 * A task's log as a restarted agent reads it. A missing file is an empty log. The last line may be
 * torn by a crash in the middle of a write: it is dropped (an update is sent only once its line is
 * complete and flushed, so nothing that left the agent is lost). A bad line elsewhere is reported and
 * skipped rather than ending recovery.
 */
export function readUpdateLog(file: string): UpdateLogContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
    return { records: [], problems: [`status update log ${file}: cannot be read: ${(err as Error).message}`] };
  }
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const records: UpdateLogRecord[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let record: UpdateLogRecord | undefined;
    try {
      record = asRecord(JSON.parse(line));
    } catch {
      record = undefined;
    }
    if (record) records.push(record);
    else if (i === lines.length - 1 && !complete) problems.push(`status update log ${file}: dropping a partially written last line`);
    else problems.push(`status update log ${file}: line ${i + 1} is not a status update record; skipped`);
  });
  return { records, problems };
}
