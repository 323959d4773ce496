/**
 * What the agent offers: the --resources text, with cpus, mem, disk and ports filled in from the
 * machine where the text does not name them, following Mesos's defaults (leave headroom for the
 * operating system and the agent itself).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Resources } from '../protocol/resources';
import { defaultDiskMb, defaultMemMb, type HostCapacity } from '../protocol/host-defaults';
import type { Resource } from '../protocol/types';

export const DEFAULT_PORTS = { begin: 31000, end: 32000 };

/**
 * Resources from the flag text and the host. Throws an Error whose message starts with
 * "--resources:" when the text does not parse.
 */
export function agentResources(text: string | undefined, host: HostCapacity): Resources {
  let given: Resources;
  try {
    given = text === undefined || text.trim() === '' ? Resources.empty() : Resources.parse(text);
  } catch (err) {
    throw new Error(`--resources: ${(err as Error).message}`);
  }
  const named = new Set(given.toV1().map((r) => r.name));
  const detected: Resource[] = [];
  const scalar = (name: string, value: number) => {
    if (!named.has(name) && value > 0) detected.push({ name, type: 'SCALAR', scalar: { value } });
  };
  scalar('cpus', host.cpus);
  scalar('mem', defaultMemMb(host.memTotalMb));
  scalar('disk', defaultDiskMb(host.diskFreeMb));
  if (!named.has('ports')) detected.push({ name: 'ports', type: 'RANGES', ranges: { range: [DEFAULT_PORTS] } });
  return detected.length === 0 ? given : given.plus(Resources.fromV1(detected));
}

/** Measures the machine; `workDir` must exist. */
export function probeHost(workDir: string): HostCapacity {
  const stats = fs.statfsSync(workDir);
  return {
    cpus: os.availableParallelism(),
    memTotalMb: Math.floor(os.totalmem() / (1024 * 1024)),
    diskFreeMb: Math.floor((Number(stats.bavail) * Number(stats.bsize)) / (1024 * 1024)),
  };
}
