/**
 * The operator calls for dynamic reservations and persistent volumes (master.proto):
 * RESERVE_RESOURCES {agent_id, resources}, UNRESERVE_RESOURCES {agent_id, resources},
 * CREATE_VOLUMES {agent_id, volumes} and DESTROY_VOLUMES {agent_id, volumes}. As in Mesos: 202
 * Accepted once applied; 409 Conflict when the resources are not free (offers on the agent are
 * rescinded first, then the call is tried against what is free) or a volume is in use; 400 naming the
 * field; 403 when the ACLs refuse (reserve_resources, unreserve_resources, create_volumes,
 * destroy_volumes); 404 for an agent the master does not know.
 */
import { apiError, quote } from '../../protocol/errors';
import { parseOperation, type ResourceOperationType } from '../../protocol/resource-operations';
import type { OperatorCall } from '../../protocol/validate';
import type { OperatorCallHandler } from './operator-call';

const ACCEPTED = { status: 202 };

/** Call type -> the operation, its sub-message and the list it carries. */
const CALLS = {
  RESERVE_RESOURCES: ['RESERVE', 'reserve_resources', 'resources'],
  UNRESERVE_RESOURCES: ['UNRESERVE', 'unreserve_resources', 'resources'],
  CREATE_VOLUMES: ['CREATE', 'create_volumes', 'volumes'],
  DESTROY_VOLUMES: ['DESTROY', 'destroy_volumes', 'volumes'],
} as const satisfies Record<string, readonly [ResourceOperationType, string, string]>;

function handler([type, message, list]: readonly [ResourceOperationType, string, string]): OperatorCallHandler {
  return ({ core }, call: OperatorCall, req) => {
    const body = (call as Record<string, unknown>)[message];
    if (typeof body !== 'object' || body === null) throw apiError('INVALID_OPERATOR_CALL', `Expecting '${message}' to be present`);
    const { agent_id: agentId } = body as Record<string, unknown>;
    const id = (agentId as { value?: unknown } | undefined)?.value;
    if (typeof id !== 'string' || id === '') throw apiError('INVALID_OPERATOR_CALL', `'${message}.agent_id.value': required non-empty string`);
    const parsed = parseOperation(type, (body as Record<string, unknown>)[list], `${message}.${list}`);
    if (!parsed.ok) throw apiError('INVALID_OPERATOR_CALL', parsed.message);
    const operation = parsed.value;
    const agent = core.records.agents.get(id);
    if (!agent || agent.connection === 'unreachable' || !agent.inAllocator) {
      throw apiError('NOT_FOUND', `agent ${quote(id)} is not registered`);
    }
    const refused = core.reservations.applyOperator(agent, operation, req.principal);
    if (!refused) return ACCEPTED;
    const code = refused.status === 403 ? 'FORBIDDEN_PRINCIPAL' : refused.status === 409 ? 'CONFLICT' : 'BAD_REQUEST';
    throw apiError(code, refused.message);
  };
}

export const RESERVATION_CALLS: Record<string, OperatorCallHandler> = Object.fromEntries(
  Object.entries(CALLS).map(([callType, spec]) => [callType, handler(spec)]),
);
