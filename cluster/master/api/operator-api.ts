/**
 * POST /api/v1, the v1 operator API (master.proto): the read-only calls a UI or CLI needs. A call type
 * this master does not implement is a 400 that names it. Calls come in JSON or protobuf; every
 * handler answers with the JSON form of a master Response, which goes out in the encoding the
 * client accepts (cluster/http/v1-media.ts), so a new call type needs no codec work.
 */
import { unauthorized } from '../../http/auth';
import { HttpError, type Handler, type HandlerResult, type Request } from '../../http/server';
import { answerEncoding, MEDIA_TYPE, v1Answer } from '../../http/v1-media';
import { apiError, quote } from '../../protocol/errors';
import { flagsResponse } from '../../protocol/operator-admin-calls';
import { validateOperatorCall } from '../../protocol/validate';
import { V1_MESSAGES } from '../../protocol/wire-codec';
import type { MasterCore } from '../core';
import { masterFlags } from '../options';
import { ADMIN_CALLS } from './operator-admin';
import { authorizeOperatorCall, filterOperatorResponse } from './authorize';
import type { OperatorCallHandler } from './operator-call';
import { EVENT_CALLS } from './operator-events';
import { MAINTENANCE_CALLS } from './operator-maintenance';
import { RESERVATION_CALLS } from './operator-reservations';
import type { MasterHttp } from './master-http';
import { getAgents, getExecutors, getFrameworks, getState, getTasks, getVersion } from '../views/operator-views';
import { OperatorStateCache } from '../views/operator-state-cache';
import { Visibility } from '../views/visibility';

export const OPERATOR_API_PATH = '/api/v1';

type OperatorResponse = Record<string, unknown>;

const READ_CALLS: Record<string, (core: MasterCore) => OperatorResponse> = {
  GET_HEALTH: () => ({ type: 'GET_HEALTH', get_health: { healthy: true } }),
  GET_VERSION: () => ({ type: 'GET_VERSION', get_version: getVersion() }),
  GET_FLAGS: (core) => flagsResponse(masterFlags(core.opts, core.masterInfo.port)),
  GET_MASTER: (core) => ({
    type: 'GET_MASTER',
    get_master: {
      master_info: core.masterInfo,
      start_time: core.startTime / 1000,
      elected_time: (core.electedTime ?? core.startTime) / 1000,
    },
  }),
  GET_AGENTS: (core) => ({ type: 'GET_AGENTS', get_agents: getAgents(core) }),
  GET_FRAMEWORKS: (core) => ({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(core) }),
  GET_TASKS: (core) => ({ type: 'GET_TASKS', get_tasks: getTasks(core) }),
  GET_EXECUTORS: (core) => ({ type: 'GET_EXECUTORS', get_executors: getExecutors(core) }),
  GET_STATE: (core) => ({ type: 'GET_STATE', get_state: getState(core) }),
};

/** A Map, so that a call type naming a property of Object.prototype is just an unknown type. */
const CALLS = new Map<string, OperatorCallHandler>([
  ...Object.entries(READ_CALLS).map(([type, read]): [string, OperatorCallHandler] => [type, (master: MasterHttp) => ({ json: read(master.core) })]),
  ...Object.entries(ADMIN_CALLS),
  ...Object.entries(EVENT_CALLS),
  ...Object.entries(MAINTENANCE_CALLS),
  ...Object.entries(RESERVATION_CALLS),
]);

export const SUPPORTED_OPERATOR_CALLS = [...CALLS.keys()];

/** Calls that only read (Mesos's read-only realm); every other call needs --authenticate_http_readwrite's principal. */
export function isReadOnlyCall(type: string): boolean {
  return type.startsWith('GET_') || type === 'SUBSCRIBE' || type === 'LIST_FILES' || type === 'READ_FILE';
}

export function operatorApiHandler(master: MasterHttp): Handler {
  const state = new OperatorStateCache(master.core, master.usage);
  return async (req) => {
    const validated = validateOperatorCall(req.body);
    if (!validated.ok) throw apiError('INVALID_OPERATOR_CALL', validated.message);
    const call = CALLS.get(validated.call.type);
    if (!call) {
      throw apiError('UNSUPPORTED_CALL', `${quote(validated.call.type)} is not supported by this master; supported: ${SUPPORTED_OPERATOR_CALLS.join(', ')}`);
    }
    if (!isReadOnlyCall(validated.call.type)) requireWriter(master, req);
    authorizeOperatorCall(master.core, validated.call, req.principal);
    // As Mesos: application/recordio is for the one streaming call; refused before anything is done.
    const encoding = validated.call.type === 'SUBSCRIBE' ? undefined : answerEncoding(req.headers);
    // GET_STATE for a principal that may see everything (always so without --acls): from kept bytes.
    if (encoding && validated.call.type === 'GET_STATE' && new Visibility(master.core, master.core.authorizer, req.principal).everything) {
      const { chunks } = await state.body(encoding);
      return { chunks, contentType: MEDIA_TYPE[encoding] };
    }
    const result = await call(master, validated.call, req);
    return encoded(req, validated.call.type.startsWith('GET_') ? filtered(master, result, req.principal) : result);
  };
}

/** A Response in JSON form, re-encoded as the client accepts (JSON stays byte for byte what it was). */
function encoded(req: Request, result: HandlerResult): HandlerResult {
  if (result?.json === undefined) return result;
  const { json, ...rest } = result;
  return { ...rest, ...v1Answer(req.headers, V1_MESSAGES.masterResponse, json) };
}

/** A read call's answer as its principal may see it (--acls). */
function filtered(master: MasterHttp, answer: HandlerResult, principal: string | undefined): HandlerResult {
  if (answer?.json === undefined) return answer;
  return { ...answer, json: filterOperatorResponse(master.core, answer.json as Record<string, unknown>, principal) };
}

/** The route checked the read-only class before the body was read; a call that changes the cluster needs read-write. */
function requireWriter(master: MasterHttp, req: Request): void {
  if (req.principal !== undefined || !master.auth?.requires('readwrite')) return;
  const rejection = unauthorized(req.headers.authorization);
  throw new HttpError(rejection.status, rejection.text, rejection.headers);
}
