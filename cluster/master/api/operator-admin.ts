/**
 * Operator calls that change the cluster or reach into agents (master.proto): weights, quota,
 * maintenance (deactivate, reactivate, drain, gone), teardown, task kills and sandbox files. Every
 * call is validated whole, so a 400 names the field; ids the master does not know are 404s that
 * name the id. Calls that change something answer 200 with no body, as Mesos does; KILL_TASK (a
 * mesoscloud extension) answers 202 like the scheduler's KILL.
 */
import type { z } from 'zod';
import { apiError, quote } from '../../protocol/errors';
import {
  deactivateAgentCall, drainAgentCall, killTaskCall, listFilesCall, markAgentGoneCall, reactivateAgentCall,
  readFileCall, teardownCall, updateQuotaCall, updateWeightsCall,
} from '../../protocol/operator-admin-calls';
import type { QuotaConfig, ScalarMap } from '../../protocol/operator';
import { isTerminalState } from '../../protocol/types';
import { validateWith, type OperatorCall } from '../../protocol/validate';
import type { MasterCore } from '../core';
import type { OperatorCallHandler } from './operator-call';
import { findTask, type AgentRecord, type FrameworkRecord, type TaskRecord } from '../state/records';
import { getRoles } from '../views/roles';

const DONE = { status: 200 };

function parse<T>(schema: z.ZodType<T>, call: OperatorCall): T {
  const result = validateWith(schema, call);
  if (!result.ok) throw apiError('INVALID_OPERATOR_CALL', result.message);
  return result.call;
}

function knownAgent(core: MasterCore, id: string): AgentRecord {
  const agent = core.records.agents.get(id);
  if (agent) return agent;
  const gone = core.settings.isGone(id) ? ' (it was marked gone)' : '';
  throw apiError('NOT_FOUND', `agent ${quote(id)} is not registered${gone}`);
}

function knownFramework(core: MasterCore, id: string): FrameworkRecord {
  const framework = core.records.frameworks.get(id);
  if (framework) return framework;
  const completed = core.records.isCompletedFramework(id) ? ' (it was torn down)' : '';
  throw apiError('NOT_FOUND', `framework ${quote(id)} is not known${completed}`);
}

/** The task KILL_TASK names: in its framework if given, else in the one framework that has it. */
function taskToKill(core: MasterCore, taskId: string, frameworkId: string | undefined): { framework: FrameworkRecord; task: TaskRecord } {
  const candidates = frameworkId !== undefined ? [knownFramework(core, frameworkId)] : [...core.records.frameworks.values()];
  const live = candidates.filter((f) => f.tasks.has(taskId));
  if (live.length > 1) {
    throw apiError('BAD_REQUEST', `task id ${quote(taskId)} is used by frameworks ${live.map((f) => quote(f.id)).join(', ')}; set 'kill_task.framework_id'`);
  }
  if (live.length === 1) {
    const task = live[0].tasks.get(taskId)!;
    if (isTerminalState(task.state)) throw apiError('CONFLICT', `task ${quote(taskId)} has already ended (${task.state})`);
    return { framework: live[0], task };
  }
  for (const framework of candidates) {
    const ended = findTask(framework, taskId);
    if (ended) throw apiError('CONFLICT', `task ${quote(taskId)} has already ended (${ended.state})`);
  }
  throw apiError('NOT_FOUND', `task ${quote(taskId)} is not known${frameworkId !== undefined ? ` in framework ${quote(frameworkId)}` : ''}`);
}

/** Mesos refuses guarantees beyond what the cluster has, unless forced. */
function checkCapacity(core: MasterCore, configs: QuotaConfig[]): void {
  const guaranteed = new Map<string, number>();
  const byRole = new Map(core.settings.quotas().map((q) => [q.role, q]));
  for (const config of configs) byRole.set(config.role, config);
  for (const config of byRole.values()) {
    for (const [name, { value }] of Object.entries(config.guarantees ?? {})) guaranteed.set(name, (guaranteed.get(name) ?? 0) + value);
  }
  if (guaranteed.size === 0) return;
  const total = new Map<string, number>();
  for (const agent of core.records.reachableAgents()) {
    for (const name of agent.total.scalarNames()) total.set(name, (total.get(name) ?? 0) + agent.total.scalar(name));
  }
  for (const [name, amount] of guaranteed) {
    const available = total.get(name) ?? 0;
    if (amount > available + 1e-9) {
      throw apiError('CONFLICT', `total quota guarantees of '${name}' (${amount}) exceed the cluster's ${available}; set 'update_quota.force' to accept anyway`);
    }
  }
}

