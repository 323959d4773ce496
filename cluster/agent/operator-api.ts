/**
 * The agent's operator endpoints: POST /api/v1 (include/mesos/v1/agent/agent.proto, the read-only
 * calls), GET /metrics/snapshot, GET /monitor/statistics, GET /containers and GET /version. Every
 * call is read-only: the route's read-only access class (--authenticate_http_readonly) guards them
 * all. A call type this agent does not implement is a 400 that names it; a call's fields are
 * validated whole, so a 400 names the field as the client wrote it.
 *
 * Encoding lives at one seam: the router turns the body into an object (and checks Content-Type and
 * Accept), each call returns an object, the router writes it out.
 */
import { z } from 'zod';
import type { Handler, HandlerResult, Router } from '../http/server';
import { v1Answer, v1Route } from '../http/v1-media';
import { V1_MESSAGES } from '../protocol/wire-codec';
import { apiError, quote } from '../protocol/errors';
import { flagsResponse, getMetricsCall, listFilesCall, metricsResponse, readFileCall } from '../protocol/operator-admin-calls';
import type { AgentInfo } from '../protocol/types';
import { validateOperatorCall, validateWith, type OperatorCall } from '../protocol/validate';
import { buildInfo } from '../util/build-info';
import type { SandboxAuthorizer, SandboxReader } from './files-routes';
import type { Authorizer } from '../authz/authorizer';
import { requireViewFlags } from './http-routes';
import { containerStatusJson, getContainersJson, monitorStatisticsJson, type ContainerStatistics } from './monitor';
import { agentGetExecutors, agentGetFrameworks, agentGetState, agentGetTasks, type AgentTasksSnapshot } from './operator-views';

export const AGENT_OPERATOR_API_PATH = '/api/v1';

export interface AgentOperatorDeps {
  version: string;
  flags(): Record<string, string>;
  metrics(): Record<string, number>;
  containers(): Promise<ContainerStatistics[]>;
  /** What of the tasks `principal` may see (--acls: view_frameworks, view_tasks, view_executors). */
  tasks(principal: string | undefined): AgentTasksSnapshot;
  agentInfo(): AgentInfo;
  sandboxes: SandboxReader;
  /** --acls, for view_flags; the sandbox check for access_sandboxes. */
  authorizer: Authorizer;
  authorizeSandbox: SandboxAuthorizer;
}

type AgentCallHandler = (deps: AgentOperatorDeps, call: OperatorCall, principal: string | undefined) => unknown;

/** GetContainers' knobs are checked; with no nested or standalone containers here they change nothing. */
const getContainersCall = z.looseObject({
  get_containers: z.looseObject({ show_nested: z.boolean().optional(), show_standalone: z.boolean().optional() }).optional(),
});

function parse<T>(schema: z.ZodType<T>, call: OperatorCall): T {
  const result = validateWith(schema, call);
  if (!result.ok) throw apiError('INVALID_AGENT_OPERATOR_CALL', result.message);
  return result.call;
}

function versionInfo(version: string) {
  return { version, ...buildInfo() };
}

