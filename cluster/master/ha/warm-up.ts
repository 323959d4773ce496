/**
 * A standby's registration code has never run: after a failover, V8 first interprets it, and
 * re-registering 1,000 agents costs about 2.5 times the CPU it costs once the code is hot (measured:
 * ~1 s against ~0.4 s). So while it waits, a standby rehearses: it registers synthetic agents with
 * running tasks on a throwaway core (own records, allocator and event bus, silent log, streams that
 * write nowhere), in small slices so its own ZooKeeper session keeps its heartbeats, then drops it.
 * It also loads the protobuf definitions, which the first operator or scheduler call would otherwise
 * load right after the takeover.
 */
import type * as http from 'node:http';
import { createAllocator } from '../../allocator';
import { RecordIOStream } from '../../http/server';
import { Resources } from '../../protocol/resources';
import { validateAgentCall } from '../../protocol/validate';
import { preloadDefinitions } from '../../protocol/wire-codec';
import { silentLogger } from '../../util/log';
import { parseRegistration } from '../state/agents';
import { MasterCore } from '../core';
import type { MasterOptions } from '../options';
import { SlicedQueue } from '../util/sliced-queue';

const AGENT_RESOURCES = Resources.parse('cpus:8;mem:16384;disk:65536;ports:[31000-32000]').toV1();
const TASK_RESOURCES = Resources.parse('cpus:0.1;mem:32').toV1();

/** A REGISTER body as an agent sends it after a failover: its id, and `tasks` running tasks. */
function rehearsalCall(index: number, tasks: number): unknown {
  const agentId = { value: `rehearsal-agent-${index}` };
  const frameworkId = { value: 'rehearsal-framework' };
  return {
    type: 'REGISTER',
    register: {
      agent_info: { id: agentId, hostname: `rehearsal-${index}`, port: 5051, resources: AGENT_RESOURCES },
      version: 'rehearsal',
      pid: `127.0.0.1:${20000 + index}`,
      frameworks: [{ id: frameworkId, user: 'rehearsal', name: 'rehearsal' }],
      tasks: Array.from({ length: tasks }, (_, t) => {
        const taskId = { value: `task-${index}-${t}` };
        return {
          name: taskId.value, task_id: taskId, framework_id: frameworkId, agent_id: agentId, state: 'TASK_RUNNING',
          resources: TASK_RESOURCES, statuses: [{ task_id: taskId, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: agentId, timestamp: 0 }],
        };
      }),
    },
  };
}

/** Just enough of a response for a RecordIOStream whose bytes go nowhere. */
function nowhere(): http.ServerResponse {
  const sink = { writeHead: () => sink, flushHeaders: () => undefined, on: () => sink, write: () => true, end: () => undefined };
  return sink as unknown as http.ServerResponse;
}

export async function rehearseRegistrations(opts: MasterOptions, agents = 400, tasksPerAgent = 10): Promise<void> {
  const core = new MasterCore({ ...opts, logger: silentLogger }, createAllocator(), silentLogger, 'rehearsal');
  const slices = new SlicedQueue(5);
  try {
    await slices.run(preloadDefinitions);
    const runs: Promise<void>[] = [];
    for (let i = 0; i < agents; i++) {
      runs.push(slices.run(() => {
        const validated = validateAgentCall(rehearsalCall(i, tasksPerAgent));
        if (!validated.ok || validated.call.type !== 'REGISTER') return;
        const parsed = parseRegistration(validated.call.register);
        if (parsed.ok) core.agents.register(parsed.value, new RecordIOStream(nowhere()), `rehearsal-${i}`);
      }));
    }
    await Promise.all(runs);
  } finally {
    core.stop();
  }
}
