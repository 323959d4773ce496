/**
 * The on-disk half of the status update manager: one append-only JSON-lines file per task. An
 * update is written and flushed to disk (fdatasync) before it is sent, and acknowledgements are
 * appended too, so that recovery could resend what was never acknowledged. A restarted agent does
 * not read the log back yet.
 *
 * Acknowledgements are not flushed: losing one in a crash only means its update is sent again,
 * which the protocol tolerates (updates are delivered at least once and carry their uuid).
 *
 * Writes and flushes are synchronous on purpose: they keep the log in exactly the order updates
 * were queued, a task produces a handful of updates in its life, and a flush handed to the thread
 * pool was measured to slow down the fork of the task's process that follows it by more than the
 * flush itself costs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UpdateLogRecord } from './status-updates';

export function appendUpdateLog(file: string, record: UpdateLogRecord): void {
  const fd = openLog(file);
  try {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    for (let written = 0; written < line.length; ) written += fs.writeSync(fd, line, written);
    // fdatasync skips the inode times fsync would also flush; the file's new length still goes.
    if (record.type === 'UPDATE') fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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
