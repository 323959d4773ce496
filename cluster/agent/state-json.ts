/**
 * The agent's /state document in Mesos's shape (src/slave/http.cpp): legacy resource objects,
 * attributes as a name -> value map, frameworks with their executors and tasks, ids as plain
 * strings. Pure: it renders a snapshot the agent hands it.
 */
import { reservationRole } from '../protocol/reservation-summary';
import { attributesToLegacy } from '../protocol/attributes';
import { Resources } from '../protocol/resources';
import { withUnreservedRole } from '../protocol/v1-resources';
import type { BuildInfo } from '../util/build-info';
import type { Attribute, ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState, TaskStatus } from '../protocol/types';

export interface TaskSnapshot {
  task: TaskInfo;
  frameworkId: string;
  executorId: string;
  /** The default executor of a task group, or a custom executor; absent for a command task. */
  executor?: ExecutorInfo;
  containerId: string;
  /** The executor's sandbox. */
  directory: string;
  state: TaskState;
  statuses: TaskStatus[];
}

export interface FrameworkSnapshot {
  id: string;
  info: FrameworkInfo;
  tasks: TaskSnapshot[];
  completedTasks: TaskSnapshot[];
}

export interface AgentSnapshot {
  version: string;
  build: BuildInfo;
  startTime: number;
  agentId?: string;
  hostname: string;
  pid: string;
  resources: Resources;
  /** What live tasks and their executors hold. */
  allocated: Resources;
  attributes: Attribute[];
  masterHostname?: string;
  /** Left out of the document when undefined (a principal that may not view them). */
  flags?: Record<string, string>;
  frameworks: FrameworkSnapshot[];
  completedFrameworks: FrameworkSnapshot[];
  /**
   * The checkpointed resources (dynamic reservations, persistent volumes) as the master sent them,
   * already applied to `resources`; `staticResources` is what is left of the agent's own resources.
   */
  checkpointed?: { resources: Resource[]; staticResources: Resources };
  /** The persistent volumes attached in a run's sandboxes (volumes.ts), by container. */
  volumes?: (containerId: string) => unknown[];
}

function legacyResources(list: Resource[]): Record<string, number | string> {
  try {
    return Resources.fromV1(list).toLegacyJson();
  } catch {
    return {};
  }
}

function statusJson(status: TaskStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { state: status.state, timestamp: status.timestamp };
  if (status.container_status) out.container_status = status.container_status;
  if (status.healthy !== undefined) out.healthy = status.healthy;
  if (status.check_status !== undefined) out.check_status = status.check_status;
  return out;
}

function taskJson(t: TaskSnapshot, agentId: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.task.task_id.value,
    name: t.task.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId,
    slave_id: agentId ?? '',
    state: t.state,
    resources: legacyResources(t.task.resources),
    statuses: t.statuses.map(statusJson),
  };
  if (t.task.labels) out.labels = t.task.labels.labels;
  if (t.task.health_check) out.health_check = t.task.health_check;
  return out;
}

/** An executor's name and source: a task group's default executor's own, or Mesos's command executor's. */
export function executorNaming(task: TaskInfo, executor: ExecutorInfo | undefined): { name: string; source: string } {
  if (executor) return { name: executor.name ?? '', source: '' };
  return { name: `Command Executor (Task: ${task.task_id.value}) (Command: sh -c '${(task.command?.value ?? '').slice(0, 30)}')`, source: task.task_id.value };
}

/**
 * One executor run: a command task (its own executor, named after the task as Mesos's command
 * executor is) or a task group under its default executor. `active` are the tasks still running or
 * with an unacknowledged terminal update; `completed` are over.
 */
function executorJson(active: TaskSnapshot[], completed: TaskSnapshot[], agentId: string | undefined, volumes?: AgentSnapshot['volumes']): Record<string, unknown> {
  const first = active[0] ?? completed[0];
  const all = [...active, ...completed];
  const executor = first.executor;
  return {
    id: first.executorId,
    ...executorNaming(first.task, executor),
    // A custom executor brings the command that starts it; the default executor (task groups) none.
    ...(executor ? { type: executor.type ?? (executor.command ? 'CUSTOM' : 'DEFAULT') } : {}),
    container: first.containerId,
    directory: first.directory,
    resources: legacyResources([...(executor?.resources ?? []), ...all.flatMap((t) => t.task.resources)]),
    tasks: active.map((t) => taskJson(t, agentId)),
    queued_tasks: [],
    completed_tasks: completed.map((t) => taskJson(t, agentId)),
    // Not in Mesos's /state: which persistent volumes the run has, and how (bind mount or symlink).
    ...(volumes && volumes(first.containerId).length > 0 ? { volumes: volumes(first.containerId) } : {}),
  };
}

