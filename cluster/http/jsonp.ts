/**
 * JSONP on the JSON GET endpoints of master and agent: `?jsonp=cb` turns a JSON answer into the
 * script `cb(json);` as Mesos does (src/common/http.cpp, http::OK with jsonp), so browser clients
 * written for Mesos, its own web UI among them, can load /state and friends as <script> tags.
 *
 * Mesos echoes the callback unchecked, which lets a crafted link run script in the daemon's origin.
 * Here the callback must be a JavaScript identifier path (`cb`, `jQuery123_456`, `a.b.c`, `$`), else
 * the request is a 400 naming `jsonp`; the script starts with an empty comment (so a body can never
 * begin with attacker-chosen bytes such as a Flash or BOM signature) and is sent with `nosniff`.
 * Only 200 answers with a JSON body are wrapped; errors stay plain text, as in Mesos.
 */
import { HttpError } from '../protocol/errors';
import { boundedText } from '../protocol/json-limits';

export const JSONP_PARAM = 'jsonp';
export const MAX_CALLBACK_CHARS = 128;
const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

export const JAVASCRIPT_CONTENT_TYPE = 'text/javascript; charset=utf-8';
export const JSONP_HEADERS: Readonly<Record<string, string>> = { 'X-Content-Type-Options': 'nosniff' };

/** The callback a GET asks for, checked; undefined when it asks for none. Throws a 400 naming `jsonp`. */
export function jsonpCallback(method: string, query: URLSearchParams): string | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const callback = query.get(JSONP_PARAM);
  if (callback === null) return undefined;
  if (callback.length > MAX_CALLBACK_CHARS) {
    throw new HttpError(400, `query parameter '${JSONP_PARAM}' must be at most ${MAX_CALLBACK_CHARS} characters, got ${callback.length}`);
  }
  if (!CALLBACK.test(callback)) {
    throw new HttpError(400, `query parameter '${JSONP_PARAM}' must be a JavaScript identifier or a dotted path of them (e.g. 'cb', 'app.cb'), got '${boundedText(callback)}'`);
  }
  return callback;
}

/** True for a media type a JSONP answer wraps: application/json, with or without parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * U+2028 and U+2029 are valid in JSON strings but ended a line in JavaScript before ES2019; escaped,
 * the script parses in every engine and the callback still receives the same strings.
 */
const LINE_SEPARATORS = [Buffer.from('\u2028'), Buffer.from('\u2029')];

function escapeSeparators(json: Buffer): Buffer {
  if (!LINE_SEPARATORS.some((s) => json.includes(s))) return json;
  return Buffer.from(json.toString('utf8').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

/** `/**\/cb(<json>);` as the buffers of one body (a large prepared document is not copied). */
export function wrapJsonp(callback: string, json: readonly Buffer[]): Buffer[] {
  return [Buffer.from(`/**/${callback}(`), ...json.map(escapeSeparators), Buffer.from(');')];
}
