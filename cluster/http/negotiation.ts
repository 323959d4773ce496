/**
 * Content negotiation of the v1 APIs. We speak JSON only: a Content-Type other than JSON, or none, is 415, an
 * Accept header that rules JSON out is 406. Streaming calls may also ask for application/recordio
 * (the framing is RecordIO, the records JSON), as Mesos clients do.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { apiError, type ApiError, quote } from '../protocol/errors';

const JSON_TYPE = 'application/json';
const RECORDIO_TYPE = 'application/recordio';
/** Appended to 406 and 415 answers: Mesos also speaks protobuf, this master does not. */
const JSON_ONLY = 'this master speaks JSON only; application/x-protobuf is not supported';

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The 415 for a request body that is not JSON. As Mesos, a POST must say what its body is: without a
 * Content-Type a browser's blind cross-site form or text/plain POST would be taken for a call.
 */
function contentTypeProblem(headers: IncomingHttpHeaders): ApiError | undefined {
  const contentType = headerValue(headers, 'content-type');
  if (contentType === undefined || contentType.trim() === '') return apiError('MISSING_CONTENT_TYPE');
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return mediaType === JSON_TYPE ? undefined : apiError('UNSUPPORTED_MEDIA', `got ${quote(contentType)}; ${JSON_ONLY}`);
}

/** 415 for a body that is not JSON, then 406 for an Accept header that rules JSON out. */
export function checkV1Media(headers: IncomingHttpHeaders): void {
  const problem = contentTypeProblem(headers);
  if (problem) throw problem;
  checkAccept(headers);
}

function checkAccept(headers: IncomingHttpHeaders): void {
  const accept = headerValue(headers, 'accept');
  if (accept === undefined || accept.trim() === '') return;
  if (!acceptsJson(accept)) throw apiError('NOT_ACCEPTABLE', `got ${quote(accept)}; ${JSON_ONLY}`);
}

/** True if some media range with q > 0 covers JSON (or RecordIO-framed JSON). */
export function acceptsJson(accept: string): boolean {
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (range === JSON_TYPE || range === RECORDIO_TYPE || range === 'application/*' || range === '*/*') return true;
  }
  return false;
}
