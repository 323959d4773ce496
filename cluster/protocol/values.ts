/**
 * Mesos `Value` text forms and arithmetic shared by resources and attributes:
 *   scalar "2.5", ranges "[31000-32000,40000-40010]", set "{a,b}".
 *
 * Ranges are kept as a flat number array [b0, e0, b1, e1, ...], sorted, disjoint and with adjacent
 * ranges merged, so the per-cycle arithmetic of the allocator is a linear merge without allocating
 * an object per range. Sets are sorted arrays of unique strings for the same reason.
 */

export type FlatRanges = readonly number[];

/** Thrown by the text parsers; the caller adds which token it was parsing. */
export class ValueSyntaxError extends Error {}

const NUMBER = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;

/** Parses a non-negative decimal number as Mesos writes it ("2", "0.5", "1e3"). */
export function parseScalarText(text: string): number {
  if (NEGATIVE_NUMBER.test(text)) throw new ValueSyntaxError(`'${text}' is negative`);
  if (!NUMBER.test(text)) throw new ValueSyntaxError(`'${text}' is not a number`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ValueSyntaxError(`'${text}' is not a finite number`);
  return value;
}

export function looksLikeScalar(text: string): boolean {
  return NUMBER.test(text) || NEGATIVE_NUMBER.test(text);
}

/** Parses "[a-b,c-d]" (brackets included) into normalised flat ranges. Overlaps are an error. */
export function parseRangesText(text: string): FlatRanges {
  if (!text.endsWith(']')) throw new ValueSyntaxError(`unclosed '[' in '${text}'`);
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const pairs: number[] = [];
  for (const raw of inner.split(',')) {
    const part = raw.trim();
    const m = RANGE.exec(part);
    if (!m) throw new ValueSyntaxError(`'${part}' is not a range (expected begin-end, e.g. 31000-32000)`);
    const begin = Number(m[1]);
    const end = Number(m[2]);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) throw new ValueSyntaxError(`range '${part}' is too large`);
    if (begin > end) throw new ValueSyntaxError(`range '${part}' has begin > end`);
    pairs.push(begin, end);
  }
  return normaliseRanges(pairs);
}

/** Parses "{a,b}" (braces included) into a sorted, de-duplicated item list. */
export function parseSetText(text: string): readonly string[] {
  if (!text.endsWith('}')) throw new ValueSyntaxError(`unclosed '{' in '${text}'`);
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items = inner.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new ValueSyntaxError(`empty item in set '${text}'`);
  return normaliseSet(items);
}

/**
 * Sorts and merges unsorted [begin, end] pairs; throws if two of them overlap, since that means
 * the same port (or other unit) was listed twice.
 */
export function normaliseRanges(pairs: number[]): FlatRanges {
  const n = pairs.length / 2;
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  order.sort((x, y) => pairs[2 * x] - pairs[2 * y]);
  const out: number[] = [];
  for (const i of order) {
    const begin = pairs[2 * i];
    const end = pairs[2 * i + 1];
    const last = out.length - 1;
    if (last > 0 && begin <= out[last]) {
      throw new ValueSyntaxError(`ranges ${out[last - 1]}-${out[last]} and ${begin}-${end} overlap`);
    }
    if (last > 0 && begin === out[last] + 1) out[last] = end;
    else out.push(begin, end);
  }
  return out;
}

export function normaliseSet(items: string[]): readonly string[] {
  return [...new Set(items)].sort();
}

export function rangesToText(ranges: FlatRanges, separator = ','): string {
  const parts: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) parts.push(`${ranges[i]}-${ranges[i + 1]}`);
  return `[${parts.join(separator)}]`;
}

export function setToText(items: readonly string[], separator = ','): string {
  return `{${items.join(separator)}}`;
}

export function rangesUnion(a: FlatRanges, b: FlatRanges): FlatRanges {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let begin: number;
    let end: number;
    if (j >= b.length || (i < a.length && a[i] <= b[j])) {
      begin = a[i];
      end = a[i + 1];
      i += 2;
    } else {
      begin = b[j];
      end = b[j + 1];
      j += 2;
    }
    const last = out.length - 1;
    if (last > 0 && begin <= out[last] + 1) {
      if (end > out[last]) out[last] = end;
    } else {
      out.push(begin, end);
    }
  }
  return out;
}

/** a \ b */
export function rangesDifference(a: FlatRanges, b: FlatRanges): FlatRanges {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    const end = a[i + 1];
    let cur = a[i];
    // b ranges ending before this a range cannot touch any later a range either.
    while (j < b.length && b[j + 1] < cur) j += 2;
    for (let k = j; k < b.length && b[k] <= end; k += 2) {
      if (b[k] > cur) out.push(cur, b[k] - 1);
      if (b[k + 1] + 1 > cur) cur = b[k + 1] + 1;
      if (cur > end) break;
    }
    if (cur <= end) out.push(cur, end);
  }
  return out;
}

/** True if every unit of `sub` is in `sup` (both normalised, so each sub range lies in one sup range). */
export function rangesContain(sup: FlatRanges, sub: FlatRanges): boolean {
  let i = 0;
  for (let j = 0; j < sub.length; j += 2) {
    while (i < sup.length && sup[i + 1] < sub[j]) i += 2;
    if (i >= sup.length || sup[i] > sub[j] || sup[i + 1] < sub[j + 1]) return false;
  }
  return true;
}

export function rangesEqual(a: FlatRanges, b: FlatRanges): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function setUnion(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i++]);
      j++;
    } else if (a[i] < b[j]) out.push(a[i++]);
    else out.push(b[j++]);
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** a \ b */
export function setDifference(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j < b.length && b[j] === a[i]) continue;
    out.push(a[i]);
  }
  return out;
}

export function setContains(sup: readonly string[], sub: readonly string[]): boolean {
  let i = 0;
  for (let j = 0; j < sub.length; j++) {
    while (i < sup.length && sup[i] < sub[j]) i++;
    if (i >= sup.length || sup[i] !== sub[j]) return false;
  }
  return true;
}

export function setEqual(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short rendering of a received value for error messages ("got 'abc'", "got array"). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '...' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
