/**
 * Reads a RecordIO stream ("<length>\n<json>" repeated, docs/recordio.md in Mesos) from a fetch
 * body. Lengths count bytes, so the framing is parsed on bytes and only whole records are decoded.
 */
export async function* readRecords(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer: Uint8Array = new Uint8Array(0);
  let expected = -1;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer = concat(buffer, value);
      for (;;) {
        if (expected < 0) {
          const newline = buffer.indexOf(0x0a);
          if (newline < 0) break;
          const header = decoder.decode(buffer.subarray(0, newline));
          if (!/^\d+$/.test(header)) throw new Error(`bad RecordIO length header '${header.slice(0, 20)}'`);
          expected = Number(header);
          buffer = buffer.subarray(newline + 1);
        }
        if (buffer.length < expected) break;
        const record = buffer.subarray(0, expected);
        buffer = buffer.subarray(expected);
        expected = -1;
        yield JSON.parse(decoder.decode(record));
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
