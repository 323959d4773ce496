/**
 * A stand-in master for agent tests: speaks the agent channel (protocol/agent-channel.ts) over real
 * HTTP, records every call, and lets a test push events, drop the stream or stay silent.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAgent, type Agent } from '../../cluster/agent';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import { silentLogger } from '../../cluster/util/log';
import type { AgentCall, AgentEvent } from '../../cluster/protocol/agent-channel';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import type { TaskStatus } from '../../cluster/protocol/types';
import { close, createServer, listen, RecordIOStream, Router } from '../../cluster/http/server';
import { eventually } from '../helpers/http';

export type RegisterCall = Extract<AgentCall, { type: 'REGISTER' }>['register'];

export class FakeMaster {
  readonly calls: AgentCall[] = [];
  readonly registrations: RegisterCall[] = [];
  /** Acknowledge every update with a uuid as soon as it arrives. */
  autoAck = true;
  private stream?: RecordIOStream;
  private streamId = '';
  private streams = 0;
  private server!: http.Server;
  port = 0;

  static async start(port = 0): Promise<FakeMaster> {
    const master = new FakeMaster();
    const router = new Router().on('POST', AGENT_CHANNEL_PATH, (req) => master.handle(req.body as AgentCall, req.headers, req.res));
    master.server = createServer(router);
    master.port = await listen(master.server, port, '127.0.0.1');
    return master;
  }

  get url(): string { return `http://127.0.0.1:${this.port}` }

  private handle(call: AgentCall, headers: http.IncomingHttpHeaders, res: http.ServerResponse) {
    if (call.type === 'REGISTER') {
      this.registrations.push(call.register);
      this.calls.push(call);
      this.stream?.end();
      this.streamId = `stream-${++this.streams}`;
      const stream = new RecordIOStream(res, { 'Mesos-Stream-Id': this.streamId });
      this.stream = stream;
      stream.write({
        type: 'REGISTERED',
        registered: {
          agent_id: call.register.agent_info.id ?? { value: 'fake-master-S0' },
          master_info: { id: 'fake-master', ip: 16777343, port: this.port, hostname: 'fake-master' },
          ping_interval_seconds: 15,
        },
      });
      return undefined;
    }
    if (headers['mesos-stream-id'] !== this.streamId) return { status: 403, text: `stream id ${headers['mesos-stream-id']} is not current` };
    this.calls.push(call);
    if (call.type === 'UPDATE' && this.autoAck && call.update.status.uuid) {
      this.send({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: call.update.framework_id, task_id: call.update.status.task_id, uuid: call.update.status.uuid } });
    }
    return { status: 202 };
  }

  send(event: AgentEvent): void {
    if (!this.stream || this.stream.isClosed) throw new Error('no agent stream');
    this.stream.write(event);
  }

  dropStream(): void {
    this.stream?.end();
    this.stream = undefined;
  }

  get connected(): boolean { return this.stream !== undefined && !this.stream.isClosed }

  updates(taskId?: string): TaskStatus[] {
    return this.calls
      .filter((c): c is Extract<AgentCall, { type: 'UPDATE' }> => c.type === 'UPDATE')
      .map((c) => c.update.status)
      .filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  /** Distinct states of a task in the order they first arrived (retries collapse). */
  states(taskId: string): string[] {
    const seen: string[] = [];
    for (const s of this.updates(taskId)) if (!seen.includes(s.state)) seen.push(s.state);
    return seen;
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    return eventually(check, what, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; calls so far: ${JSON.stringify(this.calls.map((c) => c.type))}`);
    });
  }

  async close(): Promise<void> {
    this.stream?.end();
    await close(this.server);
  }
}

/**
 * A scratch dir, a fake master and an in-process agent registered with it (no cgroups, small fixed
 * resources). The suites' frameworks name root (they run as root): allowed explicitly, as an operator
 * would (see test/helpers/task-users.ts).
 */
export async function agentWithFakeMaster(prefix: string): Promise<{ scratch: string; master: FakeMaster; agent: Agent }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const master = await FakeMaster.start();
  const agent = createAgent({
    ...AGENT_DEFAULTS, port: 0, master: master.url, workDir: path.join(scratch, 'work'), cgroups: 'none',
    resources: 'cpus:1;mem:256;disk:256', logger: silentLogger, allowRootTasks: true,
  });
  await agent.start();
  await agent.whenRegistered();
  return { scratch, master, agent };
}
