/**
 * RecordIO framing used by every Mesos v1 streaming response: each record is
 * "<length in bytes, decimal>\n<record bytes>". See docs/recordio.md in Mesos.
 */

import { parseJsonBounded } from './json-limits';

export function encodeRecord(value: unknown): Buffer {
  return frameRecord(Buffer.from(JSON.stringify(value), 'utf8'));
}

/** One record around bytes already encoded (JSON or protobuf). */
export function frameRecord(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

function parseJsonRecord(body: Buffer): unknown {
  const parsed = parseJsonBounded(body.toString('utf8'));
  if (!parsed.ok) throw new RecordIOError(`RecordIO: record is not valid JSON: ${parsed.message}`);
  return parsed.value;
}

/** What a RecordIO stream that cannot be decoded throws; the stream is unusable from then on. */
export class RecordIOError extends Error {}

/** The largest record a decoder takes by default: above the biggest snapshot a master sends at scale. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * Incremental decoder: feed it chunks as they arrive, get back whole records. Bounded: a length
 * header over 20 digits, a record over `maxRecordBytes`, a record that is not JSON or nests deeper
 * than MAX_JSON_DEPTH throws a RecordIOError, and so does every push after it. Chunks of a record
 * are joined once it is complete, so a large record fed in small chunks costs linear time.
 */
export class RecordIODecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private expected = -1;
  private failure?: RecordIOError;

  /** `parse` turns a record's bytes into a value (JSON by default; a protobuf decoder for protobuf streams) and throws if it cannot. */
  constructor(private readonly maxRecordBytes = MAX_RECORD_BYTES, private readonly parse: (body: Buffer) => unknown = parseJsonRecord) {}

  /** Returns the complete records contained in what has been fed so far, parsed. */
  push(chunk: Buffer | string): unknown[] {
    if (this.failure) throw this.failure;
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (data.length > 0) {
      this.chunks.push(data);
      this.size += data.length;
    }
    const records: unknown[] = [];
    try {
      for (;;) {
        if (this.expected < 0 && !this.readHeader()) break;
        if (this.size < this.expected) break;
        records.push(this.parse(this.take(this.expected)));
        this.expected = -1;
      }
    } catch (err) {
      this.failure = err instanceof RecordIOError ? err : new RecordIOError(`RecordIO: ${(err as Error).message}`);
      this.chunks = [];
      this.size = 0;
      throw this.failure;
    }
    return records;
  }

  /** Reads a length header if a whole one is buffered. */
  private readHeader(): boolean {
    const buffered = this.joined();
    const newline = buffered.subarray(0, 21).indexOf(0x0a);
    if (newline < 0) {
      if (buffered.length > 20) throw new RecordIOError('RecordIO: record length header longer than 20 bytes');
      return false;
    }
    const header = buffered.subarray(0, newline).toString('ascii');
    if (!/^\d+$/.test(header)) throw new RecordIOError(`RecordIO: bad record length header '${header}'`);
    const length = Number(header);
    if (length > this.maxRecordBytes) throw new RecordIOError(`RecordIO: record of ${header} bytes is over the limit of ${this.maxRecordBytes}`);
    this.take(newline + 1);
    this.expected = length;
    return true;
  }

  /** Everything buffered as one buffer (joined once, kept joined). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const buffered = this.joined();
    const head = buffered.subarray(0, n);
    const rest = buffered.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return head;
  }
}
