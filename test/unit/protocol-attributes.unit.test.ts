import { AttributeParseError, attributesToLegacy, attributesToString, parseAttributes } from '../../cluster/protocol/attributes';

describe('attributes', () => {
  it('parses text, scalar, range and set attributes in order', () => {
    expect(parseAttributes('rack:a;zone:2;level:[1-3];s:{y,x}')).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'a' } },
      { name: 'zone', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'level', type: 'RANGES', ranges: { range: [{ begin: 1, end: 3 }] } },
      { name: 's', type: 'SET', set: { item: ['x', 'y'] } },
    ]);
  });

  it('renders the /state shape and text that parses back', () => {
    const attrs = parseAttributes(' rack : a ; zone:2.5;level:[1-3,7-9];s:{x,y};os:debian-12;');
    expect(attributesToLegacy(attrs)).toEqual({ rack: 'a', zone: 2.5, level: '[1-3, 7-9]', s: '{x, y}', os: 'debian-12' });
    expect(attributesToString(attrs)).toBe('rack:a;zone:2.5;level:[1-3,7-9];s:{x,y};os:debian-12');
    expect(parseAttributes(attributesToString(attrs))).toEqual(attrs);
    expect(parseAttributes('')).toEqual([]);
  });

  it.each<[string, string]>([
    ['rack', "invalid attribute 'rack' at position 0: expected name:value, e.g. rack:r1"],
    ['a:1; :x', "invalid attribute ':x' at position 5: empty attribute name"],
    ['zone:-1', "invalid attribute 'zone:-1' at position 0: '-1' is negative"],
    ['rack:a;level:[3-1]', "invalid attribute 'level:[3-1]' at position 7: range '3-1' has begin > end"],
    ['level:[1-3', "invalid attribute 'level:[1-3' at position 0: unclosed '[' in '[1-3'"],
    ['rack:', "invalid attribute 'rack:' at position 0: missing value after ':'"],
  ])('rejects %j naming the token', (text, message) => {
    expect(() => parseAttributes(text)).toThrow(AttributeParseError);
    expect(() => parseAttributes(text)).toThrow(message);
  });
});
