/**
 * An agent that is only the wire protocol: it registers over POST /api/v1/agent, records the events the
 * master sends, answers PINGs unless told to stay silent, and sends whatever status updates a test
 * scripts. Lets master tests control exactly what an agent says and when.
 */
import type { AgentEvent } from '../../cluster/protocol/agent-channel';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { parseAttributes } from '../../cluster/protocol/attributes';
import { newStatusUuid } from '../../cluster/protocol/ids';
import { Resources } from '../../cluster/protocol/resources';
import type { FrameworkInfo, Resource, Task, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { RecordStream, request, type HttpResult } from './http';

export interface RawAgentOptions {
  resources?: string;
  hostname?: string;
  /** Re-register with this id. */
  agentId?: string;
  tasks?: Task[];
  frameworks?: FrameworkInfo[];
  /** Answer PINGs with PONGs (default true). */
  answerPings?: boolean;
  /** Agent attributes in the --attributes syntax (default "rack:r1"). */
  attributes?: string;
  /** What it says it has checkpointed (REGISTER.checkpointed_resources). */
  checkpointed?: Resource[];
}

export class RawAgent {
  agentId = '';
  streamId = '';
  answerPings: boolean;
  private pongedUpTo = 0;
  private pumping = true;

  private constructor(readonly masterUrl: string, readonly stream: RecordStream<AgentEvent>, answerPings: boolean) {
    this.answerPings = answerPings;
  }

  get events(): AgentEvent[] { return this.stream.records }

  static async register(masterUrl: string, opts: RawAgentOptions = {}): Promise<RawAgent> {
    const hostname = opts.hostname ?? '127.0.0.1';
    const body = {
      type: 'REGISTER',
      register: {
        agent_info: {
          hostname,
          port: 5051,
          resources: Resources.parse(opts.resources ?? 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]').toV1(),
          attributes: parseAttributes(opts.attributes ?? 'rack:r1'),
          ...(opts.agentId ? { id: { value: opts.agentId } } : {}),
        },
        tasks: opts.tasks ?? [],
        frameworks: opts.frameworks ?? [],
        version: 'raw-agent',
        pid: `${hostname}:5051`,
        ...(opts.checkpointed ? { checkpointed_resources: opts.checkpointed } : {}),
      },
    };
    const stream = await new RecordStream<AgentEvent>(`${masterUrl}${AGENT_CHANNEL_PATH}`, body).response();
    if (stream.status !== 200) throw new Error(`REGISTER answered ${stream.status}: ${stream.errorText}`);
    const agent = new RawAgent(masterUrl, stream, opts.answerPings ?? true);
    const registered = await stream.waitFor((e) => e.type === 'REGISTERED', 'REGISTERED');
    if (registered.type === 'REGISTERED') agent.agentId = registered.registered.agent_id.value;
    agent.streamId = String(stream.headers['mesos-stream-id']);
    void agent.pump();
    return agent;
  }

  async call(body: Record<string, unknown>): Promise<HttpResult> {
    return request(`${this.masterUrl}${AGENT_CHANNEL_PATH}`, {
      body: { agent_id: { value: this.agentId }, ...body },
      headers: { 'Mesos-Stream-Id': this.streamId },
    });
  }

  /** Sends a status update the way an agent does (with a uuid, so it needs an acknowledgement). */
  async sendUpdate(frameworkId: string, taskId: string, state: TaskState, extra: Partial<TaskStatus> = {}): Promise<TaskStatus> {
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: this.agentId },
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
      ...extra,
    };
    const res = await this.call({ type: 'UPDATE', update: { framework_id: { value: frameworkId }, status } });
    if (res.status !== 202) throw new Error(`UPDATE answered ${res.status}: ${res.text}`);
    return status;
  }

  waitFor(match: (e: AgentEvent) => boolean, what: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<AgentEvent> {
    return this.stream.waitFor(match, what, opts);
  }

  /** Drops the stream without unregistering, as a crashed or partitioned agent would. */
  disconnect(): void {
    this.pumping = false;
    this.stream.close();
  }

  private async pump(): Promise<void> {
    while (this.pumping && !this.stream.ended) {
      try {
        await this.stream.waitFor(() => true, 'any event', { from: this.pongedUpTo, timeoutMs: 60_000 });
      } catch {
        return;
      }
      for (; this.pongedUpTo < this.events.length; this.pongedUpTo++) {
        if (this.events[this.pongedUpTo].type === 'PING' && this.answerPings && this.pumping) {
          void this.call({ type: 'PONG' }).catch(() => undefined);
        }
      }
    }
  }
}
