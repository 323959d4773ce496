/**
 * How a local cluster splits this machine between its agents. Left alone, every agent detects and
 * offers the whole machine, so five agents on a 24 GB, 2-core box offer 113 GB and 10 CPUs, and the
 * master places work that cannot fit. Each agent gets an equal share instead:
 *   - memory: what is left after room for the master, ZooKeeper and the system (a tenth of the
 *     machine, at least 1 GiB: an idle master and a ZooKeeper JVM take a few hundred MB, the OS and
 *     the page cache the rest), divided by the agents, in whole MB;
 *   - disk: the work dir's free space less what a lone agent leaves (5 GiB above 10 GiB free, as
 *     Mesos's agent: host-defaults.ts defaultDiskMb), divided by the agents;
 *   - cpus: the machine's cpus divided by the agents, but at least one each, so that a one-CPU task
 *     (the README's first example) fits on any agent; the cluster then offers more cpus than the
 *     machine has, which the launcher says.
 * Pure: the machine is measured by the caller.
 */
import { defaultDiskMb, type HostCapacity } from '../../cluster/protocol/host-defaults';

/** The machine as an agent measures it (cluster/agent/resources-probe.ts probeHost): cpus, physical memory, free disk. */
export type MachineCapacity = HostCapacity;

export interface AgentShare {
  cpus: number;
  memMb: number;
  diskMb: number;
  /** The one-CPU floor applied: the agents together offer more cpus than the machine has. */
  cpuFloor: boolean;
}

export const MIN_RESERVED_MEM_MB = 1024;
export const RESERVED_MEM_FRACTION = 0.1;

/** Memory kept back for the master, ZooKeeper and the system. */
export function reservedMemMb(totalMb: number): number {
  return Math.max(MIN_RESERVED_MEM_MB, Math.ceil(totalMb * RESERVED_MEM_FRACTION));
}

/** Each of `agents` agents' equal share of the machine. */
export function shareMachine(machine: MachineCapacity, agents: number): AgentShare {
  if (!Number.isInteger(agents) || agents < 1) throw new Error(`agent count must be a whole number of at least 1, got ${agents}`);
  // A machine smaller than the reserve (a tiny VM) still gets half of its memory spread over the agents.
  const memUsable = Math.max(machine.memTotalMb - reservedMemMb(machine.memTotalMb), Math.floor(machine.memTotalMb / 2));
  // The room a lone agent leaves on its disk, left once for all of them.
  const diskUsable = defaultDiskMb(machine.diskFreeMb);
  // Mesos keeps scalars to three decimals: round down there, so the shares never add up to more than the machine.
  const cpus = Math.floor((machine.cpus * 1000) / agents) / 1000;
  return {
    cpus: Math.max(1, cpus),
    memMb: Math.max(0, Math.floor(memUsable / agents)),
    diskMb: Math.max(0, Math.floor(diskUsable / agents)),
    cpuFloor: cpus < 1,
  };
}

/** The share as the scalar resources of agent resource text, leaving out those the operator named. */
export function shareResources(share: AgentShare, named: (name: string) => boolean): string[] {
  const parts: [string, number][] = [['cpus', share.cpus], ['mem', share.memMb], ['disk', share.diskMb]];
  return parts.filter(([name, value]) => value > 0 && !named(name)).map(([name, value]) => `${name}:${value}`);
}

/** The one line a launch prints when the floor applies: why the cluster offers more cpus than the machine has. */
export function cpuFloorNote(agents: number, machineCpus: number, share: AgentShare): string | undefined {
  if (!share.cpuFloor) return undefined;
  return `${agents} agents share ${machineCpus} CPU${machineCpus === 1 ? '' : 's'}: each advertises ${share.cpus} (at least one CPU each so a one-CPU task fits)`;
}
