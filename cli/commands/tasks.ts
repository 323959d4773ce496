import { Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { TaskState } from '../../cluster/protocol/types';
import type { TaskView } from '../status-view';

export default class Tasks extends OperatorCommand<typeof Tasks> {
  static summary = 'List tasks: the live ones, or all the master remembers with --all.';

  static description =
    'One row per task: id, name, state, health (healthy or unhealthy, as its health check last reported; ' +
    '— without one), framework, agent, resources and the time of its latest status ' +
    'update. Without --all only tasks that have not ended are listed. --state keeps the given states ' +
    '(and looks at ended tasks when one of them is a terminal state); --framework keeps one framework\'s ' +
    'tasks (its id, a unique prefix, or the part after the last \'-\').\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all',
    '<%= config.bin %> <%= command.id %> --state TASK_RUNNING,TASK_STAGING',
    '<%= config.bin %> <%= command.id %> --state failed,killed --json',
    '<%= config.bin %> <%= command.id %> --framework 0001 --all',
  ];

  static flags = {
    all: Flags.boolean({ description: 'include tasks that have ended', default: false }),
    state: Flags.custom<Set<TaskState>>({
      description: 'only tasks in these states, comma-separated (TASK_RUNNING or running)',
      parse: async (input) => (await import('../views/tasks')).parseTaskStates('state', input),
    })(),
    framework: Flags.string({ description: "only this framework's tasks (id or unique part of it)" }),
  };

  async run(): Promise<{ tasks: TaskView[] }> {
    const { filterTasks, renderTasks } = await import('../views/tasks');
    const { findFramework } = await import('../lookup');
    const { all, state, framework } = this.flags;
    const rows = await this.withOperator(async (operator) => {
      const [tasks, fw] = await Promise.all([
        operator.getTasks(),
        framework ? findFramework(operator, framework, this.lookup, true) : Promise.resolve(undefined),
      ]);
      return filterTasks(tasks, { all, states: state, frameworkId: fw?.framework_info.id?.value });
    });
    for (const line of renderTasks(rows, { all, states: state })) this.log(line);
    return { tasks: rows };
  }
}
