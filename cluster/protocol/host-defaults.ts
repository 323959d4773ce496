/**
 * How much of a machine an agent offers when its --resources do not say: Mesos's defaults, which
 * leave headroom for the operating system and the agent itself. Pure; the machine is measured by the
 * caller (the agent's resources-probe.ts, the local launcher's split of one machine among its agents).
 */

export interface HostCapacity {
  cpus: number;
  /** Physical memory, MB. */
  memTotalMb: number;
  /** Free space on the file system of the work directory, MB. */
  diskFreeMb: number;
}

const MIN_MEM_MB = 256;

/** Leave 1 GB to the system when there is more than that; never offer less than 256 MB (or the total, if smaller). */
export function defaultMemMb(totalMb: number): number {
  const usable = totalMb > 1024 ? totalMb - 1024 : totalMb;
  return Math.floor(Math.max(usable, Math.min(MIN_MEM_MB, totalMb)));
}

/** Leave 5 GB free when the disk has more than 10 GB, as Mesos does. */
export function defaultDiskMb(freeMb: number): number {
  return Math.floor(freeMb > 10 * 1024 ? freeMb - 5 * 1024 : freeMb);
}
