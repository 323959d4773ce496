/**
 * A task handed to a custom executor. The agent does not run it: its states are the ones the
 * executor reports (UPDATE), except where the agent has the last word, when the task never reached
 * the executor (killed while queued) or the executor is gone (exited, never subscribed). A kill is
 * the executor's to carry out: it is forwarded, and the task ends when the executor says so.
 */
import type { TaskInfo, TaskState } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { TaskRun } from './task-table';

export interface ExecutorTaskHost {
  /** The executor's process id, once started. */
  readonly pid: number | undefined;
  /** Forwards a kill to the executor (or ends the task at once when the executor never got it). */
  killTask(task: ExecutorTask, gracePeriodNanos: number | undefined): void;
}

export class ExecutorTask implements TaskRun {
  private currentState: TaskState;
  private settle!: () => void;
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));
  /** Sent to the executor in a LAUNCH (or reported by it on re-subscription). */
  launched = false;

  constructor(readonly task: TaskInfo, private readonly host: ExecutorTaskHost, state: TaskState = 'TASK_STAGING') {
    this.currentState = state;
    if (this.isTerminal) this.settle();
  }

  get state(): TaskState { return this.currentState }
  get isTerminal(): boolean { return isTerminalState(this.currentState) }
  get pid(): number | undefined { return this.host.pid }
  get taskId(): string { return this.task.task_id.value }

  /** A state reported by the executor or decided by the agent; nothing follows a terminal one. */
  moveTo(state: TaskState): void {
    if (this.isTerminal) return;
    this.currentState = state;
    if (this.isTerminal) this.settle();
  }

  kill(gracePeriodNanos?: number): Promise<void> {
    if (!this.isTerminal) this.host.killTask(this, gracePeriodNanos);
    return this.done;
  }
}
