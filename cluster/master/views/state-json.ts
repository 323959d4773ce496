/**
 * Mesos's legacy /state JSON (and the per-record views /slaves, /frameworks and /tasks share with it),
 * rendered from the master's records. buildState renders the whole document in one go; state-cache.ts keeps
 * the same parts as bytes between builds, which is what GET /state serves.
 */
import type { CommandInfo, TaskStatus } from '../../protocol/types';
import type { Resources } from '../../protocol/resources';
import type { AgentSettings } from '../state/cluster-settings';
import type { MasterCore } from '../core';
import { agentViews } from './agent-views';
import { masterFlags } from '../options';
import type { OfferRecord } from '../state/offers';
import { agentPid } from './operator-views';
import { hasCapability, type AgentRecord, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from '../state/records';
import { amount, computeUsage, type Usage } from './usage';
import { buildInfo } from '../../util/build-info';
import { MASTER_VERSION } from '../version';

type Json = Record<string, unknown>;

/** How a list of tasks appears in /state: as JSON values, or as anything that stands for them. */
type RenderTasks = (tasks: TaskRecord[]) => unknown;

const renderTasksAsJson: RenderTasks = (tasks) => tasks.map(legacyTask);

export interface AgentCounts { activated: number; deactivated: number; unreachable: number }

/**
 * The document's fields before `slaves` (head) and after `completed_frameworks` (tail). Between them
 * come slaves, recovered_slaves, frameworks and completed_frameworks, in that order.
 */
export function legacyStateParts(core: MasterCore, counts: AgentCounts): { head: Json; tail: Json } {
  const { masterInfo } = core;
  const pid = `master@${masterInfo.address?.ip ?? core.opts.ip}:${masterInfo.port}`;
  const head: Json = {
    version: MASTER_VERSION,
    ...buildInfo(),
    start_time: core.startTime / 1000,
    elected_time: (core.electedTime ?? core.startTime) / 1000,
    id: core.id,
    pid,
    hostname: masterInfo.hostname,
    capabilities: [],
    activated_slaves: counts.activated,
    deactivated_slaves: counts.deactivated,
    unreachable_slaves: counts.unreachable,
    leader: pid,
    leader_info: masterInfo,
    flags: masterFlags(core.opts, masterInfo.port),
  };
  const tail: Json = { orphan_tasks: [], unregistered_frameworks: [] };
  if (core.opts.cluster !== undefined) tail.cluster = core.opts.cluster;
  return { head, tail };
}

/** The whole document as one JSON value. */
export function buildState(core: MasterCore, usage: Usage = computeUsage(core), renderTasks: RenderTasks = renderTasksAsJson): Json {
  const executorsByFramework = new Map<string, Json[]>();
  const slaves: Json[] = [];
  const counts: AgentCounts = { activated: 0, deactivated: 0, unreachable: 0 };
  for (const agent of core.records.agents.values()) {
    if (agent.connection === 'unreachable') {
      counts.unreachable++;
      continue;
    }
    if (agent.connection === 'connected') counts.activated++;
    else counts.deactivated++;
    slaves.push(legacyAgent(agent, usage));
    for (const executor of agent.executors.values()) {
      const list = executorsByFramework.get(executor.frameworkId);
      const json = legacyExecutor(executor);
      if (list) list.push(json);
      else executorsByFramework.set(executor.frameworkId, [json]);
    }
  }
  const { head, tail } = legacyStateParts(core, counts);
  return {
    ...head,
    slaves,
    recovered_slaves: [],
    frameworks: [...core.records.frameworks.values()].map((f) => legacyFramework(core, f, usage, executorsByFramework.get(f.id) ?? [], renderTasks)),
    completed_frameworks: core.records.completedFrameworks.toArray().map((f) => legacyFramework(core, f, usage, [], renderTasks)),
    ...tail,
  };
}

export function legacyAgent(agent: AgentRecord, usage: Usage): Json {
  return legacyAgentWith(agent, amount(usage.usedByAgent, agent.id), amount(usage.offeredByAgent, agent.id), usage.maintenance?.(agent.id));
}

export function legacyAgentWith(agent: AgentRecord, used: Resources, offered: Resources, settings: AgentSettings | undefined): Json {
  const views = agentViews(agent);
  const json: Json = {
    id: agent.id,
    pid: agentPid(agent),
    hostname: agent.hostname,
    port: agent.port,
    registered_time: agent.registeredTime / 1000,
    resources: views.legacyTotal,
    used_resources: used.toLegacyJson(),
    offered_resources: offered.toLegacyJson(),
    reserved_resources: views.legacyReserved,
    unreserved_resources: views.legacyUnreserved,
    reserved_resources_full: views.reservedFull,
    unreserved_resources_full: views.unreservedFull,
    attributes: views.legacyAttributes,
    active: agent.connection === 'connected',
    // Operator deactivation (DEACTIVATE_AGENT, DRAIN_AGENT); a disconnected agent is only inactive.
    deactivated: settings?.deactivated === true,
    version: agent.version,
    capabilities: [],
  };
  if (agent.reregisteredTime !== undefined) json.reregistered_time = agent.reregisteredTime / 1000;
  const drain = settings?.drain;
  if (drain) json.drain_info = { state: drain.state, config: drain.config };
  return json;
}

export function legacyFramework(
  core: MasterCore, framework: FrameworkRecord, usage: Usage, executors: Json[], renderTasks: RenderTasks = renderTasksAsJson,
): Json {
  const { head, tail } = legacyFrameworkParts(framework, amount(usage.usedByFramework, framework.id), amount(usage.offeredByFramework, framework.id));
  const tasks: TaskRecord[] = [];
  const unreachableTasks: TaskRecord[] = [];
  for (const task of framework.tasks.values()) (task.state === 'TASK_UNREACHABLE' ? unreachableTasks : tasks).push(task);
  return {
    ...head,
    tasks: renderTasks(tasks),
    unreachable_tasks: renderTasks(unreachableTasks),
    completed_tasks: renderTasks(framework.completedTasks.toArray()),
    offers: core.offers.forFramework(framework).map(legacyOffer),
    executors,
    ...tail,
  };
}

/**
 * A framework's fields before its lists (head) and after them (tail). Between them come tasks,
 * unreachable_tasks (live tasks split by state), completed_tasks, offers and executors, in that order.
 */
export function legacyFrameworkParts(framework: FrameworkRecord, used: Resources, offered: Resources): { head: Json; tail: Json } {
  const { info } = framework;
  const head: Json = {
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
  };
  const tail: Json = { offer_constraints: framework.offerConstraints?.sent ?? {} };
  if (info.principal !== undefined) tail.principal = info.principal;
  if (framework.reregisteredTime !== undefined) tail.reregistered_time = framework.reregisteredTime / 1000;
  // As Mesos mirrors FrameworkInfo: multi-role frameworks have `roles` and no `role`, the others the reverse.
  if (hasCapability(info, 'MULTI_ROLE')) tail.roles = framework.roles;
  else tail.role = framework.roles[0];
  if (info.labels) tail.labels = info.labels.labels;
  return { head, tail };
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
  if (task.info.health_check) json.health_check = task.info.health_check;
  return json;
}

function legacyStatus(status: TaskStatus): Json {
  const json: Json = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.healthy !== undefined) json.healthy = status.healthy;
  if (status.check_status !== undefined) json.check_status = status.check_status;
  if (status.container_status) json.container_status = status.container_status;
  return json;
}

export function legacyOffer(offer: OfferRecord): Json {
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
