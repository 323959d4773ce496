/**
 * The master's in-memory records of agents, frameworks, tasks and executors, all in Maps keyed by id
 * so every event touches only what it names ("registry" means only the replicated registry, ha/). Records are plain data; the managers change them and call
 * `touch()` so cached views (/state) know they are stale.
 */
import type { OfferConstraintsFilter } from '../../allocator';
import type { RecordIOStream } from '../../http/server';
import type { Resources } from '../../protocol/resources';
import type {
  AgentInfo, ExecutorInfo, FrameworkInfo, OfferConstraints, TaskInfo, TaskState, TaskStatus, Unavailability,
} from '../../protocol/types';
import type { TimerHandle } from '../../util/clock';
import { BoundedList } from './bounded-list';

/** Statuses kept per task (Mesos keeps them all; the first and a short tail are what /state and UIs show). */
export const MAX_STATUSES_PER_TASK = 16;

export interface TaskRecord {
  frameworkId: string;
  taskId: string;
  agentId: string;
  name: string;
  /** Set for tasks launched with an executor (LAUNCH_GROUP or custom executor). */
  executorId?: string;
  role: string;
  /** What the task holds in the allocator, executor resources excluded. */
  resources: Resources;
  info: TaskInfo;
  state: TaskState;
  /** Oldest first, bounded by MAX_STATUSES_PER_TASK; `data` is dropped to keep memory flat. */
  statuses: TaskStatus[];
  /**
   * Forwarded updates waiting for the scheduler's ACKNOWLEDGE: uuid -> state, oldest first. This and
   * `acknowledged` are created with their first entry: most of 100,000 tasks have neither, and an
   * empty Map or Set costs about 150 bytes of heap.
   */
  pendingAcks?: Map<string, TaskState>;
  /**
   * Uuids of updates acknowledged (by the scheduler, or by the master on its behalf). An agent that
   * missed the acknowledgement retries the update; the master answers it instead of forwarding it again.
   */
  acknowledged?: Set<string>;
  /** The latest update with a uuid the agent sent (Task.status_update_state/uuid in Mesos). */
  latestUpdate?: { uuid: string; state: TaskState };
  /** The master has told the framework something about the task since the agent's latest update. */
  masterSpokeLast: boolean;
  /** The task's resources went back to the allocator (it reached a terminal state). */
  resourcesRecovered: boolean;
  /** A KILL arrived while the agent was away; sent again when it re-registers. */
  killRequested: boolean;
}

export interface ExecutorRecord {
  frameworkId: string;
  executorId: string;
  agentId: string;
  /** The role whose offer the executor's resources came from. */
  role: string;
  info: ExecutorInfo;
  resources: Resources;
  /** Tasks of this executor that still hold resources; the executor's own resources go back with the last. */
  liveTasks: Set<string>;
}

export type AgentConnection = 'connected' | 'disconnected' | 'unreachable';

export interface AgentRecord {
  id: string;
  info: AgentInfo;
  hostname: string;
  port: number;
  /** host:port where the agent serves /files and /state. */
  pid: string;
  /** Who registered it (--authenticate_agents); only that principal may register again under its id. */
  principal?: string;
  version: string;
  /** Its base resources (AgentInfo.resources) with `checkpointed` applied: what the allocator has. */
  total: Resources;
  /**
   * Dynamic reservations and persistent volumes on the agent (the master's list wins over the agent's;
   * kept in the replicated registry, sent to the agent as CHECKPOINT_RESOURCES).
   */
  checkpointed: Resources;
  registeredTime: number;
  reregisteredTime?: number;
  unreachableTime?: number;
  connection: AgentConnection;
  /** Admitted by an earlier leader (replicated registry) and not re-registered with this one yet. */
  recovered?: boolean;
  /** The allocator knows this agent (false once unreachable or removed, until it re-registers). */
  inAllocator: boolean;
  stream?: RecordIOStream;
  streamId?: string;
  missedPings: number;
  awaitingPong: boolean;
  pingTimer?: TimerHandle;
  /** Keyed by taskKey(frameworkId, taskId). */
  tasks: Map<string, TaskRecord>;
  /** Keyed by taskKey(frameworkId, executorId). */
  executors: Map<string, ExecutorRecord>;
  offerIds: Set<string>;
  /** While its machine is scheduled for maintenance (DRAINING): sent in every offer of it. */
  unavailability?: Unavailability;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  partitionAware: boolean;
  /** Declared TASK_KILLING_STATE: only such frameworks are told TASK_KILLING. */
  killingAware: boolean;
  /** Known only from tasks that agents reported; the scheduler has not subscribed to this master. */
  recovered: boolean;
  connected: boolean;
  active: boolean;
  stream?: RecordIOStream;
  streamId?: string;
  heartbeatTimer?: TimerHandle;
  failoverTimer?: TimerHandle;
  registeredTime: number;
  reregisteredTime?: number;
  unregisteredTime?: number;
  /** Live tasks, and terminal ones whose last update is not yet acknowledged. Keyed by task id. */
  tasks: Map<string, TaskRecord>;
  completedTasks: BoundedList<TaskRecord>;
  /** The tasks of `completedTasks` by id, so a late update for one finds it. */
  completedById: Map<string, TaskRecord>;
  offerIds: Set<string>;
  suppressedRoles: Set<string>;
  /** From SUBSCRIBE or UPDATE_FRAMEWORK: as sent (for the views) and compiled (no filter: none apply). */
  offerConstraints?: FrameworkConstraints;
}

