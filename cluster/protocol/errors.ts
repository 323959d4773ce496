/**
 * The API error catalogue: every error an HTTP API of the master or agent answers with has a stable
 * code, an HTTP status and a message template. Templates follow Mesos's wording where Mesos has one,
 * so clients that match on it keep working. `{detail}` is replaced by the specific cause.
 */

import { boundedText } from './json-limits';

interface ApiErrorSpec {
  status: number;
  template: string;
}

export const API_ERRORS = {
  BAD_REQUEST: { status: 400, template: 'Bad request: {detail}' },
  MALFORMED_JSON: { status: 400, template: 'Failed to parse body into JSON: {detail}' },
  INVALID_SCHEDULER_CALL: { status: 400, template: 'Failed to validate scheduler::Call: {detail}' },
  INVALID_OPERATOR_CALL: { status: 400, template: 'Failed to validate master::Call: {detail}' },
  INVALID_AGENT_CALL: { status: 400, template: 'Failed to validate agent call: {detail}' },
  INVALID_AGENT_OPERATOR_CALL: { status: 400, template: 'Failed to validate agent::Call: {detail}' },
  INVALID_EXECUTOR_CALL: { status: 400, template: 'Failed to validate executor::Call: {detail}' },
  EXECUTOR_NOT_FOUND: { status: 400, template: 'Executor cannot be found: {detail}' },
  UNSUPPORTED_CALL: { status: 400, template: 'Unsupported call type: {detail}' },
  MISSING_STREAM_ID: { status: 400, template: "All non-subscribe calls should include the 'Mesos-Stream-Id' header: {detail}" },
  SUBSCRIBE_WITH_STREAM_ID: { status: 400, template: "Subscribe calls should not include the 'Mesos-Stream-Id' header: {detail}" },
  UNAUTHENTICATED: { status: 401, template: 'Unauthorized: {detail}' },
  FORBIDDEN_PRINCIPAL: { status: 403, template: 'Forbidden: {detail}' },
  FORBIDDEN_STREAM: { status: 403, template: 'Calling framework is not subscribed or its stream id does not match: {detail}' },
  FRAMEWORK_NOT_FOUND: { status: 403, template: 'Framework cannot be found: {detail}' },
  AGENT_NOT_FOUND: { status: 403, template: 'Agent is not registered: {detail}' },
  NOT_FOUND: { status: 404, template: 'Not found: {detail}' },
  PATH_FORBIDDEN: { status: 403, template: 'Forbidden: {detail}' },
  AGENT_GONE: { status: 403, template: 'Agent has been marked gone: {detail}' },
  MACHINE_DOWN: { status: 403, template: 'Machine is `DOWN`: {detail}' },
  AGENT_UNAVAILABLE: { status: 503, template: 'Agent unavailable: {detail}' },
  AGENT_TIMEOUT: { status: 504, template: 'Agent did not answer: {detail}' },
  METHOD_NOT_ALLOWED: { status: 405, template: 'Method not allowed: {detail}' },
  NOT_ACCEPTABLE: { status: 406, template: "Expecting 'Accept' to allow application/json, application/x-protobuf or application/recordio: {detail}" },
  MESSAGE_NOT_ACCEPTABLE: { status: 406, template: "Expecting 'Message-Accept' to allow application/json or application/x-protobuf: {detail}" },
  NOT_STREAMING: { status: 406, template: "Expecting 'Accept' to allow application/json or application/x-protobuf: {detail}" },
  CONFLICT: { status: 409, template: 'Conflict: {detail}' },
  UNSUPPORTED_MEDIA: { status: 415, template: "Expecting 'Content-Type' of application/json or application/x-protobuf: {detail}" },
  MISSING_CONTENT_TYPE: { status: 415, template: "Expecting 'Content-Type' to be present: {detail}" },
  NOT_LEADER: { status: 307, template: 'Not the leading master: {detail}' },
  NO_LEADER: { status: 503, template: 'No leading master is elected: {detail}' },
  INTERNAL: { status: 500, template: 'Internal error: {detail}' },
} as const satisfies Record<string, ApiErrorSpec>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error with an HTTP status; the daemons' router answers it with that status and its message. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export class ApiError extends HttpError {
  constructor(readonly code: ApiErrorCode, status: number, message: string, headers: Record<string, string> = {}) {
    super(status, message, headers);
  }
}

/** Longest detail an answer carries, whatever it quotes. */
const MAX_DETAIL_CHARS = 2000;

/** A value of the input as an answer quotes it: in '...', at most MAX_QUOTED_CHARS of it. */
export function quote(value: unknown): string {
  return `'${boundedText(String(value))}'`;
}

/** Every template ends in ": {detail}"; without a detail that suffix is dropped. */
export function apiErrorMessage(code: ApiErrorCode, detail?: string): string {
  const { template } = API_ERRORS[code];
  return detail ? template.replace('{detail}', () => boundedText(detail, MAX_DETAIL_CHARS)) : template.replace(': {detail}', '');
}

/** An HttpError the router answers with `status` and the rendered message. */
export function apiError(code: ApiErrorCode, detail?: string, headers: Record<string, string> = {}): ApiError {
  return new ApiError(code, API_ERRORS[code].status, apiErrorMessage(code, detail), headers);
}

/** The 307 to the leader, with the Location header Mesos clients follow. */
export function notLeaderError(leaderUrl: string): ApiError {
  return apiError('NOT_LEADER', `the leader is at ${leaderUrl}`, { Location: leaderUrl });
}
