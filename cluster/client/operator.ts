/**
 * Typed client of the master's operator API (POST /api/v1) and its legacy /state endpoint.
 */
import { parseMasterAddress } from './address';
import { schemeFor, type ClientTls } from './tls';
import { HttpClient, parseJson, type Credential } from './http';
import type {
  GetAgents, GetFrameworks, GetState, GetTasks, OperatorCallType, OperatorResponse, OperatorRole, QuotaConfig,
  VersionInfo, WeightInfo,
} from '../protocol/operator';

/** Calls that change the cluster or reach into sandboxes; most answer with an empty 200 (KILL_TASK: 202). */
export type OperatorActionType =
  | 'UPDATE_WEIGHTS' | 'UPDATE_QUOTA' | 'TEARDOWN' | 'MARK_AGENT_GONE' | 'DEACTIVATE_AGENT'
  | 'REACTIVATE_AGENT' | 'DRAIN_AGENT' | 'KILL_TASK'
  | 'RESERVE_RESOURCES' | 'UNRESERVE_RESOURCES' | 'CREATE_VOLUMES' | 'DESTROY_VOLUMES';

type ReadCallType = OperatorCallType | 'GET_WEIGHTS' | 'GET_QUOTA' | 'LIST_FILES' | 'READ_FILE';

export interface GetRoles { roles: OperatorRole[] }

type AdminResponse = OperatorResponse & {
  get_roles?: { roles?: OperatorRole[] };
  get_weights?: { weight_infos?: WeightInfo[] };
  get_quota?: { status?: { configs?: QuotaConfig[] } };
  read_file?: { size?: number; data?: string };
};

export const OPERATOR_PATH = '/api/v1';
/** Where a master trades credentials for a bearer token (not a Mesos endpoint). */
export const TOKEN_PATH = '/auth/token';

export interface OperatorClientOptions {
  /** Per-call timeout in milliseconds (default 10 s): an operator waits, a script should not hang. */
  timeoutMs?: number;
  /** The cluster's CA (and the operator's certificate): a bare host:port then means https. */
  tls?: ClientTls;
  /** Principal and secret, sent as HTTP basic (a cluster with --authenticate_http_* needs them). */
  credential?: Credential;
}

export class OperatorClient {
  private readonly http: HttpClient;
  private readonly timeoutMs: number;