/** A Map, so that a call type naming a property of Object.prototype is just an unknown type. */
const CALLS = new Map<string, AgentCallHandler>([
  ['GET_HEALTH', () => ({ type: 'GET_HEALTH', get_health: { healthy: true } })],
  ['GET_FLAGS', (deps, _call, principal) => {
    requireViewFlags(deps.authorizer, principal);
    return flagsResponse(deps.flags());
  }],
  ['GET_VERSION', (deps) => ({ type: 'GET_VERSION', get_version: { version_info: versionInfo(deps.version) } })],
  ['GET_METRICS', (deps, call) => {
    parse(getMetricsCall, call);
    return metricsResponse(deps.metrics());
  }],
  ['GET_STATE', (deps, _call, principal) => ({ type: 'GET_STATE', get_state: agentGetState(deps.tasks(principal)) })],
  ['GET_CONTAINERS', async (deps, call) => {
    parse(getContainersCall, call);
    return { type: 'GET_CONTAINERS', get_containers: getContainersJson(await deps.containers()) };
  }],
  ['GET_FRAMEWORKS', (deps, _call, principal) => ({ type: 'GET_FRAMEWORKS', get_frameworks: agentGetFrameworks(deps.tasks(principal)) })],
  ['GET_EXECUTORS', (deps, _call, principal) => ({ type: 'GET_EXECUTORS', get_executors: agentGetExecutors(deps.tasks(principal)) })],
  ['GET_TASKS', (deps, _call, principal) => ({ type: 'GET_TASKS', get_tasks: agentGetTasks(deps.tasks(principal)) })],
  ['GET_AGENT', (deps) => ({ type: 'GET_AGENT', get_agent: { agent_info: deps.agentInfo() } })],
  ['LIST_FILES', async ({ sandboxes, authorizeSandbox }, call, principal) => {
    const { list_files } = parse(listFilesCall, call);
    authorizeSandbox(list_files.path, principal);
    const entries = await sandboxes.browse(list_files.path);
    return {
      type: 'LIST_FILES',
      list_files: {
        file_infos: entries.map(({ path, stat }) => ({
          path,
          nlink: stat.nlink,
          size: stat.size,
          mtime: { nanoseconds: Math.floor(stat.mtimeMs) * 1e6 },
          mode: stat.mode,
          uid: sandboxes.names.user(stat.uid),
          gid: sandboxes.names.group(stat.gid),
        })),
      },
    };
  }],
  ['READ_FILE', async ({ sandboxes, authorizeSandbox }, call, principal) => {
    const { read_file } = parse(readFileCall, call);
    authorizeSandbox(read_file.path, principal);
    const { data, size } = await sandboxes.read(read_file.path, { offset: read_file.offset, length: read_file.length });
    // proto `bytes` are base64 in JSON.
    return { type: 'READ_FILE', read_file: { size, data: data.toString('base64') } };
  }],
]);

export const SUPPORTED_AGENT_CALLS = [...CALLS.keys()];

export function agentOperatorApiHandler(deps: AgentOperatorDeps): Handler {
  return async (req): Promise<HandlerResult> => {
    const validated = validateOperatorCall(req.body);
    if (!validated.ok) throw apiError('INVALID_AGENT_OPERATOR_CALL', validated.message);
    const call = CALLS.get(validated.call.type);
    if (!call) {
      throw apiError('UNSUPPORTED_CALL', `${quote(validated.call.type)} is not supported by this agent; supported: ${SUPPORTED_AGENT_CALLS.join(', ')}`);
    }
    // A Response in the encoding the client accepts (JSON or protobuf), as the master's API answers.
    return v1Answer(req.headers, V1_MESSAGES.agentResponse, await call(deps, validated.call, req.principal));
  };
}

export function registerAgentOperatorRoutes(r: Router, deps: AgentOperatorDeps): void {
  for (const p of [AGENT_OPERATOR_API_PATH, '/slave(1)/api/v1']) r.on('POST', p, agentOperatorApiHandler(deps), v1Route(V1_MESSAGES.agentCall));
  r.on('GET', '/metrics/snapshot', () => ({ json: deps.metrics() }));
  const statistics: Handler = async () => ({ json: monitorStatisticsJson(await deps.containers()) });
  for (const p of ['/monitor/statistics', '/monitor/statistics.json']) r.on('GET', p, statistics);
  // Mesos's /containers: the same per-container statistics, with the container's id and status.
  r.on('GET', '/containers', async () => ({
    json: (await deps.containers()).map((c) => ({
      container_id: c.containerId,
      executor_id: c.executorId,
      executor_name: c.executorName,
      framework_id: c.frameworkId,
      source: c.source,
      statistics: c.statistics,
      status: containerStatusJson(c),
    })),
  }));
  r.on('GET', '/version', () => ({ json: versionInfo(deps.version) }));
}