/** The framework's tasks as executors: runs with an active task, and runs that are over. */
function executorsJson(f: FrameworkSnapshot, agentId: string | undefined, volumes?: AgentSnapshot['volumes']): { executors: unknown[]; completed: unknown[] } {
  const runs = new Map<string, { active: TaskSnapshot[]; completed: TaskSnapshot[] }>();
  const run = (t: TaskSnapshot) => {
    let r = runs.get(t.containerId);
    if (!r) runs.set(t.containerId, (r = { active: [], completed: [] }));
    return r;
  };
  for (const t of f.tasks) run(t).active.push(t);
  for (const t of f.completedTasks) run(t).completed.push(t);
  const executors: unknown[] = [];
  const completed: unknown[] = [];
  for (const r of runs.values()) (r.active.length > 0 ? executors : completed).push(executorJson(r.active, r.completed, agentId, volumes));
  return { executors, completed };
}

function frameworkJson(f: FrameworkSnapshot, agentId: string | undefined, volumes?: AgentSnapshot['volumes']): Record<string, unknown> {
  const { executors, completed } = executorsJson(f, agentId, volumes);
  return {
    id: f.id,
    name: f.info.name,
    user: f.info.user,
    failover_timeout: f.info.failover_timeout ?? 0,
    checkpoint: f.info.checkpoint ?? false,
    role: f.info.role ?? f.info.roles?.[0] ?? '*',
    hostname: f.info.hostname ?? '',
    executors,
    completed_executors: completed,
  };
}


const legacy = (r: Resources) => r.toLegacyJson();

/**
 * reserved_resources_full: each role's reservations in full, the checkpointed ones as the master sent
 * them (reservations stack, labels, disk.persistence and disk.volume), the static ones as the agent has them.
 */
function reservedFull(s: AgentSnapshot): Record<string, Resource[]> {
  if (!s.checkpointed) return s.resources.byReservedRole((r) => r.toV1());
  const out = s.checkpointed.staticResources.byReservedRole((r) => r.toV1());
  for (const r of s.checkpointed.resources) {
    const role = reservationRole(r);
    if (role === undefined) continue;
    (out[role] ??= []).push(r);
  }
  return out;
}

/**
 * Field by field as Mesos's agent writes /state (src/slave/http.cpp, docs/endpoints/slave/state.md).
 * Left out as Mesos leaves them out when unset: git_sha/git_branch/git_tag (not built from a Mesos
 * checkout), domain (no --domain), log_dir and external_log_file (logs go to stderr), drain_config.
 */
export function agentStateJson(s: AgentSnapshot): Record<string, unknown> {
  return {
    version: s.version,
    build_date: s.build.build_date,
    build_time: s.build.build_time,
    build_user: s.build.build_user,
    start_time: s.startTime,
    id: s.agentId ?? '',
    pid: s.pid,
    hostname: s.hostname,
    // The agent declares no capabilities when it registers, so it claims none here.
    capabilities: [],
    resources: s.resources.toLegacyJson(),
    reserved_resources: s.resources.byReservedRole(legacy),
    unreserved_resources: s.resources.unreserved().toLegacyJson(),
    reserved_resources_full: reservedFull(s),
    unreserved_resources_full: withUnreservedRole(s.resources.unreserved().toV1()),
    reserved_resources_allocated: s.allocated.byReservedRole(legacy),
    unreserved_resources_allocated: s.allocated.unreserved().toLegacyJson(),
    // No resource providers (CSI storage) here.
    resource_providers: [],
    attributes: attributesToLegacy(s.attributes),
    master_hostname: s.masterHostname,
    flags: s.flags,
    frameworks: s.frameworks.map((f) => frameworkJson(f, s.agentId, s.volumes)),
    completed_frameworks: s.completedFrameworks.map((f) => frameworkJson(f, s.agentId, s.volumes)),
  };
}
