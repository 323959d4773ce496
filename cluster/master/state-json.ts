/**
 * GET /state (and /master/state): Mesos's legacy JSON, which UIs and tools parse. Built in one pass over
 * the registry and cached per registry version, so polling it on a 10,000-agent cluster costs a write
 * of the same bytes until something changes.
 */
import type { CommandInfo, TaskStatus } from '../protocol/types';
import type { MasterCore } from './core';
import { agentViews } from './agent-views';
import { masterFlags } from './flags';
import type { OfferRecord } from './offers';
import { agentPid } from './operator-views';
import { hasCapability, type AgentRecord, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from './registry';
import { amount, computeUsage, type Usage } from './usage';
import { UsageCache } from './usage-cache';
import { buildInfo, MASTER_VERSION } from './version';

type Json = Record<string, unknown>;

/** How a list of tasks appears in /state: as JSON values, or as anything that stands for them. */
type RenderTasks = (tasks: TaskRecord[]) => unknown;

const renderTasksAsJson: RenderTasks = (tasks) => tasks.map(legacyTask);

interface TaskText { state: string; statuses: number; last: TaskStatus | undefined; bytes: Buffer }

/**
 * The /state body, rebuilt only when the registry changed and then mostly from parts kept between
 * builds: each task's JSON (until its state or statuses change) and each agent's resource sums
 * (usage-cache.ts). At 100,000 tasks, rendering and stringifying every task again is most of the
 * cost of a build; here a build after a change renders only the tasks that changed and splices the
 * kept bytes into the skeleton. The body is kept as bytes, sent as they are.
 */
export class StateJsonCache {
  private cached?: { version: number; body: Buffer };
  private readonly usage = new UsageCache();
  private readonly taskTexts = new WeakMap<TaskRecord, TaskText>();

  constructor(private readonly core: MasterCore) {}

  body(): Buffer {
    const version = this.core.registry.version;
    if (this.cached?.version === version) return this.cached.body;
    const body = this.build();
    this.cached = { version, body };
    return body;
  }

  text(): string { return this.body().toString('utf8') }

  /** The skeleton (everything but task lists) is stringified; the kept task texts are spliced in as bytes. */
  private build(): Buffer {
    const lists: TaskRecord[][] = [];
    // Stands in for a task list in the skeleton; a nonce per build so no string in the state can pose as one.
    const nonce = Math.random().toString(36).slice(2);
    const skeleton = JSON.stringify(buildState(this.core, this.usage.compute(this.core), (tasks) => {
      lists.push(tasks);
      return `\u0001${nonce}#${lists.length - 1}`;
    }));
    // JSON.stringify writes the control character as the six characters \u0001.
    const pieces = skeleton.split(new RegExp(`"\\\\u0001${nonce}#(\\d+)"`));
    const chunks: Buffer[] = [];
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) {
        chunks.push(Buffer.from(pieces[i], 'utf8'));
        continue;
      }
      const tasks = lists[Number(pieces[i])];
      chunks.push(OPEN);
      for (let k = 0; k < tasks.length; k++) {
        if (k > 0) chunks.push(COMMA);
        chunks.push(this.taskBytes(tasks[k]));
      }
      chunks.push(CLOSE);
    }
    return Buffer.concat(chunks);
  }

  private taskBytes(task: TaskRecord): Buffer {
    const last = task.statuses[task.statuses.length - 1];
    const kept = this.taskTexts.get(task);
    if (kept && kept.state === task.state && kept.statuses === task.statuses.length && kept.last === last) return kept.bytes;
    const bytes = Buffer.from(JSON.stringify(legacyTask(task)), 'utf8');
    this.taskTexts.set(task, { state: task.state, statuses: task.statuses.length, last, bytes });
    return bytes;
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export function buildState(core: MasterCore, usage: Usage = computeUsage(core), renderTasks: RenderTasks = renderTasksAsJson): Json {
  const executorsByFramework = new Map<string, Json[]>();
  const slaves: Json[] = [];
  let activated = 0;
  let deactivated = 0;
  let unreachable = 0;
  for (const agent of core.registry.agents.values()) {
    if (agent.connection === 'unreachable') {
      unreachable++;
      continue;
    }
    if (agent.connection === 'connected') activated++;
    else deactivated++;
    slaves.push(legacyAgent(agent, usage));
    for (const executor of agent.executors.values()) {
      const list = executorsByFramework.get(executor.frameworkId);
      const json = legacyExecutor(executor);
      if (list) list.push(json);
      else executorsByFramework.set(executor.frameworkId, [json]);
    }
  }
  const { masterInfo } = core;
  const pid = `master@${masterInfo.address?.ip ?? core.opts.ip}:${masterInfo.port}`;
  const state: Json = {
    version: MASTER_VERSION,
    ...buildInfo(),
    start_time: core.startTime / 1000,
    elected_time: (core.electedTime ?? core.startTime) / 1000,
    id: core.id,
    pid,
    hostname: masterInfo.hostname,
    capabilities: [],
    activated_slaves: activated,
    deactivated_slaves: deactivated,
    unreachable_slaves: unreachable,
    leader: pid,
    leader_info: masterInfo,
    flags: masterFlags(core.opts, masterInfo.port),
    slaves,
    recovered_slaves: [],
    frameworks: [...core.registry.frameworks.values()].map((f) => legacyFramework(core, f, usage, executorsByFramework.get(f.id) ?? [], renderTasks)),
    completed_frameworks: core.registry.completedFrameworks.toArray().map((f) => legacyFramework(core, f, usage, [], renderTasks)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  if (core.opts.cluster !== undefined) state.cluster = core.opts.cluster;
  return state;
}

export function legacyAgent(agent: AgentRecord, usage: Usage): Json {
  const views = agentViews(agent);
  const json: Json = {
    id: agent.id,
    pid: agentPid(agent),
    hostname: agent.hostname,
    port: agent.port,
    registered_time: agent.registeredTime / 1000,
    resources: views.legacyTotal,
    used_resources: amount(usage.usedByAgent, agent.id).toLegacyJson(),
    offered_resources: amount(usage.offeredByAgent, agent.id).toLegacyJson(),
    reserved_resources: views.legacyReserved,
    unreserved_resources: views.legacyUnreserved,
    attributes: views.legacyAttributes,
    active: agent.connection === 'connected',
    // Operator deactivation (DEACTIVATE_AGENT, DRAIN_AGENT); a disconnected agent is only inactive.
    deactivated: usage.maintenance?.(agent.id)?.deactivated === true,
    version: agent.version,
    capabilities: [],
  };
  if (agent.reregisteredTime !== undefined) json.reregistered_time = agent.reregisteredTime / 1000;
  const drain = usage.maintenance?.(agent.id)?.drain;
  if (drain) json.drain_info = { state: drain.state, config: drain.config };
  return json;
}

export function legacyFramework(
  core: MasterCore, framework: FrameworkRecord, usage: Usage, executors: Json[], renderTasks: RenderTasks = renderTasksAsJson,
): Json {
  const { info } = framework;
  const used = amount(usage.usedByFramework, framework.id);
  const offered = amount(usage.offeredByFramework, framework.id);
  const tasks: TaskRecord[] = [];
  const unreachableTasks: TaskRecord[] = [];
  for (const task of framework.tasks.values()) (task.state === 'TASK_UNREACHABLE' ? unreachableTasks : tasks).push(task);
  const json: Json = {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: framework.registeredTime / 1000,
    unregistered_time: (framework.unregisteredTime ?? 0) / 1000,
    resources: used.plus(offered).toLegacyJson(),
    used_resources: used.toLegacyJson(),
    offered_resources: offered.toLegacyJson(),
    tasks: renderTasks(tasks),
    unreachable_tasks: renderTasks(unreachableTasks),
    completed_tasks: renderTasks(framework.completedTasks.toArray()),
    offers: core.offers.forFramework(framework).map(legacyOffer),
    executors,
    offer_constraints: {},
  };
  if (info.principal !== undefined) json.principal = info.principal;
  if (framework.reregisteredTime !== undefined) json.reregistered_time = framework.reregisteredTime / 1000;
  // As Mesos mirrors FrameworkInfo: multi-role frameworks have `roles` and no `role`, the others the reverse.
  if (hasCapability(info, 'MULTI_ROLE')) json.roles = framework.roles;
  else json.role = framework.roles[0];
  if (info.labels) json.labels = info.labels.labels;
  return json;
}

export function legacyTask(task: TaskRecord): Json {
  const json: Json = {
    id: task.taskId,
    name: task.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId ?? '',
    slave_id: task.agentId,
    state: task.state,
    resources: task.resources.toLegacyJson(),
    role: task.role,
    statuses: task.statuses.map(legacyStatus),
  };
  if (task.info.labels) json.labels = task.info.labels.labels;
  return json;
}

function legacyStatus(status: TaskStatus): Json {
  const json: Json = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.healthy !== undefined) json.healthy = status.healthy;
  if (status.container_status) json.container_status = status.container_status;
  return json;
}

function legacyOffer(offer: OfferRecord): Json {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    slave_id: offer.agentId,
    resources: offer.resources.toLegacyJson(),
    allocation_info: { role: offer.role },
  };
}

export function legacyExecutor(executor: ExecutorRecord): Json {
  const { info } = executor;
  const json: Json = {
    executor_id: executor.executorId,
    name: info.name ?? '',
    framework_id: executor.frameworkId,
    command: legacyCommand(info.command ?? {}),
    resources: executor.resources.toLegacyJson(),
  };
  if (!executor.resources.isEmpty()) json.role = executor.role;
  const labels = (info as { labels?: { labels?: unknown[] } }).labels;
  if (labels?.labels) json.labels = labels.labels;
  if (info.type !== undefined) json.type = info.type;
  json.slave_id = executor.agentId;
  return json;
}

function legacyCommand(command: CommandInfo): Json {
  const json: Json = {};
  if (command.shell !== undefined) json.shell = command.shell;
  if (command.value !== undefined) json.value = command.value;
  json.argv = command.arguments ?? [];
  if (command.environment) json.environment = command.environment;
  json.uris = (command.uris ?? []).map((uri) => ({ value: uri.value, executable: uri.executable ?? false }));
  return json;
}
