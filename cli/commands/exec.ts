import * as os from 'node:os';
import { Flags } from '@oclif/core';
import { BaseCommand, masterFlag } from '../base-command';
import { FlagError } from '../errors';
import { durationValue, envValue, resourcesValue } from '../flag-values';

export interface ExecJson {
  framework_id?: string;
  task_id: string;
  agent_id?: string;
  state?: string;
  exit_code: number;
  statuses: { state: string; message?: string; source?: string; reason?: string; timestamp?: number }[];
}

export default class Exec extends BaseCommand<typeof Exec> {
  static summary = 'Run a command as a task on the cluster, like mesos-execute.';

  static description =
    'Subscribes a short-lived framework, launches the command on the first agent whose offer holds the ' +
    'requested resources, prints every status update as mesos-execute does, acknowledges it, and tears ' +
    'the framework down when the task ends. Exits 0 when the task finished, 1 when it failed, was killed ' +
    'or lost. Ctrl-C kills the task and waits for its last update; a second Ctrl-C exits at once.';

  static examples = [
    '<%= config.bin %> <%= command.id %> --name hello --command "echo hello world"',
    '<%= config.bin %> <%= command.id %> --name build --command "make -j2" --resources "cpus:2;mem:1024" --stream',
    `<%= config.bin %> <%= command.id %> --name nap --command "sleep 60" --kill-after 5secs`,
    `<%= config.bin %> <%= command.id %> --name env --command 'echo $GREETING' --env '{"GREETING":"hi"}'`,
    '<%= config.bin %> <%= command.id %> --name probe --command "uptime" --master 10.0.0.5:5050 --json',
  ];

  static flags = {
    master: masterFlag(),
    name: Flags.string({ description: 'task name, also its task id', required: true }),
    command: Flags.string({ description: 'command to run (through /bin/sh -c unless --no-shell)', required: true }),
    resources: Flags.custom<string>({
      description: 'resources the task needs',
      default: 'cpus:1;mem:128',
      parse: async (input) => resourcesValue('resources', input),
    })(),
    env: Flags.custom<Record<string, string>>({
      description: 'environment variables, as a JSON object of strings',
      parse: async (input) => envValue('env', input),
    })(),
    role: Flags.string({ description: 'role the framework subscribes with', default: '*' }),
    'kill-after': Flags.custom<number>({
      description: 'kill the task this long after it started running (e.g. 10secs, 2mins)',
      parse: async (input) => durationValue('kill-after', input),
    })(),
    shell: Flags.boolean({ description: 'run the command through a shell', default: true, allowNo: true }),
    checkpoint: Flags.boolean({ description: 'ask the agent to checkpoint the task, so it survives an agent restart', default: false }),
    stream: Flags.boolean({ description: "print the task's stdout and stderr while it runs", default: false }),
  };

  async run(): Promise<ExecJson> {
    const { flags } = this;
    if (flags.stream && this.jsonEnabled()) {
      throw new FlagError('--stream prints the task\'s output and --json prints one JSON document; use one of them, got both');
    }
    if (flags.name.trim() === '') throw new FlagError("--name must not be empty, got ''");
    const master = await this.resolveMaster(flags.master);
    const { ExecSession } = await import('../../cluster/client/exec-session');
    const streams = flags.stream ? await import('../exec-stream') : undefined;
    let follower: { stop(): Promise<void> } | undefined;

    const session = new ExecSession({
      master,
      name: flags.name,
      command: flags.command,
      shell: flags.shell,
      resources: flags.resources,
      role: flags.role,
      env: flags.env,
      killAfterMs: flags['kill-after'],
      checkpoint: flags.checkpoint,
      user: os.userInfo().username,
      print: (line) => this.log(line),
      note: (line) => this.logToStderr(line),
      onLaunched: streams ? (info) => { follower = streams.followSandbox(master, info) } : undefined,
    });

    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        this.logToStderr('Interrupted: killing the task (press Ctrl-C again to exit at once)');
        session.interrupt();
      } else {
        process.exit(130);
      }
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await session.run();
      await follower?.stop();
      process.exitCode = result.exitCode;
      return {
        framework_id: result.frameworkId,
        task_id: result.taskId,
        agent_id: result.agentId,
        state: result.state,
        exit_code: result.exitCode,
        statuses: result.statuses.map((s) => ({ state: s.state, message: s.message, source: s.source, reason: s.reason, timestamp: s.timestamp })),
      };
    } finally {
      process.off('SIGINT', onSigint);
      await follower?.stop();
    }
  }
}