export interface FrameworkConstraints { sent: OfferConstraints; filter?: OfferConstraintsFilter }

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** Moves a task to its framework's completed tasks (bounded: the oldest one is forgotten). */
export function retireTask(framework: FrameworkRecord, task: TaskRecord): void {
  framework.tasks.delete(task.taskId);
  framework.completedById.set(task.taskId, task);
  const evicted = framework.completedTasks.push(task);
  if (evicted && framework.completedById.get(evicted.taskId) === evicted) framework.completedById.delete(evicted.taskId);
}

/** A live task, or a completed one still remembered. */
export function findTask(framework: FrameworkRecord, taskId: string): TaskRecord | undefined {
  return framework.tasks.get(taskId) ?? framework.completedById.get(taskId);
}

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === type);
}

/** Roles a framework receives offers for: `roles` with MULTI_ROLE, else `role`, default '*'. */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return info.roles && info.roles.length > 0 ? [...info.roles] : ['*'];
  return [info.role ?? '*'];
}

export class MasterRecords {
  readonly agents = new Map<string, AgentRecord>();
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: BoundedList<FrameworkRecord>;
  private readonly completedIds = new Set<string>();
  private changeCount = 0;

  constructor(private readonly maxCompletedTasks: number, maxCompletedFrameworks: number) {
    this.completedFrameworks = new BoundedList(maxCompletedFrameworks);
  }

  /** Increases on every change; cached views compare it. */
  get version(): number { return this.changeCount }
  touch(): void { this.changeCount++ }

  newFramework(info: FrameworkInfo, now: number, recovered: boolean): FrameworkRecord {
    const id = info.id!.value;
    const record: FrameworkRecord = {
      id,
      info,
      roles: frameworkRoles(info),
      partitionAware: hasCapability(info, 'PARTITION_AWARE'),
      killingAware: hasCapability(info, 'TASK_KILLING_STATE'),
      recovered,
      connected: false,
      active: false,
      registeredTime: now,
      tasks: new Map(),
      completedTasks: new BoundedList(this.maxCompletedTasks),
      completedById: new Map(),
      offerIds: new Set(),
      suppressedRoles: new Set(),
    };
    this.frameworks.set(id, record);
    this.touch();
    return record;
  }

  /** Moves a removed framework to the completed list (bounded; the oldest is forgotten). */
  completeFramework(framework: FrameworkRecord): void {
    this.frameworks.delete(framework.id);
    this.completedIds.add(framework.id);
    const evicted = this.completedFrameworks.push(framework);
    if (evicted) this.completedIds.delete(evicted.id);
    this.touch();
  }

  isCompletedFramework(id: string): boolean { return this.completedIds.has(id) }

  /** Registered agents that are not unreachable. */
  *reachableAgents(): IterableIterator<AgentRecord> {
    for (const agent of this.agents.values()) if (agent.connection !== 'unreachable') yield agent;
  }
}
