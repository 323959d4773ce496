import { Args, Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT, EXIT_CODES_HELP, FlagError } from '../errors';

export interface LogsJson {
  task_id: string;
  framework_id: string;
  agent_id: string;
  state: string;
  file: string;
  path: string;
  size: number;
  data: string;
}

export default class Logs extends OperatorCommand<typeof Logs> {
  static summary = "Print a task's stdout (or --stderr), read through the master.";

  static description =
    'Reads the file from the task\'s sandbox through the master\'s file proxy, so it works when the agents ' +
    'cannot be reached from here. TASK is a task id or a unique prefix of one; when several frameworks ran ' +
    'a task of that id, the one still running is taken, else pick one with --framework. --follow keeps ' +
    'printing what the task writes until it has ended and everything it wrote is printed; Ctrl-C stops ' +
    'following (exit 130). --json prints the file as one object (not with --follow).\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> hello',
    '<%= config.bin %> <%= command.id %> my-service --stderr --follow',
    '<%= config.bin %> <%= command.id %> hello --framework 0003 --json',
  ];

  static args = {
    task: Args.string({ description: 'task id, or a unique prefix of one', required: true }),
  };

  static flags = {
    stderr: Flags.boolean({ description: 'print stderr instead of stdout', default: false }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing until the task has ended', default: false }),
    framework: Flags.string({ description: 'the framework the task belongs to (id or unique part of it)' }),
  };

  async run(): Promise<LogsJson | undefined> {
    const { flags } = this;
    if (flags.follow && this.jsonEnabled()) {
      throw new FlagError('--follow prints the file as it grows and --json prints one JSON document; use one of them, got both');
    }
    const [{ findTask, taskState }, logs, { sleep, withInterrupt }, { isTerminalState }] = await Promise.all([
      import('../lookup'), import('../task-logs'), import('../wait'), import('../../cluster/protocol/types'),
    ]);
    const file = flags.stderr ? 'stderr' : 'stdout';
    return this.withOperator(async (operator) => {
      const task = await findTask(operator, this.args.task, this.lookup, flags.framework);
      const taskId = task.task_id.value;
      const frameworkId = task.framework_id.value;
      const path = logs.sandboxPath(frameworkId, taskId, file);

      if (!flags.follow) {
        const chunks: Buffer[] = [];
        let size: number;
        try {
          size = await logs.readFrom(operator, path, 0, (data) => (this.jsonEnabled() ? chunks.push(data) : process.stdout.write(data)));
        } catch (err) {
          if (!logs.isMissingFile(err)) throw err;
          throw Object.assign(new Error(`task '${taskId}' has no ${file} yet (it is ${task.state})`), {
            code: 'NO_SANDBOX_FILE',
            suggestions: isTerminalState(task.state) ? ['the task ended before it could write anything'] : [`wait for it with: ${this.config.bin} logs ${taskId} --follow${this.clusterArg}`],
          });
        }
        return {
          task_id: taskId, framework_id: frameworkId, agent_id: task.agent_id.value, state: task.state, file, path, size,
          data: Buffer.concat(chunks).toString('utf8'),
        };
      }

      const result = await withInterrupt((signal) => logs.followFile({
        reader: operator,
        path,
        write: (data) => process.stdout.write(data),
        ended: async () => {
          const now = await taskState(operator, frameworkId, taskId);
          return !now || isTerminalState(now.state);
        },
        sleep: (ms) => sleep(ms, signal),
        stopped: () => signal.aborted,
      }));
      if (result.stopped) {
        process.exitCode = EXIT.interrupted;
      } else if (!result.found) {
        this.logToStderr(`Task '${taskId}' ended without writing ${file}.`);
      }
      return undefined;
    });
  }
}
