/**
 * Emulated agents for the benchmarks: each speaks the real agent channel over loopback (a REGISTER
 * stream, PONGs for PINGs) and nothing else. With `tasksPerAgent`, each reports that many RUNNING
 * tasks of one framework in its REGISTER, as an agent does after a master failover; the master adopts
 * them (and the framework, as recovered), which is how a benchmark builds a cluster of 100,000 tasks
 * without running any.
 *
 * They run in child processes: 10,000 agent connections on both ends would not fit in one process's
 * file-descriptor limit, and their JSON work must not be counted as the master's.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { AGENT_CHANNEL_PATH, type AgentEvent } from '../../cluster/protocol/agent-channel';
import { RecordIODecoder } from '../../cluster/protocol/recordio';
import { Resources } from '../../cluster/protocol/resources';
import { Child, runChild, sendToParent, untilParentSays } from './child';
import { benchAgent, benchRequest } from './secure';

export const AGENT_RESOURCES = 'cpus:24;mem:4096;disk:4096;ports:[31000-32000]';
const AGENT_RESOURCES_V1 = Resources.parse(AGENT_RESOURCES).toV1();
const TASK_RESOURCES_V1 = Resources.parse('cpus:0.1;mem:32').toV1();
const BENCH_FRAMEWORK_ID = 'bench-framework-0000';
const AGENTS_PER_PROCESS = 2500;
export const REGISTRATIONS_IN_FLIGHT = 64;

export interface EmulatedAgentsOptions {
  /** RUNNING tasks each agent reports in its REGISTER (default 0). */
  tasksPerAgent?: number;
}

/** The REGISTER call of emulated agent `index`; with tasks it names itself, as a re-registering agent does. */
export function registerCall(index: number, opts: EmulatedAgentsOptions = {}): Record<string, unknown> {
  const tasksPerAgent = opts.tasksPerAgent ?? 0;
  const agentId = `bench-agent-${index}`;
  const now = Date.now() / 1000;
  const tasks = Array.from({ length: tasksPerAgent }, (_, t) => {
    const taskId = { value: `task-${index}-${t}` };
    return {
      name: `bench task ${index}/${t}`,
      task_id: taskId,
      framework_id: { value: BENCH_FRAMEWORK_ID },
      agent_id: { value: agentId },
      state: 'TASK_RUNNING',
      resources: TASK_RESOURCES_V1,
      statuses: [{ task_id: taskId, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, timestamp: now }],
      command: { shell: true, value: 'sleep 3600' },
    };
  });
  return {
    type: 'REGISTER',
    register: {
      agent_info: {
        hostname: `agent-${index}`,
        port: 5051,
        resources: AGENT_RESOURCES_V1,
        ...(tasksPerAgent > 0 ? { id: { value: agentId } } : {}),
      },
      version: 'bench',
      pid: `127.0.0.1:${20000 + (index % 40000)}`,
      ...(tasksPerAgent > 0 ? { tasks, frameworks: [{ id: { value: BENCH_FRAMEWORK_ID }, user: 'bench', name: 'bench-framework' }] } : {}),
    },
  };
}

type ChannelEvent = { type: string; registered?: { agent_id: { value: string } } };

/**
 * Opens an agent's REGISTER stream with a JSON `body`; `onEnd` fires once when the attempt is over
 * for any reason (refused, failed, or a registered stream that closed). Resolves at REGISTERED,
 * rejects if the master refuses or the connection fails first. `onEvent` sees every other event
 * (RUN_TASK, ACKNOWLEDGE, ...) with the stream's id, for emulators that do more than keep alive.
 */
