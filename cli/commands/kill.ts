import { Args, Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT, EXIT_CODES_HELP } from '../errors';

export interface KillJson {
  task_id: string;
  framework_id: string;
  agent_id: string;
  /** The state the task ended in; its state when asked, with --no-wait or when interrupted. */
  state: string;
  already_ended: boolean;
  waited: boolean;
}

export default class Kill extends OperatorCommand<typeof Kill> {
  static summary = 'Kill a task, as its framework would, and wait until it has ended.';

  static description =
    'Asks the master to kill the task on its agent (the task\'s kill policy and grace period apply), ' +
    'then waits until the task reaches a terminal state and prints it. --no-wait returns once the master ' +
    'has taken the request. TASK is a task id or a unique prefix; when several frameworks ran a task of ' +
    'that id, the one still running is taken, else pick one with --framework. Killing a task that has ' +
    'already ended changes nothing and says so. Ctrl-C stops waiting (the kill goes on; exit 130).\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> my-service',
    '<%= config.bin %> <%= command.id %> my-service --framework 0002 --no-wait',
    '<%= config.bin %> <%= command.id %> sleeper --json',
  ];

  static args = {
    task: Args.string({ description: 'task id, or a unique prefix of one', required: true }),
  };

  static flags = {
    framework: Flags.string({ description: 'the framework the task belongs to (id or unique part of it)' }),
    wait: Flags.boolean({ description: 'wait until the task has ended', default: true, allowNo: true }),
  };

  async run(): Promise<KillJson> {
    const [{ findTask, taskState }, { pollUntil, withInterrupt }, { isTerminalState }] = await Promise.all([
      import('../lookup'), import('../wait'), import('../../cluster/protocol/types'),
    ]);
    return this.withOperator(async (operator) => {
      const task = await findTask(operator, this.args.task, this.lookup, this.flags.framework);
      const ids = { task_id: task.task_id.value, framework_id: task.framework_id.value, agent_id: task.agent_id.value };
      if (isTerminalState(task.state)) {
        this.log(`Task '${ids.task_id}' has already ended: ${task.state}`);
        return { ...ids, state: task.state, already_ended: true, waited: false };
      }
      try {
        await operator.killTask(ids.task_id, ids.framework_id);
      } catch (err) {
        // It ended between the lookup and the kill.
        if ((err as { status?: number }).status !== 409) throw err;
        const now = await taskState(operator, ids.framework_id, ids.task_id);
        this.log(`Task '${ids.task_id}' has already ended: ${now?.state ?? 'TASK_GONE'}`);
        return { ...ids, state: now?.state ?? 'TASK_GONE', already_ended: true, waited: false };
      }
      if (!this.flags.wait) {
        this.log(`Asked to kill task '${ids.task_id}' (framework ${ids.framework_id}) on agent ${ids.agent_id}`);
        return { ...ids, state: task.state, already_ended: false, waited: false };
      }
      this.logToStderr(`Asked to kill task '${ids.task_id}' on agent ${ids.agent_id}; waiting for it to end`);
      const ended = await withInterrupt((signal) => pollUntil(async () => {
        const now = await taskState(operator, ids.framework_id, ids.task_id);
        if (!now) return 'TASK_GONE';
        return isTerminalState(now.state) ? now.state : undefined;
      }, { intervalMs: 500, signal }));
      if (!ended) {
        this.logToStderr('Stopped waiting; the master goes on killing the task.');
        process.exitCode = EXIT.interrupted;
        return { ...ids, state: task.state, already_ended: false, waited: false };
      }
      this.log(`Task '${ids.task_id}' is ${ended}`);
      return { ...ids, state: ended, already_ended: false, waited: true };
    });
  }
}
