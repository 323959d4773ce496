import fc from 'fast-check';
import { RecordIODecoder, encodeRecord } from '../../cluster/protocol/recordio';

describe('RecordIO', () => {
  it('frames a record as its byte length, a newline and the JSON', () => {
    expect(encodeRecord({ type: 'HEARTBEAT' }).toString('utf8')).toBe('20\n{"type":"HEARTBEAT"}');
  });

  it('counts bytes, not characters, for non-ASCII text', () => {
    const frame = encodeRecord({ m: 'héllo ✓ 🚀' });
    const [length, body] = frame.toString('utf8').split('\n');
    expect(Number(length)).toBe(Buffer.byteLength(body, 'utf8'));
    expect(new RecordIODecoder().push(frame)).toEqual([{ m: 'héllo ✓ 🚀' }]);
  });

  it('decodes several records from one chunk', () => {
    const events = [{ type: 'SUBSCRIBED' }, { type: 'HEARTBEAT' }, { type: 'OFFERS', offers: { offers: [] } }];
    expect(new RecordIODecoder().push(Buffer.concat(events.map(encodeRecord)))).toEqual(events);
  });

  it('waits for the rest of a record split across chunks, also inside the length header and a multi-byte character', () => {
    const frame = encodeRecord({ greeting: '🚀🚀' });
    const decoder = new RecordIODecoder();
    const received: unknown[] = [];
    for (let i = 0; i < frame.length; i++) received.push(...decoder.push(frame.subarray(i, i + 1)));
    expect(received).toEqual([{ greeting: '🚀🚀' }]);
  });

  it('accepts string chunks', () => {
    const decoder = new RecordIODecoder();
    expect(decoder.push('7\n{"a":1')).toEqual([]);
    expect(decoder.push('}2\n{}')).toEqual([{ a: 1 }, {}]);
  });

  it('rejects a garbled length header', () => {
    expect(() => new RecordIODecoder().push('x1\n{}')).toThrow("RecordIO: bad record length header 'x1'");
    expect(() => new RecordIODecoder().push('1'.repeat(21))).toThrow('RecordIO: record length header longer than 20 bytes');
  });

  it('decodes whatever was encoded, however the stream is cut', () => {
    fc.assert(fc.property(
      fc.array(fc.jsonValue(), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
      (values, cuts) => {
        const stream = Buffer.concat(values.map(encodeRecord));
        const decoder = new RecordIODecoder();
        const received: unknown[] = [];
        let offset = 0;
        for (let k = 0; offset < stream.length; k++) {
          const size = cuts[k % cuts.length];
          received.push(...decoder.push(stream.subarray(offset, offset + size)));
          offset += size;
        }
        // JSON has no -0; compare through JSON as the wire does.
        expect(received).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      },
    ));
  });
});
