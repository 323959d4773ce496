import fc from 'fast-check';
import { HttpError } from '../../cluster/protocol/errors';
import { isJsonContentType, jsonpCallback, MAX_CALLBACK_CHARS, wrapJsonp } from '../../cluster/http/jsonp';

const query = (jsonp?: string) => new URLSearchParams(jsonp === undefined ? {} : { jsonp });

describe('jsonpCallback', () => {
  it('is undefined without the parameter and on anything but GET', () => {
    expect(jsonpCallback('GET', query())).toBeUndefined();
    expect(jsonpCallback('POST', query('cb'))).toBeUndefined();
  });

  it.each(['cb', '$', '_', 'a.b.c', 'jQuery123_456', '$.fn._x9', 'x'.repeat(MAX_CALLBACK_CHARS)])('accepts %s', (name) => {
    expect(jsonpCallback('GET', query(name))).toBe(name);
  });

  it.each(['', 'alert(1)//', '</script>', 'a b', 'a..b', '.a', 'a.', '9x', 'a-b', 'a[0]', 'a;b', '\u2028', 'x'.repeat(MAX_CALLBACK_CHARS + 1)])(
    'refuses %j with a 400 naming jsonp',
    (name) => {
      expect.assertions(2);
      try {
        jsonpCallback('GET', query(name));
      } catch (err) {
        expect(err).toBeInstanceOf(HttpError);
        expect(err).toMatchObject({ status: 400, message: expect.stringContaining("'jsonp'") });
      }
    },
  );

  it('never lets through anything but identifier characters and single dots', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      let accepted: string | undefined;
      try {
        accepted = jsonpCallback('GET', query(text));
      } catch {
        return;
      }
      expect(accepted).toMatch(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/);
    }));
  });
});

describe('wrapJsonp', () => {
  it('wraps the buffers in /**/cb( ... ); without joining them', () => {
    const parts = wrapJsonp('cb', [Buffer.from('{"a":'), Buffer.from('1}')]);
    expect(Buffer.concat(parts).toString()).toBe('/**/cb({"a":1});');
  });

  it('escapes U+2028 and U+2029 so that every JavaScript engine parses the script to the same strings', () => {
    const json = JSON.stringify({ s: 'a\u2028b\u2029c' });
    const script = Buffer.concat(wrapJsonp('cb', [Buffer.from(json)])).toString();
    expect(script).not.toMatch(/[\u2028\u2029]/);
    let received: unknown;
    new Function('cb', script)((v: unknown) => (received = v));
    expect(received).toEqual({ s: 'a\u2028b\u2029c' });
  });

  it('knows JSON media types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});
