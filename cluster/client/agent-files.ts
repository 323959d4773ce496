/**
 * Reading a task's sandbox from its agent: the agent's /state names the executor's directory,
 * and GET /files/read?path=&offset=&length= returns {data, offset} as in Mesos.
 */
import { findSandboxInState, type AgentState } from '../protocol/sandbox';

export { findSandboxInState };
import { HttpClient, ClientHttpError, parseJson, type ClusterAccess } from './http';

export interface FileChunk { data: string; offset: number }

const READ_LENGTH = 64 * 1024;

export class AgentFilesClient {
  private readonly http: HttpClient;

  constructor(agentBaseUrl: string, access: ClusterAccess = {}) {
    this.http = new HttpClient(agentBaseUrl, access);
  }

  /** The sandbox directory of a task, or undefined while the agent does not know it yet. */
  async findSandbox(frameworkId: string, taskId: string): Promise<string | undefined> {
    const state = await this.http.getJson<AgentState>('/state', { timeoutMs: 5000 });
    return findSandboxInState(state, frameworkId, taskId);
  }

  /** Reads from `offset`; undefined when the file does not exist (yet). */
  async read(path: string, offset: number, length = READ_LENGTH): Promise<FileChunk | undefined> {
    const query = new URLSearchParams({ path, offset: String(offset), length: String(length) });
    const res = await this.http.request('GET', `/files/read?${query}`, { timeoutMs: 5000 });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new ClientHttpError(res.status, res.body, `${this.http.baseUrl}/files/read`);
    return parseJson<FileChunk>(res.body, `${this.http.baseUrl}/files/read`);
  }

  close(): void {
    this.http.destroy();
  }
}


/**
 * Follows a task's stdout and stderr: each poll() forwards what was appended since the last one.
 * Failures to reach the agent are swallowed, since the files are a convenience next to the status updates.
 */
export class SandboxFollower {
  private sandbox?: string;
  private readonly offsets = new Map<string, number>();

  constructor(
    private readonly files: AgentFilesClient,
    private readonly frameworkId: string,
    private readonly taskId: string,
    private readonly sinks: Record<'stdout' | 'stderr', (text: string) => void>,
  ) {}

  async poll(): Promise<void> {
    try {
      this.sandbox ??= await this.files.findSandbox(this.frameworkId, this.taskId);
      if (!this.sandbox) return;
      for (const name of ['stdout', 'stderr'] as const) await this.drain(name);
    } catch {
      // Next poll retries; the agent may be busy or restarting.
    }
  }

  private async drain(name: 'stdout' | 'stderr'): Promise<void> {
    for (;;) {
      const offset = this.offsets.get(name) ?? 0;
      const chunk = await this.files.read(`${this.sandbox}/${name}`, offset);
      if (!chunk || chunk.data.length === 0) return;
      this.offsets.set(name, offset + Buffer.byteLength(chunk.data, 'utf8'));
      this.sinks[name](chunk.data);
      if (Buffer.byteLength(chunk.data, 'utf8') < READ_LENGTH) return;
    }
  }
}