function quotaInfos(configs: QuotaConfig[]) {
  return configs
    .filter((c) => Object.keys(c.guarantees ?? {}).length > 0)
    .map((c) => ({ role: c.role, guarantee: scalarResources(c.guarantees ?? {}) }));
}

function scalarResources(map: ScalarMap) {
  return Object.entries(map).map(([name, { value }]) => ({ name, type: 'SCALAR' as const, scalar: { value } }));
}

export const ADMIN_CALLS: Record<string, OperatorCallHandler> = {
  GET_ROLES: ({ core }) => ({ json: { type: 'GET_ROLES', get_roles: getRoles(core) } }),

  GET_WEIGHTS: ({ core }) => ({ json: { type: 'GET_WEIGHTS', get_weights: { weight_infos: core.settings.weights() } } }),

  UPDATE_WEIGHTS: ({ core }, call) => {
    const { update_weights } = parse(updateWeightsCall, call);
    core.settings.updateWeights(update_weights.weight_infos);
    core.records.touch();
    core.requestAllocation();
    return DONE;
  },

  GET_QUOTA: ({ core }) => {
    const configs = core.settings.quotas();
    return { json: { type: 'GET_QUOTA', get_quota: { status: { infos: quotaInfos(configs), configs } } } };
  },

  UPDATE_QUOTA: ({ core }, call) => {
    const { update_quota } = parse(updateQuotaCall, call);
    const configs = update_quota.quota_configs as QuotaConfig[];
    const roles = new Set<string>();
    configs.forEach((config, i) => {
      if (roles.has(config.role)) throw apiError('INVALID_OPERATOR_CALL', `'update_quota.quota_configs[${i}].role': role ${quote(config.role)} is listed twice`);
      roles.add(config.role);
    });
    if (!update_quota.force) checkCapacity(core, configs);
    core.settings.updateQuotas(configs);
    core.records.touch();
    core.requestAllocation();
    return DONE;
  },

  TEARDOWN: ({ core }, call) => {
    const { teardown } = parse(teardownCall, call);
    core.frameworks.remove(knownFramework(core, teardown.framework_id.value), 'torn down by the operator');
    return DONE;
  },

  KILL_TASK: ({ core }, call) => {
    const { kill_task } = parse(killTaskCall, call);
    const { framework, task } = taskToKill(core, kill_task.task_id.value, kill_task.framework_id?.value);
    core.log.info('operator kills a task', { framework_id: framework.id, task_id: task.taskId });
    core.tasks.kill(framework, task.taskId, task.info.kill_policy);
    return { status: 202 };
  },

  MARK_AGENT_GONE: ({ core }, call) => {
    const { mark_agent_gone } = parse(markAgentGoneCall, call);
    const id = mark_agent_gone.agent_id.value;
    if (core.settings.isGone(id)) return DONE;
    core.maintenance.markGone(knownAgent(core, id));
    return DONE;
  },

  DEACTIVATE_AGENT: ({ core }, call) => {
    const { deactivate_agent } = parse(deactivateAgentCall, call);
    core.maintenance.deactivate(knownAgent(core, deactivate_agent.agent_id.value));
    return DONE;
  },

  REACTIVATE_AGENT: ({ core }, call) => {
    const { reactivate_agent } = parse(reactivateAgentCall, call);
    core.maintenance.reactivate(knownAgent(core, reactivate_agent.agent_id.value));
    return DONE;
  },

  DRAIN_AGENT: ({ core }, call) => {
    const { drain_agent } = parse(drainAgentCall, call);
    const agent = knownAgent(core, drain_agent.agent_id.value);
    core.maintenance.drain(agent, {
      ...(drain_agent.max_grace_period ? { max_grace_period: { nanoseconds: drain_agent.max_grace_period.nanoseconds } } : {}),
      mark_gone: drain_agent.mark_gone ?? false,
    });
    return DONE;
  },

  LIST_FILES: async ({ sandboxes }, call) => {
    const { list_files } = parse(listFilesCall, call);
    const fileInfos = await sandboxes.list(list_files.path, 'list_files.path');
    return { json: { type: 'LIST_FILES', list_files: { file_infos: fileInfos } } };
  },

  READ_FILE: async ({ sandboxes }, call) => {
    const { read_file } = parse(readFileCall, call);
    const read = await sandboxes.read(read_file.path, 'read_file.path', read_file.offset, read_file.length);
    return { json: { type: 'READ_FILE', read_file: read } };
  },
};
