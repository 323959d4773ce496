/**
 * Where a task's sandbox is, read from an agent's /state (Mesos's shape: frameworks -> executors ->
 * directory). Pure, so the master's file proxy and the clients share it.
 */
import { pathSegment } from './ids';

/**
 * The agent's checkpoint of one run, in the run's meta directory; it holds the task's pid, which
 * `mesoscloud destroy` reads to find tasks left behind.
 */
export const RUN_CHECKPOINT_FILE = 'run.json';

interface AgentStateExecutor {
  id?: string;
  /** 'DEFAULT' for the default executor, which runs task groups. */
  type?: string;
  directory?: string;
  tasks?: { id?: string }[];
  queued_tasks?: { id?: string }[];
  completed_tasks?: { id?: string }[];
}
interface AgentStateFramework {
  id?: string;
  executors?: AgentStateExecutor[];
  completed_executors?: AgentStateExecutor[];
}
export interface AgentState {
  frameworks?: AgentStateFramework[];
  completed_frameworks?: AgentStateFramework[];
}

/**
 * Where a task's stdout and stderr are. A command task's executor sandbox is the task's own; the
 * default executor of a task group gives each of its tasks a sandbox of its own in
 * `<executor directory>/tasks/<task id>`, as Mesos's does.
 */
export function findSandboxInState(state: AgentState, frameworkId: string, taskId: string): string | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
  for (const framework of frameworks) {
    if (framework.id !== frameworkId) continue;
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      if (!executor.directory) continue;
      const listsTask = [executor.tasks, executor.queued_tasks, executor.completed_tasks].some((list) => list?.some((t) => t.id === taskId));
      if (executor.type === 'DEFAULT') {
        if (listsTask) return `${executor.directory.replace(/\/+$/, '')}/tasks/${pathSegment(taskId)}`;
      } else if (listsTask || executor.id === taskId) {
        return executor.directory;
      }
    }
  }
  return undefined;
}
