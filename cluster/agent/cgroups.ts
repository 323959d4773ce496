/**
 * Resource isolation of tasks with Linux control groups, behind one interface with three
 * implementations: cgroups v1 (one hierarchy per controller), cgroups v2 (the unified hierarchy)
 * and none. A probe picks the first that works; when none does, tasks run without limits.
 *
 * The task process's wrapper puts the task's first process into the cgroups itself, before it runs the task's
 * command (see task-process.ts), so nothing the task starts escapes the limits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../util/log';
import { signalPids } from './task-process';
import { v1Usage, v2Usage, type UsageFields } from './usage-parsers';

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

/** What a container's cgroups say about it now (/monitor/statistics); nothing for no cgroups. */
export interface CgroupUsage {
  pids: number[];
  fields: UsageFields;
}

export interface Isolator {
  readonly kind: IsolationKind;
  prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups>;
  /**
   * The cgroups a previous agent process prepared for a container, after a restart: the limits are
   * still in force (the kernel kept them) and the counters still tell whether the limit was hit. A
   * container whose cgroups are gone gets an object that finds nothing and removes nothing.
   */
  recover(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups>;
  /** Reads the container's usage counters; a container without cgroups has none. */
  usage(containerId: string): Promise<CgroupUsage>;
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

/** CFS quota per period for a hard cap of `cpus` cores; the kernel's minimum quota is 1 ms. */
export function cfsQuotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CFS_PERIOD_US));
}

/** cpu.max of v2: "$MAX $PERIOD", the same hard cap. */
export function cpuMax(cpus: number): string {
  return `${cfsQuotaUs(cpus)} ${CFS_PERIOD_US}`;
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

const fsp = fs.promises;

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** rmdir that waits out processes still leaving the cgroup; a cgroup that is gone already is fine. */
async function removeCgroupDir(dir: string, logger?: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (attempt >= 40) {
        logger?.warn('could not remove cgroup', { cgroup: dir, error: (err as Error).message });
        return;
      }
      signalPids(await listPids(path.join(dir, 'cgroup.procs')), 'SIGKILL');
      await sleep(Math.min(25 * (attempt + 1), 250));
    }
  }
}

function assertName(kind: string, name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') throw new Error(`${kind} '${name}' is not a valid cgroup name`);
}

/*
 * Setting a container up uses synchronous calls on purpose: cgroup files live in kernel memory and
 * never wait on a disk, so each call takes microseconds, while an asynchronous one costs a trip
 * through the thread pool and the event loop and sat on every task's launch path.
 */
function writeSetting(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value);
}

// ---- none ----

class NoIsolation implements Isolator {
  readonly kind = 'none' as const;
  async usage(): Promise<CgroupUsage> {
    return { pids: [], fields: {} };
  }
  recover(): Promise<ContainerCgroups> {
    return this.prepare();
  }
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

/** What the v1 hierarchies of this kernel offer, probed once at start-up. */
interface V1Features {
  memoryRoot: string;
  /** memory.memsw.* (swap accounting) exists. */
  memsw: boolean;
  cpuRoot?: string;
  /** cpu.cfs_quota_us (CFS bandwidth control) exists. */
  cfs: boolean;
  /**
   * A cpuacct hierarchy of its own (where cpuacct is mounted with cpu, cpuacct.stat is in the cpu
   * cgroup already): the kernel's account of the container's cpu time, exited processes included.
   */
  cpuacctRoot?: string;
}

class CgroupsV1 implements Isolator {
  readonly kind = 'cgroups-v1' as const;

  constructor(private readonly features: V1Features, private readonly logger?: Logger) {}

  private dirs(containerId: string): { memDir: string; cpuDir?: string; acctDir?: string; dirs: string[] } {
    assertName('container id', containerId);
    const memDir = path.join(this.features.memoryRoot, containerId);
    const cpuDir = this.features.cpuRoot ? path.join(this.features.cpuRoot, containerId) : undefined;
    const acctDir = this.features.cpuacctRoot ? path.join(this.features.cpuacctRoot, containerId) : undefined;
    return { memDir, cpuDir, acctDir, dirs: [memDir, cpuDir, acctDir].filter((d): d is string => d !== undefined) };
  }

