/** `agent`'s flags (Mesos's names) and how they become the agent daemon's options. */
import { AGENT_DEFAULTS, type AgentOptions } from '../cluster/agent/options';
import { optionFlag, resourcesFlag, textFlag, integerFlag, type FlagValues } from '../cluster/util/options-table';
import { ISOLATIONS, isolationToCgroups } from '../cluster/util/option-values';

export const AGENT_FLAGS = {
  ip: textFlag({ description: 'address to listen on for /files, /state and /health', default: '127.0.0.1' }),
  port: integerFlag({ description: 'port to listen on (0 picks a free one)', default: 5051, min: 0, max: 65535 }),
  hostname: textFlag({ description: 'hostname reported to the master (default: the advertised address)' }),
  advertise_ip: textFlag({ description: 'address the master and operators use to reach this agent' }),
  work_dir: textFlag({ description: 'sandboxes and checkpoints live here', required: true }),
  master: textFlag({ description: 'master to register with: host:port, http://host:port, or zk://host:2181[,host:2181...]/path to follow the leader', required: true }),
  resources: resourcesFlag({ description: 'resources to offer, e.g. "cpus:2;mem:2048;ports:[31000-32000]" (unset ones are detected)' }),
  attributes: textFlag({ description: 'attributes, e.g. "rack:a;zone:2"' }),
  isolation: optionFlag(ISOLATIONS, { description: 'how tasks are isolated; auto uses cgroups when they are writable', default: 'auto' }),
  recover: optionFlag(['reconnect', 'cleanup'], {
    description: 'on restart, reconnect: adopt the tasks still running and report those that ended; cleanup: kill them (TASK_KILLED) and go on without them',
    default: 'reconnect',
  }),
  cgroups_root: textFlag({ description: 'name of the cgroup under which task cgroups are made (letters, digits, ".", "_", "-")', default: 'mesoscloud' }),
};

export type AgentFlags = FlagValues<typeof AGENT_FLAGS>;

export function agentOptions(f: AgentFlags): AgentOptions {
  return {
    ...AGENT_DEFAULTS,
    ip: f.ip,
    port: f.port,
    hostname: f.hostname,
    advertiseIp: f.advertise_ip,
    master: f.master,
    workDir: f.work_dir,
    resources: f.resources,
    attributes: f.attributes,
    cgroups: isolationToCgroups(f.isolation),
    cgroupsRoot: f.cgroups_root,
    recover: f.recover,
  };
}
