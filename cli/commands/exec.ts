import * as fs from 'node:fs';
import * as os from 'node:os';
import { Flags } from '@oclif/core';
import { BaseCommand, masterFlag } from '../base-command';
import { EXIT, EXIT_CODES_HELP, FlagError } from '../errors';
import { PRINCIPAL_ENV, SECRET_ENV } from '../credentials';
import { capabilitiesValue, commandValue, durationValue, envValue, jsonMessageValue, readFileFlag, resourcesValue, taskNameValue } from '../flag-values';
import type { TaskGroupInfo, TaskInfo } from '../../cluster/protocol/types';
import { healthCheckFlags, healthCheckOf, type HealthCheckFlagValues } from '../health-check-flags';

export interface ExecJson {
  framework_id?: string;
  task_id: string;
  /** With --task-group: every task of the group. */
  task_ids?: string[];
  agent_id?: string;
  state?: string;
  exit_code: number;
  statuses: { state: string; message?: string; source?: string; reason?: string; timestamp?: number; healthy?: boolean }[];
}

/** Who a task runs as when root runs exec without --user: agents refuse root unless told otherwise. */
export const ROOT_STAND_IN = 'nobody';

/**
 * The invoking user, as mesos-execute sends, except root, which becomes ROOT_STAND_IN: ask with --user
 * root. On a cluster of other machines (SSH hosts) the operator's own account need not exist there,
 * so it is ROOT_STAND_IN too, which every Linux has: --user picks another.
 */
export function defaultTaskUser(invoking: string, remote = false): string {
  return invoking === 'root' || remote ? ROOT_STAND_IN : invoking;
}

/** Capabilities every exec framework subscribes with, as mesos-execute does (PARTITION_AWARE unless turned off). */
export const BASE_CAPABILITIES = ['TASK_KILLING_STATE'] as const;

export default class Exec extends BaseCommand<typeof Exec> {
  static summary = 'Run a command as a task on the cluster, like mesos-execute.';

