/**
 * Content negotiation of the v1 APIs, as Mesos does it (docs/scheduler-http-api.md,
 * docs/operator-http-api.md, src/master/http.cpp):
 *
 * - A call's body is JSON (`Content-Type: application/json`) or protobuf (`application/x-protobuf`);
 *   anything else, or none, is 415. Both are decoded into the same object (wire-codec.ts) and then
 *   validated once.
 * - The answer's encoding follows `Accept`: JSON if it allows JSON (no Accept allows everything),
 *   else protobuf if it allows protobuf, else, for a stream, `application/recordio` with the records
 *   encoded as `Message-Accept` asks (JSON when it allows JSON or is absent, else protobuf, else 406).
 *   Anything else is 406, and so is `application/recordio` for a call that does not stream.
 * - A stream is RecordIO-framed whatever its Content-Type: `application/json` or
 *   `application/x-protobuf` as asked, or `application/recordio` with `Message-Content-Type`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { apiError, HttpError, quote } from '../protocol/errors';
import { frameRecord } from '../protocol/recordio';
import { parseJsonBody } from './server';
import { decodeProtobuf, encodeProtobuf, normalizeJson, type V1MessageName } from '../protocol/wire-codec';

export const JSON_TYPE = 'application/json';
export const PROTOBUF_TYPE = 'application/x-protobuf';
export const RECORDIO_TYPE = 'application/recordio';

export type Encoding = 'json' | 'protobuf';

export const MEDIA_TYPE: Record<Encoding, string> = { json: JSON_TYPE, protobuf: PROTOBUF_TYPE };

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The encoding of a call's body, from its Content-Type. As Mesos, a POST must say what its body is:
 * without a Content-Type a browser's blind cross-site form or text/plain POST would be taken for a call.
 */
export function requestEncoding(headers: IncomingHttpHeaders): Encoding {
  const contentType = headerValue(headers, 'content-type');
  if (contentType === undefined || contentType.trim() === '') throw apiError('MISSING_CONTENT_TYPE');
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === JSON_TYPE) return 'json';
  if (mediaType === PROTOBUF_TYPE) return 'protobuf';
  throw apiError('UNSUPPORTED_MEDIA', `got ${quote(contentType)}`);
}

/** How an answer is encoded: `recordio` when the client asked for application/recordio (streams only). */
export interface ResponseMedia { encoding: Encoding; recordio: boolean }

/** The answer's encoding from Accept and Message-Accept; 406 when nothing this side speaks is acceptable. */
export function responseMedia(headers: IncomingHttpHeaders): ResponseMedia {
  const accept = headerValue(headers, 'accept');
  if (accepts(accept, JSON_TYPE)) return { encoding: 'json', recordio: false };
  if (accepts(accept, PROTOBUF_TYPE)) return { encoding: 'protobuf', recordio: false };
  if (accepts(accept, RECORDIO_TYPE)) {
    const messageAccept = headerValue(headers, 'message-accept');
    if (accepts(messageAccept, JSON_TYPE)) return { encoding: 'json', recordio: true };
    if (accepts(messageAccept, PROTOBUF_TYPE)) return { encoding: 'protobuf', recordio: true };
    throw apiError('MESSAGE_NOT_ACCEPTABLE', `got ${quote(messageAccept ?? '')}`);
  }
  throw apiError('NOT_ACCEPTABLE', `got ${quote(accept ?? '')}`);
}

/**
 * The options of a v1 route taking calls of message `name`: 415 and 406 from the headers alone,
 * before the body is read, then the body decoded from either encoding. Without a name (the internal
 * agent channel, which has no published definition) the body must be JSON.
 */
export function v1Route(name?: V1MessageName): { checkHeaders: (headers: IncomingHttpHeaders) => void; parseBody: (body: Buffer, headers: IncomingHttpHeaders) => unknown } {
  return {
    checkHeaders: (headers) => {
      const encoding = requestEncoding(headers);
      if (encoding === 'protobuf' && name === undefined) throw apiError('UNSUPPORTED_MEDIA', `got '${PROTOBUF_TYPE}'; this internal channel takes ${JSON_TYPE} only`);
      responseMedia(headers);
    },
    parseBody: v1Body(name),
  };
}

/** True if `header` (an Accept-style list) has a range with q > 0 covering `type`; an absent or empty header allows all. */
export function accepts(header: string | undefined, type: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const [major] = type.split('/');
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (range === type || range === `${major}/*` || range === '*/*') return true;
  }
  return false;
}

/** A body parser for calls of message `name`: JSON read as Mesos reads it, or protobuf. */
function v1Body(name?: V1MessageName): (body: Buffer, headers: IncomingHttpHeaders) => unknown {
  return (body, headers) => {
    if (name !== undefined && requestEncoding(headers) === 'protobuf') {
      const decoded = decodeProtobuf(name, body);
      if (!decoded.ok) throw new HttpError(400, decoded.message);
      return decoded.value;
    }
    return normalizeJson(parseJsonBody(body), name);
  };
}

/** The encoding of a synchronous answer; 406 if the client accepts only a stream (application/recordio). */
export function answerEncoding(headers: IncomingHttpHeaders): Encoding {
  const media = responseMedia(headers);
  if (media.recordio) throw apiError('NOT_STREAMING', `got '${RECORDIO_TYPE}', but this call's answer is not a stream`);
  return media.encoding;
}

/** A synchronous answer (an operator Response) in the encoding the client accepts. */
export function v1Answer(headers: IncomingHttpHeaders, name: V1MessageName, value: unknown): { body: Buffer; contentType: string } {
  const encoding = answerEncoding(headers);
  return { body: encodeMessage(encoding, name, value), contentType: MEDIA_TYPE[encoding] };
}

/** How a stream of `name` events is written for this request: its headers and one record's bytes. */
export interface StreamFormat {
  headers: Record<string, string>;
  encoding: Encoding;
  record: (event: unknown) => Buffer;
}

export function v1Stream(headers: IncomingHttpHeaders, name: V1MessageName): StreamFormat {
  const media = responseMedia(headers);
  const type = MEDIA_TYPE[media.encoding];
  return {
    headers: media.recordio ? { 'Content-Type': RECORDIO_TYPE, 'Message-Content-Type': type } : { 'Content-Type': type },
    encoding: media.encoding,
    record: (event) => frameRecord(encodeMessage(media.encoding, name, event)),
  };
}

function encodeMessage(encoding: Encoding, name: V1MessageName, value: unknown): Buffer {
  return encoding === 'protobuf' ? encodeProtobuf(name, value) : Buffer.from(JSON.stringify(value), 'utf8');
}
