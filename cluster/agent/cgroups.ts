/**
 * Resource isolation of tasks with Linux control groups, behind one interface with three
 * implementations: cgroups v1 (one hierarchy per controller), cgroups v2 (the unified hierarchy)
 * and none. A probe picks the first that works; when none does, tasks run without limits.
 *
 * The launcher puts the task's first process into the cgroups itself, before it runs the task's
 * command (see launcher.ts), so nothing the task starts escapes the limits.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../util/log';

export interface ContainerLimits {
  cpus?: number;
  memMb?: number;
}

export interface MemoryLimitation {
  requestedMb: number;
  maxUsedMb: number;
}

/** The cgroups of one container. */
export interface ContainerCgroups {
  /** `cgroup.procs` files the task's first process joins before it runs the command. */
  readonly procsFiles: string[];
  /** Every process in the container, wherever its process group went. */
  pids(): Promise<number[]>;
  /**
   * Whether the kernel killed the task for exceeding its memory limit. `killedBySigkill` tells
   * kernels that keep no OOM-kill counter (old v1) apart from ordinary limit pressure.
   */
  memoryLimitation(killedBySigkill: boolean): Promise<MemoryLimitation | undefined>;
  /** Kills what is left and removes the cgroups; safe to call twice. */
  destroy(): Promise<void>;
}

export type IsolationKind = 'cgroups-v1' | 'cgroups-v2' | 'none';

export interface Isolator {
  readonly kind: IsolationKind;
  prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups>;
}

export interface IsolatorOptions {
  /** Where cgroup file systems are mounted; tests point this at a scratch directory. */
  mountPoint?: string;
  /** Parent cgroup of every container (Mesos's --cgroups_root). */
  rootName?: string;
  logger?: Logger;
}

export const DEFAULT_CGROUPS_MOUNT = '/sys/fs/cgroup';
export const DEFAULT_CGROUPS_ROOT = 'mesoscloud';

const MB = 1024 * 1024;
const CFS_PERIOD_US = 100_000;

// ---- pure helpers ----

/** cpu.shares of v1, as Mesos computes it (1024 per cpu, at least the kernel's minimum of 2). */
export function cpuShares(cpus: number): number {
  return Math.max(2, Math.round(cpus * 1024));
}

/** cpu.weight of v2 from shares, with the conversion systemd and the kernel documentation use. */
export function cpuWeight(cpus: number): number {
  const shares = Math.min(262144, cpuShares(cpus));
  return Math.max(1, Math.min(10000, 1 + Math.floor(((shares - 2) * 9999) / 262142)));
}

/** cpu.max of v2: a hard cap of `cpus` cores. */
export function cpuMax(cpus: number): string {
  return `${Math.max(1000, Math.round(cpus * CFS_PERIOD_US))} ${CFS_PERIOD_US}`;
}

/** Reads a "key value" line out of a flat-keyed cgroup file such as memory.events or memory.oom_control. */
export function keyedValue(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

export function memoryLimitMessage(limit: MemoryLimitation): string {
  return `Memory limit exceeded: Requested: ${limit.requestedMb}MB Maximum Used: ${limit.maxUsedMb}MB`;
}

// ---- I/O helpers ----

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

async function listPids(procsFile: string): Promise<number[]> {
  const text = await readText(procsFile);
  if (!text) return [];
  return text.split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** rmdir that waits out processes still leaving the cgroup; a cgroup that is gone already is fine. */
async function removeCgroupDir(dir: string, logger?: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (attempt >= 40) {
        logger?.warn('could not remove cgroup', { cgroup: dir, error: (err as Error).message });
        return;
      }
      for (const pid of await listPids(path.join(dir, 'cgroup.procs'))) killQuietly(pid);
      await sleep(Math.min(25 * (attempt + 1), 250));
    }
  }
}

function assertName(kind: string, name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') throw new Error(`${kind} '${name}' is not a valid cgroup name`);
}

// ---- none ----

class NoIsolation implements Isolator {
  readonly kind = 'none' as const;
  async prepare(): Promise<ContainerCgroups> {
    return {
      procsFiles: [],
      pids: async () => [],
      memoryLimitation: async () => undefined,
      destroy: async () => undefined,
    };
  }
}