  async prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    const { memsw, cfs } = this.features;
    const { memDir, cpuDir, acctDir } = this.dirs(containerId);
    const cgroups = this.attach(containerId, limits);
    try {
      fs.mkdirSync(memDir);
      if (acctDir) fs.mkdirSync(acctDir);
      if (limits.memMb !== undefined && limits.memMb > 0) {
        const bytes = String(Math.floor(limits.memMb * MB));
        writeSetting(memDir, 'memory.limit_in_bytes', bytes);
        // Without this the task could spill into swap instead of meeting its limit. It must come
        // second: the kernel refuses a memsw limit below the memory limit.
        if (memsw) writeSetting(memDir, 'memory.memsw.limit_in_bytes', bytes);
      }
      if (cpuDir) {
        fs.mkdirSync(cpuDir);
        if (limits.cpus !== undefined && limits.cpus > 0) {
          // Shares divide the cpu under contention; the CFS quota caps the task at what it was given.
          writeSetting(cpuDir, 'cpu.shares', String(cpuShares(limits.cpus)));
          if (cfs) {
            writeSetting(cpuDir, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
            writeSetting(cpuDir, 'cpu.cfs_quota_us', String(cfsQuotaUs(limits.cpus)));
          }
        }
      }
    } catch (err) {
      await cgroups.destroy();
      throw new Error(`failed to set up cgroups for container ${containerId}: ${(err as Error).message}`);
    }
    return cgroups;
  }

  async recover(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    return this.attach(containerId, limits);
  }

  /** cpuacct.stat is there when cpuacct is mounted with cpu; without it the monitor counts cpu time from /proc. */
  async usage(containerId: string): Promise<CgroupUsage> {
    const { memDir, cpuDir, acctDir, dirs } = this.dirs(containerId);
    const read = (dir: string | undefined, file: string) => (dir ? readText(path.join(dir, file)) : Promise.resolve(undefined));
    const [memoryStat, usage, memswUsage, limit, softLimit, cpuStat, cpuacctStat, pids] = await Promise.all([
      read(memDir, 'memory.stat'), read(memDir, 'memory.usage_in_bytes'), read(memDir, 'memory.memsw.usage_in_bytes'),
      read(memDir, 'memory.limit_in_bytes'), read(memDir, 'memory.soft_limit_in_bytes'),
      read(cpuDir, 'cpu.stat'), read(acctDir ?? cpuDir, 'cpuacct.stat'),
      Promise.all(dirs.map((d) => listPids(path.join(d, 'cgroup.procs')))),
    ]);
    return { pids: [...new Set(pids.flat())], fields: v1Usage({ memoryStat, usage, memswUsage, limit, softLimit, cpuStat, cpuacctStat }) };
  }

  private attach(containerId: string, limits: ContainerLimits): ContainerCgroups {
    const { memDir, dirs } = this.dirs(containerId);
    const logger = this.logger;
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
      destroy: async () => {
        for (const dir of dirs) signalPids(await listPids(path.join(dir, 'cgroup.procs')), 'SIGKILL');
        await Promise.all(dirs.map((d) => removeCgroupDir(d, logger)));
      },
    };
  }
}

// ---- v2 ----

/** What the unified hierarchy offers below the agent's root cgroup, probed once at start-up. */
interface V2Features {
  root: string;
  controllers: ReadonlySet<string>;
  /** memory.swap.max (swap accounting) exists. */
  swapMax: boolean;
  /** memory.oom.group (Linux 4.19+) exists. */
  oomGroup: boolean;
}

class CgroupsV2 implements Isolator {
  readonly kind = 'cgroups-v2' as const;

  constructor(private readonly features: V2Features, private readonly logger?: Logger) {}

  async prepare(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    const { controllers, swapMax, oomGroup } = this.features;
    const { dir, memoryLimited } = this.place(containerId, limits);
    const cgroups = this.attach(containerId, limits);
    try {
      fs.mkdirSync(dir);
      if (memoryLimited) {
        writeSetting(dir, 'memory.max', String(Math.floor(limits.memMb! * MB)));
        if (swapMax) writeSetting(dir, 'memory.swap.max', '0');
        // An OOM kill takes the whole container down, as Mesos destroys a container that hit its
        // limit, instead of leaving it running without the process the kernel picked.
        if (oomGroup) writeSetting(dir, 'memory.oom.group', '1');
      }
      if (limits.cpus !== undefined && limits.cpus > 0 && controllers.has('cpu')) {
        writeSetting(dir, 'cpu.weight', String(cpuWeight(limits.cpus)));
        writeSetting(dir, 'cpu.max', cpuMax(limits.cpus));
      }
    } catch (err) {
      await cgroups.destroy();
      throw new Error(`failed to set up cgroup for container ${containerId}: ${(err as Error).message}`);
    }
    return cgroups;
  }

  async recover(containerId: string, limits: ContainerLimits): Promise<ContainerCgroups> {
    return this.attach(containerId, limits);
  }

  async usage(containerId: string): Promise<CgroupUsage> {
    assertName('container id', containerId);
    const dir = path.join(this.features.root, containerId);
    const read = (file: string) => readText(path.join(dir, file));
    const [memoryStat, current, max, swapCurrent, cpuStat, pids] = await Promise.all([
      read('memory.stat'), read('memory.current'), read('memory.max'), read('memory.swap.current'), read('cpu.stat'),
      listPids(path.join(dir, 'cgroup.procs')),
    ]);
    return { pids, fields: v2Usage({ memoryStat, current, max, swapCurrent, cpuStat }) };
  }

