/**
 * The cluster as the browser knows it, fed by the operator event stream: SUBSCRIBED replaces
 * everything, later events patch it. Maps keyed by id, so an event costs O(1) at any cluster size;
 * views recompute their aggregates when notified, at most a few times a second.
 */
import { isTerminal, taskKey, type Agent, type GetState, type OperatorEvent, type OperatorFramework, type Task } from './model';

/** Terminal tasks kept for the "completed" tables; the oldest go first. */
const MAX_COMPLETED_TASKS = 5000;
const MAX_COMPLETED_FRAMEWORKS = 200;
const NOTIFY_DELAY_MS = 150;

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface MasterSummary {
  cluster?: string;
  leader?: string;
  version?: string;
  startTime?: number;
  heartbeatSeconds?: number;
}

export class Store {
  readonly agents = new Map<string, Agent>();
  readonly frameworks = new Map<string, OperatorFramework>();
  readonly completedFrameworks = new Map<string, OperatorFramework>();
  /** Tasks not yet terminal (including unreachable ones), by taskKey. */
  readonly tasks = new Map<string, Task>();
  /** Terminal tasks in the order they ended, by taskKey. */
  readonly completedTasks = new Map<string, Task>();
  master: MasterSummary = {};
  /** From master/slaves_unreachable: unreachable agents are not in the event stream's agent list. */
  unreachableAgents?: number;
  connection: Connection = 'connecting';
  connectionError?: string;
  /** Whether a SUBSCRIBED snapshot has arrived since the page loaded. */
  loaded = false;

  private listeners = new Set<() => void>();
  private pending?: ReturnType<typeof setTimeout>;

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Coalesces bursts of events into one notification. */
  changed(): void {
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      for (const fn of [...this.listeners]) fn();
    }, NOTIFY_DELAY_MS);
  }

  setConnection(connection: Connection, error?: string): void {
    this.connection = connection;
    this.connectionError = error;
    this.changed();
  }

  setMaster(master: MasterSummary): void {
    this.master = { ...this.master, ...master };
    this.changed();
  }

  findTask(frameworkId: string, taskId: string): Task | undefined {
    const key = taskKey(frameworkId, taskId);
    return this.tasks.get(key) ?? this.completedTasks.get(key);
  }

  findFramework(id: string): OperatorFramework | undefined {
    return this.frameworks.get(id) ?? this.completedFrameworks.get(id);
  }

  apply(event: OperatorEvent): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        this.reset(event.subscribed.get_state ?? {});
        if (event.subscribed.heartbeat_interval_seconds) this.master.heartbeatSeconds = event.subscribed.heartbeat_interval_seconds;
        break;
      case 'TASK_ADDED':
        this.putTask(event.task_added.task);
        break;
      case 'TASK_UPDATED':
        this.updateTask(event.task_updated);
        break;
      case 'AGENT_ADDED':
        this.agents.set(event.agent_added.agent.agent_info.id!.value, event.agent_added.agent);
        break;
      case 'AGENT_REMOVED':
        this.agents.delete(event.agent_removed.agent_id.value);
        break;
      case 'FRAMEWORK_ADDED':
        this.putFramework(event.framework_added.framework);
        break;
      case 'FRAMEWORK_UPDATED':
        this.putFramework(event.framework_updated.framework);
        break;
      case 'FRAMEWORK_REMOVED': {
        const id = event.framework_removed.framework_info.id?.value;
        const framework = id === undefined ? undefined : this.frameworks.get(id);
        if (id !== undefined && framework) {
          this.frameworks.delete(id);
          // The event carries no time; the moment it arrived is close enough for the table.
          this.addCompletedFramework({ ...framework, active: false, connected: false, unregistered_time: framework.unregistered_time ?? { nanoseconds: Date.now() * 1e6 } });
        }
        break;
      }
      default:
        // HEARTBEAT and event types this UI does not show.
        return;
    }
    this.changed();
  }

  /** Replaces offered/allocated figures and drain state from a fresh GET_AGENTS (not in the event stream). */
  refreshAgents(agents: Agent[]): void {
    for (const agent of agents) {
      const id = agent.agent_info.id?.value;
      if (id !== undefined && this.agents.has(id)) this.agents.set(id, agent);
    }
    this.changed();
  }

  setUnreachableAgents(count: number | undefined): void {
    if (count === this.unreachableAgents) return;
    this.unreachableAgents = count;
    this.changed();
  }

  refreshFrameworks(frameworks: OperatorFramework[]): void {
    for (const framework of frameworks) {
      const id = framework.framework_info.id?.value;
      if (id !== undefined && this.frameworks.has(id)) this.frameworks.set(id, framework);
    }
    this.changed();
  }

  private reset(state: GetState): void {
    this.agents.clear();
    this.frameworks.clear();
    this.completedFrameworks.clear();
    this.tasks.clear();
    this.completedTasks.clear();
    for (const agent of state.get_agents?.agents ?? []) this.agents.set(agent.agent_info.id!.value, agent);
    for (const framework of state.get_frameworks?.frameworks ?? []) this.putFramework(framework);
    for (const framework of state.get_frameworks?.completed_frameworks ?? []) this.addCompletedFramework(framework);
    const tasks = state.get_tasks ?? {};
    const all = [...(tasks.completed_tasks ?? []), ...(tasks.pending_tasks ?? []), ...(tasks.tasks ?? []), ...(tasks.unreachable_tasks ?? [])];
    // Completed tables read newest first; the snapshot carries no order, so order by last status time.
    all.sort((a, b) => lastTimestamp(a) - lastTimestamp(b));
    for (const task of all) this.putTask(task);
    this.loaded = true;
  }

  private putTask(task: Task): void {
    const key = taskKey(task.framework_id.value, task.task_id.value);
    if (isTerminal(task.state)) {
      this.tasks.delete(key);
      this.addCompletedTask(key, task);
    } else {
      this.tasks.set(key, task);
    }
  }

  private updateTask(update: Extract<OperatorEvent, { type: 'TASK_UPDATED' }>['task_updated']): void {
    const key = taskKey(update.framework_id.value, update.status.task_id.value);
    const task = this.tasks.get(key) ?? this.completedTasks.get(key);
    if (!task) return;
    const statuses = task.statuses ?? [];
    const last = statuses[statuses.length - 1];
    const repeated = last && last.state === update.status.state && last.timestamp === update.status.timestamp;
    const next: Task = { ...task, state: update.state, statuses: repeated ? statuses : [...statuses, update.status] };
    if (isTerminal(next.state)) {
      this.tasks.delete(key);
      this.addCompletedTask(key, next);
    } else {
      this.tasks.set(key, next);
    }
  }

  private addCompletedTask(key: string, task: Task): void {
    // Re-inserting moves the task to the newest end.
    this.completedTasks.delete(key);
    this.completedTasks.set(key, task);
    trim(this.completedTasks, MAX_COMPLETED_TASKS);
  }

  private putFramework(framework: OperatorFramework): void {
    const id = framework.framework_info.id!.value;
    this.completedFrameworks.delete(id);
    this.frameworks.set(id, framework);
  }

  private addCompletedFramework(framework: OperatorFramework): void {
    const id = framework.framework_info.id!.value;
    this.completedFrameworks.delete(id);
    this.completedFrameworks.set(id, framework);
    trim(this.completedFrameworks, MAX_COMPLETED_FRAMEWORKS);
  }
}

export function lastTimestamp(task: Task): number {
  const statuses = task.statuses ?? [];
  return statuses.length ? statuses[statuses.length - 1].timestamp ?? 0 : 0;
}

function trim<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}
