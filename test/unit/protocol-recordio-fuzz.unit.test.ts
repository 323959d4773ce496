/**
 * The RecordIO decoder under hostile streams: random bytes, truncated and garbled frames, huge
 * declared lengths, records nested too deep, any cut into chunks. It returns records or throws a
 * RecordIOError, never anything else, and takes time linear in what it is fed.
 */
import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../cluster/protocol/json-limits';
import { encodeRecord, RecordIODecoder, RecordIOError } from '../../cluster/protocol/recordio';

/** Inputs per property; the suite runs RUNS * 4 streams. */
const RUNS = 1000;

type Outcome = 'records' | 'waiting' | 'RecordIOError';
const outcomes: Record<Outcome, number> = { records: 0, waiting: 0, RecordIOError: 0 };

/** Feeds `stream` in chunks of the given sizes; says how it ended. Any other exception fails the test. */
function feed(stream: Buffer, cuts: number[], maxRecordBytes?: number): Outcome {
  const decoder = new RecordIODecoder(maxRecordBytes);
  let got = 0;
  try {
    for (let offset = 0, k = 0; offset < stream.length; k++) {
      const size = cuts[k % cuts.length];
      got += decoder.push(stream.subarray(offset, offset + size)).length;
      offset += size;
    }
  } catch (err) {
    if (!(err instanceof RecordIOError)) throw err;
    // Once failed, it stays failed.
    expect(() => decoder.push('2\n{}')).toThrow(RecordIOError);
    return 'RecordIOError';
  }
  return got > 0 ? 'records' : 'waiting';
}

const cuts = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 8 });

function deepText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Frames: well-formed, cut short, with a lying or huge length header, garbage, or nested too deep. */
const frame = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => encodeRecord(v)),
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, n]) => { const f = encodeRecord(v); return f.subarray(0, n % f.length) }),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), fc.uint8Array({ maxLength: 64 })).map(([n, b]) => Buffer.concat([Buffer.from(`${n}\n`), Buffer.from(b)])),
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(`${s}\n{}`)),
  fc.integer({ min: MAX_JSON_DEPTH + 1, max: 5000 }).map((d) => Buffer.from(`${2 * d}\n${deepText(d)}`)),
);

afterAll(() => {
  process.stdout.write(`RecordIO fuzz: ${RUNS * 4} streams: ${JSON.stringify(outcomes)}\n`);
});

describe('RecordIODecoder under hostile streams', () => {
  it('returns records or throws a RecordIOError for any sequence of frames, however cut', () => {
    fc.assert(fc.property(fc.array(frame, { maxLength: 6 }), cuts, (frames, sizes) => {
      outcomes[feed(Buffer.concat(frames), sizes)]++;
    }), { numRuns: RUNS });
  });

  it('returns records or throws a RecordIOError for random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), cuts, (bytes, sizes) => {
      outcomes[feed(Buffer.from(bytes), sizes)]++;
    }), { numRuns: RUNS });
  });

  it('refuses a declared length over its bound at once, without waiting for the bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 1025, max: 2 ** 40 }), (length) => {
      const outcome = feed(Buffer.from(`${length}\n{"a":`), [64], 1024);
      expect(outcome).toBe('RecordIOError');
      outcomes[outcome]++;
    }), { numRuns: RUNS });
  });

  it('decodes a valid stream whole, also a large record fed in small chunks', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue({ maxDepth: 5 }), { minLength: 1, maxLength: 5 }), cuts, (values, sizes) => {
      const outcome = feed(Buffer.concat(values.map(encodeRecord)), sizes);
      expect(outcome).toBe('records');
      outcomes[outcome]++;
    }), { numRuns: RUNS });
    // 16 MiB in 4 KiB chunks: joined once, not once per chunk.
    const big = encodeRecord({ data: 'x'.repeat(16 * 1024 * 1024) });
    const decoder = new RecordIODecoder();
    let records: unknown[] = [];
    for (let offset = 0; offset < big.length; offset += 4096) records = records.concat(decoder.push(big.subarray(offset, offset + 4096)));
    expect(records).toHaveLength(1);
  });
});
