/**
 * A task group, run the way Mesos's default executor runs one: each task is a TaskRunner with its
 * own process group and its own sandbox nested in the executor's, and the tasks share one container,
 * a single set of cgroups limited to the executor's resources plus the tasks'. Their fate is shared
 * too: when a task fails or is killed, the others are killed (the default executor's only restart
 * policy). The cgroups go once the last task is over.
 */
import type { Resource, TaskState } from '../protocol/types';
import type { Logger } from '../util/log';
import type { ContainerCgroups, Isolator } from './cgroups';
import type { TaskRunner } from './task-runner';
import { limitsOf } from './task-runner';

/** End states of a task that take the rest of its group down, as in the default executor. */
const KILLS_THE_GROUP: ReadonlySet<TaskState> = new Set<TaskState>(['TASK_FAILED', 'TASK_KILLED']);

export class TaskGroup {
  private readonly runners: TaskRunner[] = [];
  private cgroups?: Promise<ContainerCgroups>;
  private killing = false;
  private removing = false;

  /**
   * What the group's tasks launch with instead of the agent's isolator: every task gets the group's
   * cgroups, created on first use, and none of them may signal or remove what its siblings share.
   * Each task still kills its own process group; the group clears the cgroups at the end.
   */
  readonly isolator: Isolator;

  constructor(
    private readonly containerId: string,
    /** The executor's resources and every task's: what the container is limited to. */
    private readonly resources: Resource[],
    private readonly agentIsolator: Isolator,
    private readonly logger: Logger,
  ) {
    this.isolator = {
      kind: agentIsolator.kind,
      prepare: () => this.sharedCgroups(false),
      recover: () => this.sharedCgroups(true),
      usage: (id) => agentIsolator.usage(id),
    };
  }

  /** Adds a task before any task of the group starts. */
  add(runner: TaskRunner): void {
    this.runners.push(runner);
    void runner.done.then(() => this.onTaskEnded(runner));
  }

  /** `recovered`: the group was started by a previous agent process, its cgroups exist already. */
  private async sharedCgroups(recovered: boolean): Promise<ContainerCgroups> {
    this.cgroups ??= (recovered ? this.agentIsolator.recover : this.agentIsolator.prepare).call(this.agentIsolator, this.containerId, limitsOf(this.resources));
    const shared = await this.cgroups;
    return {
      procsFiles: shared.procsFiles,
      pids: async () => [],
      memoryLimitation: (killedBySigkill) => shared.memoryLimitation(killedBySigkill),
      destroy: async () => undefined,
    };
  }

  private onTaskEnded(runner: TaskRunner): void {
    if (KILLS_THE_GROUP.has(runner.state) && !this.killing) {
      this.killing = true;
      const others = this.runners.filter((r) => !r.isTerminal);
      if (others.length > 0) this.logger.info('killing the rest of the task group', { task_id: runner.taskId, state: runner.state, tasks: others.map((r) => r.taskId) });
      for (const other of others) void other.kill();
    }
    if (!this.removing && this.runners.every((r) => r.isTerminal)) {
      this.removing = true;
      void this.removeContainer();
    }
  }

  private async removeContainer(): Promise<void> {
    try {
      if (this.cgroups) await (await this.cgroups).destroy();
    } catch (err) {
      this.logger.warn('cgroup cleanup failed', { container_id: this.containerId, error: (err as Error).message });
    }
  }
}
