/**
 * Agent attributes, Mesos style: "rack:a;zone:2;level:[1-3];s:{x,y}" (the agent's --attributes flag).
 * A value that is a number is SCALAR, "[a-b]" is RANGES, "{a,b}" is SET, anything else is TEXT.
 * Unlike resources, attributes are descriptive: order is kept and nothing is summed.
 */
import type { Attribute } from './types';
import {
  FlatRanges, ValueSyntaxError, looksLikeScalar, parseRangesText, parseScalarText, parseSetText,
  rangesToText, setToText,
} from './values';

export class AttributeParseError extends Error {
  /** `input` is the whole text, `position` the 0-based offset of the offending token. */
  constructor(message: string, readonly input: string, readonly position: number) {
    super(message);
  }
}

const BAD_NAME_CHARS = /[\s()[\]{}:;,\u0000-\u001f\u007f]/;

export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  let position = 0;
  for (const raw of text.split(';')) {
    const start = position + (raw.length - raw.trimStart().length);
    position += raw.length + 1;
    const token = raw.trim();
    if (token === '') continue;
    try {
      out.push(parseAttribute(token));
    } catch (err) {
      if (!(err instanceof ValueSyntaxError)) throw err;
      throw new AttributeParseError(`invalid attribute '${token}' at position ${start}: ${err.message}`, text, start);
    }
  }
  return out;
}

function parseAttribute(token: string): Attribute {
  const colon = token.indexOf(':');
  if (colon < 0) throw new ValueSyntaxError('expected name:value, e.g. rack:r1');
  const name = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();
  if (name === '') throw new ValueSyntaxError('empty attribute name');
  if (BAD_NAME_CHARS.test(name)) throw new ValueSyntaxError(`attribute name '${name}' contains whitespace or one of ()[]{}:;,`);
  if (value === '') throw new ValueSyntaxError("missing value after ':'");
  if (value[0] === '[') return { name, type: 'RANGES', ranges: { range: rangeObjects(parseRangesText(value)) } };
  if (value[0] === '{') return { name, type: 'SET', set: { item: [...parseSetText(value)] } };
  if (looksLikeScalar(value)) return { name, type: 'SCALAR', scalar: { value: parseScalarText(value) } };
  return { name, type: 'TEXT', text: { value } };
}

function rangeObjects(flat: FlatRanges): { begin: number; end: number }[] {
  const out: { begin: number; end: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ begin: flat[i], end: flat[i + 1] });
  return out;
}

function valueText(a: Attribute, separator: string): string | number {
  switch (a.type) {
    case 'SCALAR': return a.scalar?.value ?? 0;
    case 'RANGES': {
      const flat: number[] = [];
      for (const r of a.ranges?.range ?? []) flat.push(r.begin, r.end);
      return rangesToText(flat, separator);
    }
    case 'SET': return setToText(a.set?.item ?? [], separator);
    default: return a.text?.value ?? '';
  }
}

/** The /state shape Mesos renders: { rack: 'a', zone: 2, level: '[1-3]', s: '{x, y}' }. */
export function attributesToLegacy(attrs: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  // Mesos's stringify puts ", " between ranges and set items in /state.
  for (const a of attrs) out[a.name] = valueText(a, ', ');
  return out;
}

/** Text syntax for display and command lines; round-trips through parseAttributes. */
export function attributesToString(attrs: readonly Attribute[]): string {
  return attrs.map((a) => `${a.name}:${valueText(a, ',')}`).join(';');
}