  static description =
    'Subscribes a short-lived framework, launches the command on the first agent whose offer holds the ' +
    'requested resources, prints every status update as mesos-execute does, acknowledges it, and tears ' +
    'the framework down when the task ends. Ctrl-C kills the task and waits for its last update; a second ' +
    'Ctrl-C exits at once.\n\n' +
    'A --health-check-cmd, --health-check-http or --health-check-tcp gives the task a Mesos health check ' +
    '(tuned by the other --health-check-* flags): its updates print healthy?: 1 or 0, and the agent kills ' +
    'the task after --health-check-failures consecutive failures (docs/health-checks.md).\n\n' +
    'As with mesos-execute, --task takes a whole TaskInfo and --task-group a TaskGroupInfo (JSON, or ' +
    'file:///path to a file holding it) instead of --name, --command, --resources and --env; agent_id ' +
    'is filled in from the chosen offer, and a group runs under the default executor (executor id ' +
    '"default-executor", cpus:0.1;mem:32;disk:32 of its own) and ends when all its tasks have.\n\n' +
    'mesos-execute\'s spellings work too: --kill_after, --framework_name, --framework_capabilities, ' +
    '--partition_aware, and switches as --checkpoint=true or --shell=false. Unlike mesos-execute, which ' +
    'exits 0 whatever became of the task, exec exits 1 unless the task reached TASK_FINISHED.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> --name hello --command "echo hello world"',
    '<%= config.bin %> <%= command.id %> --name build --command "make -j2" --resources "cpus:2;mem:1024" --stream',
    `<%= config.bin %> <%= command.id %> --name nap --command "sleep 60" --kill-after 5secs`,
    `<%= config.bin %> <%= command.id %> --name env --command 'echo $GREETING' --env '{"GREETING":"hi"}'`,
    '<%= config.bin %> <%= command.id %> --name probe --command "uptime" --master 10.0.0.5:5050 --json',
    `<%= config.bin %> <%= command.id %> --task '{"name":"t","task_id":{"value":"t"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}}],"command":{"value":"date"}}'`,
    '<%= config.bin %> <%= command.id %> --task-group file:///path/to/task-group.json',
    `<%= config.bin %> <%= command.id %> --name web --command 'python3 -m http.server 8080' --health-check-http 8080/ --health-check-grace 30secs`,
  ];

  static flags = {
    master: masterFlag(),
    name: Flags.custom<string>({
      description: 'task name, also its task id (required unless --task or --task-group)',
      parse: async (input) => taskNameValue('name', input),
    })(),
    command: Flags.string({ description: 'command to run (through /bin/sh -c unless --no-shell); required unless --task or --task-group' }),
    resources: Flags.custom<string>({
      description: 'resources the task needs (default: cpus:1;mem:128)',
      parse: async (input) => resourcesValue('resources', input),
    })(),
    task: Flags.custom<TaskInfo>({
      description: 'the whole task as a JSON TaskInfo, or file:///path to one; instead of --name, --command, --resources and --env',
      parse: async (input) => {
        const { parseGivenTask } = await import('../../cluster/client/given-task');
        return jsonMessageValue('task', readFileFlag('task', input, (file) => fs.readFileSync(file, 'utf8')), 'TaskInfo', parseGivenTask);
      },
    })(),
    'task-group': Flags.custom<TaskGroupInfo>({
      description: 'a task group as a JSON TaskGroupInfo, or file:///path to one, run by the default executor; instead of --name, --command, --resources and --env',
      aliases: ['task_group'],
      parse: async (input) => {
        const { parseGivenTaskGroup } = await import('../../cluster/client/given-task');
        return jsonMessageValue('task-group', readFileFlag('task-group', input, (file) => fs.readFileSync(file, 'utf8')), 'TaskGroupInfo', parseGivenTaskGroup);
      },
    })(),
    env: Flags.custom<Record<string, string>>({
      description: 'environment variables, as a JSON object of strings, or file:///path to a file holding one',
      parse: async (input) => envValue('env', readFileFlag('env', input, (file) => fs.readFileSync(file, 'utf8'))),
    })(),
    role: Flags.string({ description: "role the framework subscribes with; plain --resources then come from the role's reservations first", default: '*' }),
    volume: Flags.string({ description: 'persistent volume (its id) of --role to run the task on, mounted at the volume\'s path in the sandbox (see `volumes`)' }),
    'kill-after': Flags.custom<number>({
      description: 'kill the task this long after it started running (e.g. 10secs, 2mins)',
      aliases: ['kill_after'],
      parse: async (input) => durationValue('kill-after', input),
    })(),
    shell: Flags.boolean({ description: 'run the command through a shell', default: true, allowNo: true }),
    checkpoint: Flags.boolean({
      description: 'checkpoint the task so it survives an agent restart (the default here, unlike mesos-execute; --no-checkpoint sends checkpoint: false)',
      default: true,
      allowNo: true,
    }),
    stream: Flags.boolean({ description: "print the task's stdout and stderr while it runs", default: false }),
    'framework-name': Flags.string({ description: 'name the framework subscribes with', default: 'mesoscloud-exec', aliases: ['framework_name'] }),
    'framework-capabilities': Flags.custom<string[]>({
      description: `capabilities to add, comma-separated (allowed: GPU_RESOURCES; always on: ${BASE_CAPABILITIES.join(', ')}; PARTITION_AWARE unless --no-partition-aware)`,
      aliases: ['framework_capabilities'],
      parse: async (input) => capabilitiesValue('framework-capabilities', input, [...BASE_CAPABILITIES, 'PARTITION_AWARE']),
    })(),
    'partition-aware': Flags.boolean({
      description: 'subscribe PARTITION_AWARE: a task on an unreachable agent is TASK_UNREACHABLE, not TASK_LOST',
      default: true,
      allowNo: true,
      aliases: ['partition_aware'],
    }),
    principal: Flags.string({ description: `principal the framework subscribes and authenticates with (also ${PRINCIPAL_ENV})`, env: PRINCIPAL_ENV }),
    secret: Flags.string({ description: `secret of --principal; prefer ${SECRET_ENV} or --secret-file (the command line is visible in ps)`, env: SECRET_ENV }),
    'secret-file': Flags.string({ description: 'file holding the secret of --principal' }),
    ...healthCheckFlags,
    user: Flags.string({
      description: `user the task runs as on the agent (FrameworkInfo.user); default: yours, or ${ROOT_STAND_IN} when you are root (agents run no task as root unless started with --allow_root_tasks) or the cluster runs on SSH hosts (where your account may not exist)`,
    }),
  };

  async run(): Promise<ExecJson> {
    const { flags } = this;
    if (flags.stream && this.jsonEnabled()) {
      throw new FlagError('--stream prints the task\'s output and --json prints one JSON document; use one of them, got both');
    }
    const given = givenTask(flags);
    if (!given) commandValue('command', flags.command!, flags.shell);
    const healthCheck = healthCheckOf(flags);
    // A zk:// master stays as it is: the session follows the leader through ZooKeeper.
    const master = await this.resolveMasterAddress(flags.master);
    const credential = await this.credential();
    const { ExecSession } = await import('../../cluster/client/exec-session');
    const streams = flags.stream ? await import('../exec-stream') : undefined;
    let follower: { stop(): Promise<void> } | undefined;

    const capabilities = [...BASE_CAPABILITIES, ...(flags['partition-aware'] ? ['PARTITION_AWARE'] : []), ...(flags['framework-capabilities'] ?? [])];
    const session = new ExecSession({
      master,
      tls: this.clusterTls,
      ...(given ? { given } : { name: flags.name, command: flags.command, shell: flags.shell, resources: flags.resources, env: flags.env, healthCheck }),
      ...(flags.volume !== undefined ? { volume: flags.volume } : {}),
      role: flags.role,
      killAfterMs: flags['kill-after'],
      checkpoint: flags.checkpoint,
      user: flags.user ?? defaultTaskUser(os.userInfo().username, this.catalogProvider !== undefined && this.catalogProvider !== 'local'),
      frameworkName: flags['framework-name'],
      capabilities: [...new Set(capabilities)],
      principal: flags.principal,
      credential,
      print: (line) => this.log(line),
      note: (line) => this.logToStderr(line),
      onLaunched: streams ? (info) => { follower = streams.followSandbox(session.masterUrl, info, { tls: this.clusterTls, credential }) } : undefined,
    });

    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        this.logToStderr('Interrupted: killing the task (press Ctrl-C again to exit at once)');
        session.interrupt();
      } else {
        process.exit(EXIT.interrupted);
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
        ...(flags['task-group'] ? { task_ids: result.taskIds } : {}),
        agent_id: result.agentId,
        state: result.state,
        exit_code: result.exitCode,
        statuses: result.statuses.map((s) => ({ state: s.state, message: s.message, source: s.source, reason: s.reason, timestamp: s.timestamp, ...(s.healthy !== undefined ? { healthy: s.healthy } : {}) })),
      };
    } finally {
      process.off('SIGINT', onSigint);
      await follower?.stop();
    }
  }
}

