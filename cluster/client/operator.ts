/**
 * Typed client of the master's operator API (POST /api/v1) and its legacy /state endpoint.
 */
import { parseMasterAddress } from './address';
import { HttpClient, parseJson } from './http';
import type {
  GetAgents, GetFrameworks, GetState, GetTasks, OperatorCallType, OperatorResponse, VersionInfo,
} from '../protocol/operator';

export const OPERATOR_PATH = '/api/v1';

export interface OperatorClientOptions {
  /** Per-call timeout in milliseconds (default 10 s): an operator waits, a script should not hang. */
  timeoutMs?: number;
}

export class OperatorClient {
  private readonly http: HttpClient;
  private readonly timeoutMs: number;

  constructor(master: string, opts: OperatorClientOptions = {}) {
    this.http = new HttpClient(parseMasterAddress(master).baseUrl);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get baseUrl(): string { return this.http.baseUrl }

  /** One operator call; the response's `type` must match the call's. */
  async call(type: OperatorCallType, payload: Record<string, unknown> = {}): Promise<OperatorResponse> {
    const res = await this.http.postJson(OPERATOR_PATH, { type, ...payload }, { ok: [200], timeoutMs: this.timeoutMs });
    const body = parseJson<OperatorResponse>(res.body, `${this.baseUrl}${OPERATOR_PATH}`);
    if (body.type !== type) throw new Error(`master answered ${type} with a ${String(body.type)} response`);
    return body;
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

  /** The legacy GET /state JSON (what the web UI reads). */
  async getLegacyState<T = Record<string, unknown>>(): Promise<T> {
    return this.http.getJson<T>('/state', { timeoutMs: this.timeoutMs });
  }

  close(): void {
    this.http.destroy();
  }
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`master response lacks '${field}'`);
  return value;
}