  private place(containerId: string, limits: ContainerLimits): { dir: string; memoryLimited: boolean } {
    assertName('container id', containerId);
    const memoryLimited = limits.memMb !== undefined && limits.memMb > 0 && this.features.controllers.has('memory');
    return { dir: path.join(this.features.root, containerId), memoryLimited };
  }

  private attach(containerId: string, limits: ContainerLimits): ContainerCgroups {
    const { dir, memoryLimited } = this.place(containerId, limits);
    const procs = path.join(dir, 'cgroup.procs');
    const logger = this.logger;
    return {
      procsFiles: [procs],
      pids: () => listPids(procs),
      memoryLimitation: async (killedBySigkill) => {
        if (!memoryLimited) return undefined;
        const events = (await readText(path.join(dir, 'memory.events'))) ?? '';
        // `oom` counts the times this cgroup hit memory.max with nothing left to reclaim; `oom_kill`
        // counts kills by any OOM killer, the system-wide one included, so it alone proves nothing.
        const limitReached = (keyedValue(events, 'oom') ?? 0) > 0;
        const oomKills = keyedValue(events, 'oom_kill');
        if (!limitReached || !(oomKills !== undefined ? oomKills > 0 : killedBySigkill)) return undefined;
        const peak = (await readNumber(path.join(dir, 'memory.peak'))) ?? limits.memMb! * MB;
        return { requestedMb: limits.memMb!, maxUsedMb: Math.round(peak / MB) };
      },
      destroy: async () => {
        // cgroup.kill (Linux 5.14+) takes everything down at once, forks in flight included.
        if (await exists(path.join(dir, 'cgroup.kill'))) await fsp.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined);
        signalPids(await listPids(procs), 'SIGKILL');
        await removeCgroupDir(dir, logger);
      },
    };
  }
}

// ---- probe ----

async function probeV2(mount: string, rootName: string, logger?: Logger): Promise<Isolator> {
  const available = (await readText(path.join(mount, 'cgroup.controllers')))?.trim().split(/\s+/) ?? [];
  if (!available.includes('memory')) throw new Error(`no unified cgroup hierarchy with the memory controller at ${mount}`);
  const wanted = ['memory', 'cpu'].filter((c) => available.includes(c));
  const root = path.join(mount, rootName);
  await fsp.mkdir(root, { recursive: true });
  // A controller must be enabled in the parent's cgroup.subtree_control for its files to appear in
  // the children (the top-down constraint), so on both levels above the containers. All tokens of
  // one write succeed or fail together.
  for (const dir of [mount, root]) {
    const enabled = ((await readText(path.join(dir, 'cgroup.subtree_control'))) ?? '').trim().split(/\s+/);
    const missing = wanted.filter((c) => !enabled.includes(c));
    if (missing.length > 0) await fsp.writeFile(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
  }
  // Files the kernel may lack depending on its version and configuration; the root cgroup is a
  // non-root cgroup with the memory controller on, so it has them exactly when containers will.
  return new CgroupsV2(
    {
      root,
      controllers: new Set(wanted),
      swapMax: await exists(path.join(root, 'memory.swap.max')),
      oomGroup: await exists(path.join(root, 'memory.oom.group')),
    },
    logger,
  );
}

async function probeV1(mount: string, rootName: string, logger?: Logger): Promise<Isolator> {
  const memoryMount = path.join(mount, 'memory');
  if (!(await exists(path.join(memoryMount, 'memory.limit_in_bytes')))) throw new Error(`no cgroups v1 memory hierarchy at ${memoryMount}`);
  const memoryRoot = path.join(memoryMount, rootName);
  await fsp.mkdir(memoryRoot, { recursive: true });
  let cpuRoot: string | undefined;
  const cpuMount = path.join(mount, 'cpu');
  if (await exists(path.join(cpuMount, 'cpu.shares'))) {
    cpuRoot = path.join(cpuMount, rootName);
    await fsp.mkdir(cpuRoot, { recursive: true });
  }
  let cpuacctRoot: string | undefined;
  const cpuacctMount = path.join(mount, 'cpuacct');
  if ((await exists(path.join(cpuacctMount, 'cpuacct.stat'))) && !(await exists(path.join(cpuMount, 'cpuacct.stat')))) {
    cpuacctRoot = path.join(cpuacctMount, rootName);
    await fsp.mkdir(cpuacctRoot, { recursive: true });
  }
  return new CgroupsV1(
    {
      memoryRoot,
      memsw: await exists(path.join(memoryMount, 'memory.memsw.limit_in_bytes')),
      cpuRoot,
      cfs: cpuRoot !== undefined && (await exists(path.join(cpuMount, 'cpu.cfs_quota_us'))),
      cpuacctRoot,
    },
    logger,
  );
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