interface WorkFlags extends HealthCheckFlagValues {
  name?: string;
  command?: string;
  resources?: string;
  env?: Record<string, string>;
  stream: boolean;
  task?: TaskInfo;
  'task-group'?: TaskGroupInfo;
}

/**
 * mesos-execute's rules: --task or --task_group, not both; either one instead of --name, --command
 * (and here --resources and --env, which it would leave unused); without them --name and --command.
 */
export function givenTask(flags: WorkFlags): { task: TaskInfo } | { taskGroup: TaskGroupInfo } | undefined {
  if (flags.task && flags['task-group']) {
    throw new FlagError("either a task or a task group can be launched, not both: give --task or --task-group, got both");
  }
  const given = flags.task ? 'task' : flags['task-group'] ? 'task-group' : undefined;
  if (!given) {
    const missing = (['name', 'command'] as const).filter((flag) => flags[flag] === undefined).map((flag) => `--${flag}`);
    if (missing.length > 0) {
      throw Object.assign(new Error(`mesoscloud exec needs ${missing.join(' and ')} (or the whole task as JSON with --task or --task-group)`), { code: 'MISSING_FLAG' });
    }
    return undefined;
  }
  for (const flag of ['name', 'command', 'resources', 'env', 'health-check-cmd', 'health-check-http', 'health-check-tcp'] as const) {
    const value = flags[flag];
    if (value !== undefined) {
      throw new FlagError(`--${flag} cannot be combined with --${given}, whose JSON already says what to run (got --${flag} ${JSON.stringify(value)}); put it in the ${given === 'task' ? 'TaskInfo' : 'TaskGroupInfo'} instead`);
    }
  }
  if (given === 'task-group' && flags.stream) {
    throw new FlagError('--stream follows the output of one task; it cannot be used with --task-group (read each task\'s output afterwards with `mesoscloud logs TASK_ID`)');
  }
  return flags.task ? { task: flags.task } : { taskGroup: flags['task-group']! };
}
