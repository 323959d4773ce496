/**
 * What a command task runs and with which environment, as Mesos's command executor would: pure
 * functions of the TaskInfo so they can be checked without starting anything.
 */
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
  for (const v of input.command?.environment?.variables ?? []) {
    if (typeof v.name === 'string' && v.name !== '' && typeof v.value === 'string') env[v.name] = v.value;
  }
  return env;
}