// ---- v1 ----

class CgroupsV1 implements Isolator {
  readonly kind = 'cgroups-v1' as const;

  constructor(
    private readonly memoryRoot: string,
    private readonly cpuRoot: string | undefined,
    private readonly logger?: Logger,
  ) {}

  async prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    assertName('container id', containerId);
    const memDir = path.join(this.memoryRoot, containerId);
    const cpuDir = this.cpuRoot ? path.join(this.cpuRoot, containerId) : undefined;
    const dirs = cpuDir ? [memDir, cpuDir] : [memDir];
    const logger = this.logger;
    const destroy = async () => {
      for (const dir of dirs) for (const pid of await listPids(path.join(dir, 'cgroup.procs'))) killQuietly(pid);
      await Promise.all(dirs.map((d) => removeCgroupDir(d, logger)));
    };
    try {
      await fs.mkdir(memDir);
      if (limits.memMb !== undefined && limits.memMb > 0) {
        const bytes = String(Math.floor(limits.memMb * MB));
        await fs.writeFile(path.join(memDir, 'memory.limit_in_bytes'), bytes);
        // Without this the task could spill into swap instead of meeting its limit.
        const memsw = path.join(memDir, 'memory.memsw.limit_in_bytes');
        if (await exists(memsw)) await fs.writeFile(memsw, bytes);
      }
      if (cpuDir) {
        await fs.mkdir(cpuDir);
        if (limits.cpus !== undefined && limits.cpus > 0) await fs.writeFile(path.join(cpuDir, 'cpu.shares'), String(cpuShares(limits.cpus)));
      }
    } catch (err) {
      await destroy();
      throw new Error(`failed to set up cgroups for container ${containerId}: ${(err as Error).message}`);
    }
    return {
      procsFiles: dirs.map((d) => path.join(d, 'cgroup.procs')),
      pids: async () => [...new Set((await Promise.all(dirs.map((d) => listPids(path.join(d, 'cgroup.procs'))))).flat())],
      memoryLimitation: async (killedBySigkill) => {
        if (limits.memMb === undefined) return undefined;
        const oomControl = (await readText(path.join(memDir, 'memory.oom_control'))) ?? '';
        const oomKills = keyedValue(oomControl, 'oom_kill');
        const hit =
          oomKills !== undefined
            ? oomKills > 0
            : killedBySigkill && ((await readNumber(path.join(memDir, 'memory.failcnt'))) ?? 0) > 0;
        if (!hit) return undefined;
        const maxUsed = (await readNumber(path.join(memDir, 'memory.max_usage_in_bytes'))) ?? limits.memMb * MB;
        return { requestedMb: limits.memMb, maxUsedMb: Math.round(maxUsed / MB) };
      },
      destroy,
    };
  }
}

// ---- v2 ----

class CgroupsV2 implements Isolator {
  readonly kind = 'cgroups-v2' as const;

  constructor(
    private readonly root: string,
    private readonly controllers: ReadonlySet<string>,
    private readonly logger?: Logger,
  ) {}

  async prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    assertName('container id', containerId);
    const dir = path.join(this.root, containerId);
    const procs = path.join(dir, 'cgroup.procs');
    const logger = this.logger;
    const destroy = async () => {
      // cgroup.kill (Linux 5.14+) takes everything down at once, forks in flight included.
      if (await exists(path.join(dir, 'cgroup.kill'))) await fs.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined);
      for (const pid of await listPids(procs)) killQuietly(pid);
      await removeCgroupDir(dir, logger);
    };
    try {
      await fs.mkdir(dir);
      if (limits.memMb !== undefined && limits.memMb > 0 && this.controllers.has('memory')) {
        await fs.writeFile(path.join(dir, 'memory.max'), String(Math.floor(limits.memMb * MB)));
        const swap = path.join(dir, 'memory.swap.max');
        if (await exists(swap)) await fs.writeFile(swap, '0');
      }
      if (limits.cpus !== undefined && limits.cpus > 0 && this.controllers.has('cpu')) {
        await fs.writeFile(path.join(dir, 'cpu.weight'), String(cpuWeight(limits.cpus)));
        await fs.writeFile(path.join(dir, 'cpu.max'), cpuMax(limits.cpus));
      }
    } catch (err) {
      await destroy();
      throw new Error(`failed to set up cgroup for container ${containerId}: ${(err as Error).message}`);
    }
    return {
      procsFiles: [procs],
      pids: () => listPids(procs),
      memoryLimitation: async () => {
        if (limits.memMb === undefined || !this.controllers.has('memory')) return undefined;
        const events = (await readText(path.join(dir, 'memory.events'))) ?? '';
        if (!((keyedValue(events, 'oom_kill') ?? 0) > 0)) return undefined;
        const peak = (await readNumber(path.join(dir, 'memory.peak'))) ?? limits.memMb * MB;
        return { requestedMb: limits.memMb, maxUsedMb: Math.round(peak / MB) };
      },
      destroy,
    };
  }
}

