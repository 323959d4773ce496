/**
 * What the agent runs, by framework: active tasks (running, or ended with their terminal update not
 * yet acknowledged) and a bounded history of completed ones for /state. Everything is keyed by id so
 * lookups stay constant-time however many tasks an agent holds.
 */
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '../protocol/types';
import type { FrameworkSnapshot, TaskSnapshot } from './state-json';

/**
 * What the agent asks of whatever runs a task: a TaskRunner (command tasks and task groups, run by
 * the agent itself) or an ExecutorTask (a task handed to a custom executor).
 */
export interface TaskRun {
  readonly state: TaskState;
  readonly isTerminal: boolean;
  /** Resolves after the terminal transition was reported. */
  readonly done: Promise<void>;
  /** The process that runs the task (a custom executor's, for its tasks), when known. */
  readonly pid: number | undefined;
  /** Resolves once the task is terminal. */
  kill(gracePeriodNanos?: number): Promise<void>;
}

/** Mesos's defaults for the history it keeps (max_completed_executors_per_framework, max_completed_frameworks). */
const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 150;
const MAX_COMPLETED_FRAMEWORKS = 50;

export interface TaskEntry {
  frameworkId: string;
  task: TaskInfo;
  executorId: string;
  /** The executor of a task group or a custom executor; absent for a command task. */
  executor?: ExecutorInfo;
  containerId: string;
  /** The run's directory, i.e. the executor's sandbox; a task of a group works in tasks/<task> inside it. */
  sandbox: string;
  /** The task's status update log. */
  updatesFile: string;
  runner: TaskRun;
  /** Every status the task went through, oldest first. */
  statuses: TaskStatus[];
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfo;
  tasks: Map<string, TaskEntry>;
  completed: TaskEntry[];
  /** The master removed it: its tasks are being killed and nothing more is reported. */
  shuttingDown: boolean;
}

export class TaskTable {
  private readonly active = new Map<string, FrameworkEntry>();
  /** Frameworks with nothing running any more, oldest first. */
  private readonly finished = new Map<string, FrameworkEntry>();

  task(frameworkId: string, taskId: string): TaskEntry | undefined {
    return this.active.get(frameworkId)?.tasks.get(taskId);
  }

  activeFramework(frameworkId: string): FrameworkEntry | undefined {
    return this.active.get(frameworkId);
  }

  /** The active entry of a framework, created (or revived from the history) when needed. */
  framework(id: string, info: FrameworkInfo | undefined): FrameworkEntry {
    let framework = this.active.get(id);
    if (!framework) {
      framework = this.finished.get(id) ?? { id, info: info ?? { user: '', name: '' }, tasks: new Map(), completed: [], shuttingDown: false };
      this.finished.delete(id);
      framework.shuttingDown = false;
      this.active.set(id, framework);
    }
    if (info) framework.info = { ...info, id: { value: id } };
    return framework;
  }

  add(entry: TaskEntry): void {
    this.framework(entry.frameworkId, undefined).tasks.set(entry.task.task_id.value, entry);
  }

  /** True when the task ran here and is over (its terminal update was acknowledged). */
  hasCompleted(frameworkId: string, taskId: string): boolean {
    const framework = this.active.get(frameworkId) ?? this.finished.get(frameworkId);
    return framework?.completed.some((t) => t.task.task_id.value === taskId) ?? false;
  }

  /** Moves a task to the history; a framework left with no active task moves there too. */
  complete(frameworkId: string, taskId: string): void {
    const framework = this.active.get(frameworkId);
    const entry = framework?.tasks.get(taskId);
    if (!framework || !entry) return;
    framework.tasks.delete(taskId);
    framework.completed.push(entry);
    if (framework.completed.length > MAX_COMPLETED_TASKS_PER_FRAMEWORK) framework.completed.shift();
    if (framework.tasks.size > 0) return;
    this.active.delete(frameworkId);
    framework.shuttingDown = false;
    this.finished.set(frameworkId, framework);
    if (this.finished.size > MAX_COMPLETED_FRAMEWORKS) this.finished.delete(this.finished.keys().next().value as string);
  }

  activeFrameworks(): IterableIterator<FrameworkEntry> {
    return this.active.values();
  }

  activeTasks(): TaskEntry[] {
    return [...this.active.values()].flatMap((f) => [...f.tasks.values()]);
  }

  get isEmpty(): boolean {
    return this.active.size === 0;
  }

  snapshot(): { frameworks: FrameworkSnapshot[]; completedFrameworks: FrameworkSnapshot[] } {
    const task = (e: TaskEntry): TaskSnapshot => ({
      task: e.task,
      frameworkId: e.frameworkId,
      executorId: e.executorId,
      ...(e.executor ? { executor: e.executor } : {}),
      containerId: e.containerId,
      directory: e.sandbox,
      state: e.runner.state,
      statuses: e.statuses,
    });
    const framework = (f: FrameworkEntry): FrameworkSnapshot => ({
      id: f.id,
      info: f.info,
      tasks: [...f.tasks.values()].map(task),
      completedTasks: f.completed.map(task),
    });
    return { frameworks: [...this.active.values()].map(framework), completedFrameworks: [...this.finished.values()].map(framework) };
  }
}
