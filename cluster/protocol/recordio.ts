/**
 * RecordIO framing used by every Mesos v1 streaming response: each record is
 * "<length in bytes, decimal>\n<record bytes>". See docs/recordio.md in Mesos.
 */

export function encodeRecord(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/** Incremental decoder: feed it chunks as they arrive, get back whole records. */
export class RecordIODecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private expected = -1;

  /** Returns the complete records contained in what has been fed so far, parsed as JSON. */
  push(chunk: Buffer | string): unknown[] {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    const records: unknown[] = [];
    for (;;) {
      if (this.expected < 0) {
        const newline = this.buffered.indexOf(0x0a);
        if (newline < 0) {
          if (this.buffered.length > 20) throw new Error('RecordIO: record length header longer than 20 bytes');
          break;
        }
        const header = this.buffered.subarray(0, newline).toString('ascii');
        if (!/^\d+$/.test(header)) throw new Error(`RecordIO: bad record length header '${header}'`);
        this.expected = Number(header);
        this.buffered = this.buffered.subarray(newline + 1);
      }
      if (this.buffered.length < this.expected) break;
      const body = this.buffered.subarray(0, this.expected);
      this.buffered = this.buffered.subarray(this.expected);
      this.expected = -1;
      records.push(JSON.parse(body.toString('utf8')));
    }
    return records;
  }
}
