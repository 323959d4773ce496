/**
 * The on-disk half of the status update manager: one append-only JSON-lines file per task. An
 * update is written and fsync'd before it is sent, so an agent that dies right after sending can
 * still resend it on recovery; acknowledgements are appended too, so recovery knows where to resume.
 *
 * Writes are synchronous on purpose: they keep the log in exactly the order updates were queued, and
 * a task produces a handful of updates in its life.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UpdateLogRecord } from './status-updates';

export function appendUpdateLog(file: string, record: UpdateLogRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
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
