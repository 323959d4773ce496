/**
 * What a command task runs and with which environment, as Mesos's command executor would: pure
 * functions of the TaskInfo so they can be checked without starting anything.
 */
import { formatDuration } from '../protocol/duration';
import type { CommandInfo, Resource } from '../protocol/types';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** At most this many PORTn variables, so a task holding a huge range does not blow up its environment. */
const MAX_PORT_VARIABLES = 1024;

/** The argv of the task's command. Throws with a message naming the bad field. */
export function commandArgv(command: CommandInfo | undefined): string[] {
  if (!command) throw new Error("task has neither 'command' nor a supported 'executor'");
  const value = command.value;
  if (typeof value !== 'string' || value === '') throw new Error("'command.value' is required");
  if (command.shell ?? true) return ['/bin/sh', '-c', value];
  // With shell=false Mesos execs `value` and passes `arguments` as the whole argv, argv[0] included.
  return [value, ...(command.arguments ?? []).slice(1)];
}

/** Individual port numbers of the `ports` resources, lowest first. */
export function taskPorts(resources: Resource[], limit = MAX_PORT_VARIABLES): number[] {
  const ports: number[] = [];
  for (const r of resources) {
    if (r.name !== 'ports' || r.type !== 'RANGES') continue;
    for (const range of r.ranges?.range ?? []) {
      for (let p = range.begin; p <= range.end && ports.length < limit; p++) ports.push(p);
    }
  }
  return ports.sort((a, b) => a - b);
}

export interface TaskEnvironmentInput {
  command?: CommandInfo;
  resources: Resource[];
  taskId: string;
  frameworkId: string;
  agentId: string;
  executorId: string;
  containerId: string;
  sandbox: string;
  /** The agent's own PATH, handed down when set. */
  path?: string;
}

/**
 * The agent's variables first, then the task's own (which win, as in Mesos). Secret-typed variables
 * carry no value here and are left out.
 */
export function taskEnvironment(input: TaskEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: input.path || DEFAULT_PATH,
    MESOS_SANDBOX: input.sandbox,
    MESOS_DIRECTORY: input.sandbox,
    MESOS_TASK_ID: input.taskId,
    MESOS_FRAMEWORK_ID: input.frameworkId,
    MESOS_AGENT_ID: input.agentId,
    MESOS_EXECUTOR_ID: input.executorId,
    MESOS_CONTAINER_ID: input.containerId,
  };
  const ports = taskPorts(input.resources);
  if (ports.length > 0) {
    env.PORTS = ports.join(',');
    env.PORT = String(ports[0]);
    ports.forEach((p, i) => (env[`PORT${i}`] = String(p)));
  }
  return withCommandEnvironment(env, input.command);
}

/** The command's own variables over the agent's (they win, as in Mesos); secret-typed ones carry no value here. */
export function withCommandEnvironment(env: Record<string, string>, command: CommandInfo | undefined): Record<string, string> {
  for (const v of command?.environment?.variables ?? []) {
    if (typeof v.name === 'string' && v.name !== '' && typeof v.value === 'string') env[v.name] = v.value;
  }
  return env;
}

export interface ExecutorEnvironmentInput {
  command: CommandInfo;
  frameworkId: string;
  agentId: string;
  executorId: string;
  containerId: string;
  sandbox: string;
  /** host:port the executor reaches the agent's /api/v1/executor at. */
  agentEndpoint: string;
  /** Whether the framework checkpoints: the executor then retries its subscription across agent restarts. */
  checkpoint: boolean;
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  shutdownGracePeriodMs: number;
  /** The executor's token when the agent authenticates executors: set last, so no CommandInfo variable replaces it. */
  authenticationToken?: string;
  /** The agent's CA file when it serves HTTPS only. */
  tlsCaFile?: string;
  path?: string;
}

/** The environment Mesos gives a custom executor (docs/executor-http-api.md, "Executor Environment Variables"). */
export function executorEnvironment(input: ExecutorEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: input.path || DEFAULT_PATH,
    MESOS_AGENT_ENDPOINT: input.agentEndpoint,
    MESOS_FRAMEWORK_ID: input.frameworkId,
    MESOS_EXECUTOR_ID: input.executorId,
    MESOS_AGENT_ID: input.agentId,
    MESOS_SLAVE_ID: input.agentId,
    MESOS_CONTAINER_ID: input.containerId,
    MESOS_DIRECTORY: input.sandbox,
    MESOS_SANDBOX: input.sandbox,
    MESOS_CHECKPOINT: input.checkpoint ? '1' : '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(input.shutdownGracePeriodMs),
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
  };
  if (input.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(input.recoveryTimeoutMs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(input.subscriptionBackoffMaxMs);
  }
  withCommandEnvironment(env, input.command);
  if (input.authenticationToken !== undefined) env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN = input.authenticationToken;
  if (input.tlsCaFile !== undefined) {
    // libprocess's names, which executors linked with Mesos's libraries read: the agent speaks HTTPS only.
    env.LIBPROCESS_SSL_ENABLED = 'true';
    env.LIBPROCESS_SSL_CA_FILE = input.tlsCaFile;
  }
  return env;
}
