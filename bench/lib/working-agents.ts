/**
 * Emulated agents that take work: each registers over the real agent channel (emulated-agents.ts)
 * and answers the master's events as a real agent's command executor would, without spawning:
 *  - RUN_TASK (and each task of RUN_TASK_GROUP): UPDATE TASK_RUNNING, then, after the task's
 *    duration, TASK_FINISHED;
 *  - KILL_TASK: TASK_KILLED (a task it does not know: TASK_LOST, as the real agent answers);
 *  - ACKNOWLEDGE: applied to the task's update stream.
 * Updates go through the agent's own StatusUpdateManager (cluster/agent/status-updates.ts): a task's
 * next update waits for the acknowledgement of the one before, and an unacknowledged one is re-sent
 * (after 10 s, doubling, as the agent's default), so the master's exactly-once path is exercised.
 * Each update carries what a real agent's does (task-updates.ts): source SOURCE_EXECUTOR, agent,
 * executor and container ids, a timestamp and a fresh uuid. The real agent also sends TASK_STARTING
 * before TASK_RUNNING; the emulator skips it (it would only add one update per task to every figure).
 *
 * A task's duration: `sleep N` as its command means N seconds, `true` means none; anything else
 * takes the emulator's default (never, or a number of ms).
 *
 * They run in child processes, 2,500 agents each, as the other emulated agents do.
 */
import * as http from 'node:http';
import { realClock, StatusUpdateManager, type StatusUpdate } from '../../cluster/agent/status-updates';
import { AGENT_CHANNEL_PATH, type AgentEvent } from '../../cluster/protocol/agent-channel';
import { newStatusUuid } from '../../cluster/protocol/ids';
import type { TaskInfo, TaskState } from '../../cluster/protocol/types';
import { runChild, sendToParent, untilParentSays } from './child';
import { forkEmulators, openAgentStream, registerCall, REGISTRATIONS_IN_FLIGHT, type EmulatedAgents } from './emulated-agents';
import { benchAgent, benchRequest } from './secure';

/** The real agent's default --status_update_retry_interval (Mesos's 10 s). */
const RETRY_MS = 10_000;

export interface WorkingAgentsOptions {
  /** How long a task runs when its command does not say: 'never' or ms (default 'never'). */
  taskMs?: number | 'never';
}

/** How long `task` runs: from `sleep N` / `true`, else the default. */
export function taskDurationMs(task: TaskInfo, defaultMs: number | 'never'): number | 'never' {
  const command = task.command?.value?.trim();
  if (command === 'true') return 0;
  const sleep = command?.match(/^sleep (\d+(?:\.\d+)?)$/);
  return sleep ? Number(sleep[1]) * 1000 : defaultMs;
}

interface Running { frameworkId: string; executorId: string; timer?: NodeJS.Timeout }

/** One emulated agent: its stream to the master, its tasks and its status update streams. */
class WorkingAgent {
  private streamId = '';
  private agentId = '';
  private readonly tasks = new Map<string, Running>();
  private readonly updates: StatusUpdateManager;

  constructor(private readonly masterUrl: string, private readonly index: number, private readonly calls: http.Agent, private readonly defaultMs: number | 'never') {
    this.updates = new StatusUpdateManager({
      clock: realClock, initialRetryMs: RETRY_MS, send: (update) => this.send(update),
      onStreamClosed: (update) => this.tasks.delete(update.status.task_id.value),
    });
  }

  register(): Promise<void> {
    return openAgentStream(this.masterUrl, JSON.stringify(registerCall(this.index)), this.calls, () => this.updates.close(), (event, streamId) => {
      this.streamId = streamId;
      this.onEvent(event);
    });
  }

  private onEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'RUN_TASK':
        this.run(event.run_task.framework_id.value, event.run_task.task);
        break;
      case 'RUN_TASK_GROUP':
        for (const task of event.run_task_group.task_group.tasks) this.run(event.run_task_group.framework_id.value, task, event.run_task_group.executor.executor_id.value);
        break;
      case 'KILL_TASK': {
        const taskId = event.kill_task.task_id.value;
        const running = this.tasks.get(taskId);
        if (running) clearTimeout(running.timer);
        this.report(event.kill_task.framework_id.value, taskId, running?.executorId ?? taskId, running ? 'TASK_KILLED' : 'TASK_LOST');
        break;
      }
      case 'ACKNOWLEDGE':
        this.updates.acknowledge(event.acknowledge.framework_id.value, event.acknowledge.task_id.value, event.acknowledge.uuid);
        break;
      default:
        break;
    }
  }

  private run(frameworkId: string, task: TaskInfo, executorId = task.executor?.executor_id.value ?? task.task_id.value): void {
    const taskId = task.task_id.value;
    this.agentId = task.agent_id.value;
    const running: Running = { frameworkId, executorId };
    this.tasks.set(taskId, running);
    this.report(frameworkId, taskId, executorId, 'TASK_RUNNING');
    const ms = taskDurationMs(task, this.defaultMs);
    if (ms !== 'never') running.timer = setTimeout(() => this.report(frameworkId, taskId, executorId, 'TASK_FINISHED'), ms);
  }

  private report(frameworkId: string, taskId: string, executorId: string, state: TaskState): void {
    this.updates.enqueue({
      framework_id: { value: frameworkId },
      status: {
        task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: this.agentId },
        executor_id: { value: executorId }, container_status: { container_id: { value: `container-${taskId}` } },
        timestamp: Date.now() / 1000, uuid: newStatusUuid(),
      },
    });
  }

  private send(update: StatusUpdate): void {
    const req = benchRequest(`${this.masterUrl}${AGENT_CHANNEL_PATH}`, {
      method: 'POST', agent: this.calls, headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.streamId },
    }, (res) => res.resume());
    // A lost update is re-sent by the update manager's retry, as the real agent's is.
    req.on('error', () => undefined);
    req.end(JSON.stringify({ type: 'UPDATE', agent_id: { value: this.agentId }, update }));
  }
}

/** Child side: registers agents offset..offset+count-1 once told to go, then works for them. */
async function runWorkingAgents(masterUrl: string, count: number, offset: number, defaultMs: number | 'never'): Promise<void> {
  const calls = benchAgent({ keepAlive: true, maxSockets: 32 });
  await untilParentSays('go');
  let next = 0;
  await Promise.all(Array.from({ length: REGISTRATIONS_IN_FLIGHT }, async () => {
    while (next < count) await new WorkingAgent(masterUrl, offset + next++, calls, defaultMs).register();
  }));
  sendToParent({ type: 'registered', count });
}

/** Parent side: forks emulator processes, registers `count` working agents and waits for all. */
export function startWorkingAgents(masterUrl: string, count: number, opts: WorkingAgentsOptions = {}, offset = 0): Promise<EmulatedAgents> {
  // The target carries the default duration too: forkEmulators passes one string through.
  return forkEmulators(__filename, 'working-agents', JSON.stringify({ masterUrl, taskMs: opts.taskMs ?? 'never' }), count, offset, 0);
}

if (require.main === module && process.argv[2] === 'working-agents') {
  const [, , , target, count, offset] = process.argv;
  const { masterUrl, taskMs } = JSON.parse(target) as { masterUrl: string; taskMs: number | 'never' };
  process.on('disconnect', () => process.exit(0));
  runChild(runWorkingAgents(masterUrl, Number(count), Number(offset), taskMs));
}
