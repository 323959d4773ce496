/**
 * The on-disk half of the status update manager: one append-only JSON-lines file per task. An
 * update is written and flushed to disk (fdatasync) before it is sent, so an agent that dies right
 * after sending can still resend it on recovery; acknowledgements are appended too, so recovery
 * knows where to resume.
 *
 * The write itself is synchronous, so a file holds its records in exactly the order they were
 * made. The flush runs in the thread pool: the agent goes on (starting the task's process, say)
 * while the disk works, and flushes of different tasks' logs can share one journal commit.
 *
 * Acknowledgements are not flushed: losing one in a crash only means its update is sent again,
 * which the protocol tolerates (updates are delivered at least once and carry their uuid).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UpdateLogRecord } from './status-updates';

/** Appends a record; resolves once it is on disk (an ACK: once written). */
export function appendUpdateLog(file: string, record: UpdateLogRecord): Promise<void> {
  let fd: number;
  try {
    fd = openLog(file);
  } catch (err) {
    return Promise.reject(err);
  }
  try {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    for (let written = 0; written < line.length; ) written += fs.writeSync(fd, line, written);
  } catch (err) {
    fs.closeSync(fd);
    return Promise.reject(err);
  }
  if (record.type !== 'UPDATE') {
    fs.closeSync(fd);
    return Promise.resolve();
  }
  // fdatasync skips the inode times fsync would also flush; the file's new length still goes.
  try { fs.fdatasyncSync(fd); } finally { fs.closeSync(fd); }
  return Promise.resolve();
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

/** Reads a log back; a torn last line (the agent died mid-write) is ignored. */
export function readUpdateLog(file: string): UpdateLogRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: UpdateLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as UpdateLogRecord);
    } catch {
      break;
    }
  }
  return records;
}
