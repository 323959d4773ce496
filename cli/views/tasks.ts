/** `mesoscloud tasks`: tasks with their state, framework and agent, filtered as asked. */
import type { GetTasks } from '../../cluster/protocol/operator';
import { isTerminalState, TASK_STATES, type Task, type TaskState } from '../../cluster/protocol/types';
import { FlagError } from '../errors';
import { renderTable } from '../render/table';
import { taskView, type TaskView } from '../status-view';

export interface TaskFilter {
  /** Include tasks that have ended. */
  all: boolean;
  /** Only these states; a terminal state here includes ended tasks without --all. */
  states?: ReadonlySet<TaskState>;
  frameworkId?: string;
}

/** Every task the master knows, each once: live ones first, then the ended ones it remembers. */
export function allTasks(tasks: GetTasks): Task[] {
  return [...(tasks.pending_tasks ?? []), ...(tasks.tasks ?? []), ...(tasks.unreachable_tasks ?? []), ...(tasks.completed_tasks ?? [])];
}

export function filterTasks(tasks: GetTasks, filter: TaskFilter): TaskView[] {
  const withEnded = filter.all || [...(filter.states ?? [])].some(isTerminalState);
  return allTasks(tasks)
    .filter((t) => (withEnded || !isTerminalState(t.state))
      && (!filter.states || filter.states.has(t.state))
      && (!filter.frameworkId || t.framework_id.value === filter.frameworkId))
    .map(taskView);
}

/** `--state running,TASK_FINISHED`: Mesos's names, with or without TASK_, in any case. */
export function parseTaskStates(flag: string, input: string): Set<TaskState> {
  const names = input.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new FlagError(`--${flag} must be a comma-separated list of task states, got '${input}'`);
  const states = new Set<TaskState>();
  for (const name of names) {
    const upper = name.toUpperCase();
    const state = (TASK_STATES as readonly string[]).find((s) => s === upper || s === `TASK_${upper}`);
    if (!state) throw new FlagError(`--${flag}: '${name}' is not a task state; allowed: ${TASK_STATES.join(', ')} (TASK_ may be left out)`);
    states.add(state as TaskState);
  }
  return states;
}

export function renderTasks(rows: TaskView[], filter: Pick<TaskFilter, 'all' | 'states'>): string[] {
  if (rows.length === 0) {
    return [filter.all || filter.states ? 'No tasks match.' : 'No live tasks. See ended ones with --all.'];
  }
  return renderTable(
    ['ID', 'NAME', 'STATE', 'HEALTH', 'FRAMEWORK', 'AGENT', 'RESOURCES', 'UPDATED'],
    rows.map((t) => [t.id, t.name, t.state, t.health ?? '—', t.framework_id, t.agent_id, t.resources, t.updated ?? '']),
  );
}