export function openAgentStream(
  masterUrl: string, body: string, calls: http.Agent, onEnd: () => void,
  onEvent?: (event: AgentEvent, streamId: string) => void,
): Promise<void> {
  const url = `${masterUrl}${AGENT_CHANNEL_PATH}`;
  return new Promise<void>((resolve, reject) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      onEnd();
    };
    const req = benchRequest(url, {
      method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`REGISTER answered ${res.statusCode}`));
        res.resume();
        return;
      }
      const streamId = String(res.headers['mesos-stream-id']);
      const decoder = new RecordIODecoder();
      let agentId = '';
      res.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk) as ChannelEvent[]) {
          if (event.type === 'REGISTERED') {
            agentId = event.registered!.agent_id.value;
            resolve();
          } else if (event.type === 'PING') {
            const pong = benchRequest(url, { method: 'POST', agent: calls, headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId } }, (r) => r.resume());
            pong.on('error', () => undefined);
            pong.end(JSON.stringify({ type: 'PONG', agent_id: { value: agentId } }));
          } else {
            onEvent?.(event as AgentEvent, streamId);
          }
        }
      });
      res.on('error', end);
    });
    req.on('error', (err) => {
      reject(err);
      end();
    });
    req.on('close', end);
    req.end(body);
  });
}

/** Registers one agent and keeps it alive (PONGs) until the process ends; resolves at REGISTERED. */
export function registerAgent(masterUrl: string, index: number, opts: EmulatedAgentsOptions, calls: http.Agent): Promise<void> {
  return openAgentStream(masterUrl, JSON.stringify(registerCall(index, opts)), calls, () => undefined);
}

/** Child side: registers agents offset..offset+count-1 once told to go, 64 REGISTERs in flight. */
async function runEmulatedAgents(masterUrl: string, count: number, offset: number, opts: EmulatedAgentsOptions): Promise<void> {
  const calls = benchAgent({ keepAlive: true, maxSockets: 32 });
  await untilParentSays('go');
  let next = 0;
  await Promise.all(Array.from({ length: REGISTRATIONS_IN_FLIGHT }, async () => {
    while (next < count) await registerAgent(masterUrl, offset + next++, opts, calls);
  }));
  sendToParent({ type: 'registered', count });
}

export interface EmulatedAgents {
  /** From the first REGISTER to the last REGISTERED, all agents coming at once. */
  registerMs: number;
  children: Child[];
}

/** Parent side: forks emulator processes, registers `count` agents from `offset` on, and waits for all. */
export function registerEmulatedAgents(masterUrl: string, count: number, offset = 0, opts: EmulatedAgentsOptions = {}): Promise<EmulatedAgents> {
  return forkEmulators(__filename, 'emulated-agents', masterUrl, count, offset, opts.tasksPerAgent ?? 0);
}

/**
 * Forks the `role` children of `modulePath` for agents offset..offset+count-1, AGENTS_PER_PROCESS
 * each, with argv [role, target, count, offset, tasksPerAgent]; tells them to go and waits until
 * each says 'registered'.
 */
export async function forkEmulators(modulePath: string, role: string, target: string, count: number, offset: number, tasksPerAgent: number): Promise<EmulatedAgents> {
  const children: Child[] = [];
  try {
    for (let start = 0; start < count; start += AGENTS_PER_PROCESS) {
      const n = Math.min(AGENTS_PER_PROCESS, count - start);
      children.push(new Child(modulePath, [role, target, String(n), String(offset + start), String(tasksPerAgent)]));
    }
    await Promise.all(children.map((c) => c.ready));
    const registered = Promise.all(children.map((c) => c.next((m) => m.type === 'registered')));
    const start = performance.now();
    for (const child of children) child.go();
    await registered;
    return { registerMs: performance.now() - start, children };
  } catch (err) {
    for (const child of children) child.stop();
    throw err;
  }
}

if (require.main === module && process.argv[2] === 'emulated-agents') {
  const [, , , masterUrl, count, offset, tasksPerAgent] = process.argv;
  runChild(runEmulatedAgents(masterUrl, Number(count), Number(offset), { tasksPerAgent: Number(tasksPerAgent) }));
}