// ---- probe ----

async function probeV2(mount: string, rootName: string, logger?: Logger): Promise<Isolator> {
  const available = (await readText(path.join(mount, 'cgroup.controllers')))?.trim().split(/\s+/) ?? [];
  if (!available.includes('memory')) throw new Error(`no unified cgroup hierarchy with the memory controller at ${mount}`);
  const wanted = ['memory', 'cpu'].filter((c) => available.includes(c));
  const root = path.join(mount, rootName);
  await fs.mkdir(root, { recursive: true });
  // Controllers must be enabled on every level above the cgroups that use them.
  for (const dir of [mount, root]) {
    const enabled = ((await readText(path.join(dir, 'cgroup.subtree_control'))) ?? '').trim().split(/\s+/);
    const missing = wanted.filter((c) => !enabled.includes(c));
    if (missing.length > 0) await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  }
  return new CgroupsV2(root, new Set(wanted), logger);
}

async function probeV1(mount: string, rootName: string, logger?: Logger): Promise<Isolator> {
  const memoryMount = path.join(mount, 'memory');
  if (!(await exists(path.join(memoryMount, 'memory.limit_in_bytes')))) throw new Error(`no cgroups v1 memory hierarchy at ${memoryMount}`);
  const memoryRoot = path.join(memoryMount, rootName);
  await fs.mkdir(memoryRoot, { recursive: true });
  let cpuRoot: string | undefined;
  const cpuMount = path.join(mount, 'cpu');
  if (await exists(path.join(cpuMount, 'cpu.shares'))) {
    cpuRoot = path.join(cpuMount, rootName);
    await fs.mkdir(cpuRoot, { recursive: true });
  }
  return new CgroupsV1(memoryRoot, cpuRoot, logger);
}

/**
 * Picks the isolator for --isolation. `auto` tries v2, then v1, then runs without limits (logged
 * once); an explicit `v1` or `v2` that cannot be used is an error naming the flag.
 */
export async function createIsolator(mode: 'auto' | 'v1' | 'v2' | 'none', opts: IsolatorOptions = {}): Promise<Isolator> {
  const mount = opts.mountPoint ?? DEFAULT_CGROUPS_MOUNT;
  const rootName = opts.rootName ?? DEFAULT_CGROUPS_ROOT;
  assertName('cgroups root', rootName);
  if (mode === 'none') return new NoIsolation();
  if (mode === 'v1' || mode === 'v2') {
    try {
      return await (mode === 'v1' ? probeV1 : probeV2)(mount, rootName, opts.logger);
    } catch (err) {
      throw new Error(`--isolation cgroups/${mode}: cgroups ${mode} is not usable here: ${(err as Error).message}`);
    }
  }
  const reasons: string[] = [];
  for (const probe of [probeV2, probeV1]) {
    try {
      const isolator = await probe(mount, rootName, opts.logger);
      opts.logger?.info('isolating tasks with cgroups', { isolation: isolator.kind });
      return isolator;
    } catch (err) {
      reasons.push((err as Error).message);
    }
  }
  opts.logger?.warn('cgroups are not writable: tasks run without resource limits', { reasons });
  return new NoIsolation();
}