  constructor(master: string, opts: OperatorClientOptions = {}) {
    this.http = new HttpClient(parseMasterAddress(master, schemeFor(opts.tls)).baseUrl, { tls: opts.tls, credential: opts.credential });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get baseUrl(): string { return this.http.baseUrl }

  /** One operator call; the response's `type` must match the call's. */
  async call(type: ReadCallType, payload: Record<string, unknown> = {}): Promise<AdminResponse> {
    const res = await this.http.postJson(OPERATOR_PATH, { type, ...payload }, { ok: [200], timeoutMs: this.timeoutMs });
    const body = parseJson<AdminResponse>(res.body, `${this.baseUrl}${OPERATOR_PATH}`);
    if (body.type !== type) throw new Error(`master answered ${type} with a ${String(body.type)} response`);
    return body;
  }

  /** A call that answers with no body; a 4xx throws ClientHttpError with the master's message. */
  async act(type: OperatorActionType, payload: Record<string, unknown> = {}): Promise<void> {
    await this.http.postJson(OPERATOR_PATH, { type, ...payload }, { ok: [200, 202], timeoutMs: this.timeoutMs });
  }

  async getHealth(): Promise<boolean> {
    return (await this.call('GET_HEALTH')).get_health?.healthy === true;
  }

  async getVersion(): Promise<VersionInfo> {
    return required((await this.call('GET_VERSION')).get_version?.version_info, 'get_version.version_info');
  }

  async getState(): Promise<GetState> {
    return required((await this.call('GET_STATE')).get_state, 'get_state');
  }

  async getAgents(): Promise<GetAgents> {
    const agents = required((await this.call('GET_AGENTS')).get_agents, 'get_agents');
    return { ...agents, agents: agents.agents ?? [] };
  }

  async getFrameworks(): Promise<GetFrameworks> {
    return required((await this.call('GET_FRAMEWORKS')).get_frameworks, 'get_frameworks');
  }

  async getTasks(): Promise<GetTasks> {
    return required((await this.call('GET_TASKS')).get_tasks, 'get_tasks');
  }

  async getRoles(): Promise<GetRoles> {
    const roles = required((await this.call('GET_ROLES')).get_roles, 'get_roles');
    return { ...roles, roles: roles.roles ?? [] };
  }

  async getWeights(): Promise<WeightInfo[]> {
    return required((await this.call('GET_WEIGHTS')).get_weights, 'get_weights').weight_infos ?? [];
  }

  async updateWeights(weightInfos: WeightInfo[]): Promise<void> {
    await this.act('UPDATE_WEIGHTS', { update_weights: { weight_infos: weightInfos } });
  }

  async getQuota(): Promise<QuotaConfig[]> {
    return required((await this.call('GET_QUOTA')).get_quota, 'get_quota').status?.configs ?? [];
  }

  /** Replaces each named role's quota; a config without guarantees or limits removes the role's quota. */
  async updateQuota(configs: QuotaConfig[], force = false): Promise<void> {
    await this.act('UPDATE_QUOTA', { update_quota: { force, quota_configs: configs } });
  }

  /** Reads part of a file by its master path (`/frameworks/<fid>/tasks/<tid>/stdout`); data is decoded from base64. */
  async readFile(path: string, offset: number, length: number): Promise<{ size: number; data: Buffer }> {
    const res = required((await this.call('READ_FILE', { read_file: { path, offset, length } })).read_file, 'read_file');
    return { size: Number(res.size ?? 0), data: Buffer.from(res.data ?? '', 'base64') };
  }

  async teardown(frameworkId: string): Promise<void> {
    await this.act('TEARDOWN', { teardown: { framework_id: { value: frameworkId } } });
  }

  async markAgentGone(agentId: string): Promise<void> {
    await this.act('MARK_AGENT_GONE', { mark_agent_gone: { agent_id: { value: agentId } } });
  }

  async deactivateAgent(agentId: string): Promise<void> {
    await this.act('DEACTIVATE_AGENT', { deactivate_agent: { agent_id: { value: agentId } } });
  }

  async reactivateAgent(agentId: string): Promise<void> {
    await this.act('REACTIVATE_AGENT', { reactivate_agent: { agent_id: { value: agentId } } });
  }

  /** Without a grace period each task's own kill policy applies, as in Mesos. */
  async drainAgent(agentId: string, opts: { maxGracePeriodMs?: number; markGone?: boolean } = {}): Promise<void> {
    await this.act('DRAIN_AGENT', {
      drain_agent: {
        agent_id: { value: agentId },
        ...(opts.maxGracePeriodMs !== undefined ? { max_grace_period: { nanoseconds: Math.round(opts.maxGracePeriodMs * 1e6) } } : {}),
        ...(opts.markGone ? { mark_gone: true } : {}),
      },
    });
  }

  /** mesoscloud's KILL_TASK: the master kills the task as if its framework asked. */
  async killTask(taskId: string, frameworkId?: string): Promise<void> {
    await this.act('KILL_TASK', { kill_task: { task_id: { value: taskId }, ...(frameworkId ? { framework_id: { value: frameworkId } } : {}) } });
  }

  /** The legacy GET /state JSON (what the web UI reads). */
  async getLegacyState<T = Record<string, unknown>>(): Promise<T> {
    return this.http.getJson<T>('/state', { timeoutMs: this.timeoutMs });
  }

  /** A short-lived bearer token for this client's principal (POST /auth/token), e.g. for the web UI. */
  async token(): Promise<{ token: string; expires_in: number }> {
    const res = await this.http.postJson(TOKEN_PATH, undefined, { ok: [200], timeoutMs: this.timeoutMs });
    return parseJson<{ token: string; expires_in: number }>(res.body, `${this.baseUrl}${TOKEN_PATH}`);
  }

  close(): void {
    this.http.destroy();
  }
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`master response lacks '${field}'`);
  return value;
}
