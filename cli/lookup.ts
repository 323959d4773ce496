/**
 * Turning an id the operator typed into the task, agent or framework it names, from the master's
 * lists. The candidate lists are pure (tested alone); the find* functions fetch and resolve.
 */
import type { OperatorClient } from '../cluster/client/operator';
import type { OperatorAgent, OperatorFramework } from '../cluster/protocol/operator';
import { isTerminalState, type Task } from '../cluster/protocol/types';
import { resolveId, type IdCandidate } from './id-match';
import { allTasks } from './views/tasks';

export interface LookupContext {
  /** "cluster 'local'", or "master 10.0.0.5:5050" when --master was given. */
  where: string;
  /** "mesoscloud" */
  bin: string;
  /** " --cluster dev" or "", appended to suggested commands. */
  clusterArg: string;
}

export function taskCandidates(tasks: readonly Task[]): IdCandidate<Task>[] {
  return tasks.map((t) => ({ id: t.task_id.value, item: t, describe: `${t.task_id.value} (framework ${t.framework_id.value}, ${t.state})` }));
}

export function agentCandidates(agents: readonly OperatorAgent[]): IdCandidate<OperatorAgent>[] {
  return agents.map((a) => ({ id: a.agent_info.id?.value ?? '', item: a, describe: `${a.agent_info.id?.value ?? ''} (${a.agent_info.hostname})` }));
}

export function frameworkCandidates(frameworks: readonly OperatorFramework[]): IdCandidate<OperatorFramework>[] {
  return frameworks.map((f) => ({ id: f.framework_info.id?.value ?? '', item: f, describe: `${f.framework_info.id?.value ?? ''} (${f.framework_info.name})` }));
}

/**
 * Task ids are unique only within a framework (exec reuses the task name as its id), so one id may
 * name several tasks: the one that is still live wins, else the operator narrows with --framework.
 */
export function resolveTask(input: string, tasks: readonly Task[], ctx: LookupContext, frameworkId?: string): Task {
  const pool = frameworkId ? tasks.filter((t) => t.framework_id.value === frameworkId) : tasks;
  return resolveId(input, taskCandidates(pool), {
    kind: 'task',
    where: ctx.where,
    listCommand: `${ctx.bin} tasks --all${frameworkId ? ` --framework ${frameworkId}` : ''}${ctx.clusterArg}`,
    narrow: 'pick one with --framework <framework id>',
  }, (t) => !isTerminalState(t.state));
}

export function resolveAgent(input: string, agents: readonly OperatorAgent[], ctx: LookupContext): OperatorAgent {
  return resolveId(input, agentCandidates(agents), { kind: 'agent', where: ctx.where, listCommand: `${ctx.bin} agents${ctx.clusterArg}` });
}

export function resolveFramework(input: string, frameworks: readonly OperatorFramework[], ctx: LookupContext, withCompleted: boolean): OperatorFramework {
  return resolveId(input, frameworkCandidates(frameworks), {
    kind: 'framework',
    where: ctx.where,
    listCommand: `${ctx.bin} frameworks${withCompleted ? ' --all' : ''}${ctx.clusterArg}`,
  }, (f) => f.active);
}

export async function findFramework(operator: OperatorClient, input: string, ctx: LookupContext, withCompleted: boolean): Promise<OperatorFramework> {
  const got = await operator.getFrameworks();
  const pool = [...(got.frameworks ?? []), ...(withCompleted ? got.completed_frameworks ?? [] : [])];
  return resolveFramework(input, pool, ctx, withCompleted);
}

export async function findAgent(operator: OperatorClient, input: string, ctx: LookupContext): Promise<OperatorAgent> {
  return resolveAgent(input, (await operator.getAgents()).agents, ctx);
}

/** `--framework` narrows by a framework id (or a unique part of one) among live and ended frameworks. */
export async function findTask(operator: OperatorClient, input: string, ctx: LookupContext, frameworkInput?: string): Promise<Task> {
  const [tasks, framework] = await Promise.all([
    operator.getTasks(),
    frameworkInput ? findFramework(operator, frameworkInput, ctx, true) : Promise.resolve(undefined),
  ]);
  return resolveTask(input, allTasks(tasks), ctx, framework?.framework_info.id?.value);
}

/** The task's current state, or undefined once the master no longer knows it. */
export async function taskState(operator: OperatorClient, frameworkId: string, taskId: string): Promise<Task | undefined> {
  const tasks = allTasks(await operator.getTasks());
  return tasks.find((t) => t.task_id.value === taskId && t.framework_id.value === frameworkId && !isTerminalState(t.state))
    ?? tasks.find((t) => t.task_id.value === taskId && t.framework_id.value === frameworkId);
}
