/**
 * A cluster's instances, found by their tags (EC2, not a local file, says what exists): the
 * cluster's nodes, every mesoscloud cluster in the region, and the wait from "created" to "SSH
 * answers" that comes before the bootstrap. The wait polls DescribeInstances every ~2 s rather than
 * using the SDK's status-check waiters (15-120 s between polls), then reads each node's SSH banner.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import * as net from 'node:net';
import { ROLES, type Role } from '../../plan/roles';
import { ProviderError } from '../../errors';
import { ec2Send } from './ec2-client';
import { TAG } from '../../aws/tags';

/** The tags every mesoscloud resource carries (instances also role and index). */
export const CLUSTER_TAG = TAG.cluster;
export const VERSION_TAG = TAG.version;
export const ROLE_TAG = TAG.role;
export const INDEX_TAG = TAG.index;

export const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

export interface ClusterInstance {
  instanceId: string;
  /** The node's name: 'agent-3'. */
  name: string;
  role: Role;
  index: number;
  state: string;
  publicIp?: string;
  privateIp?: string;
  availabilityZone: string;
  spot: boolean;
  /** EC2 always says; epoch only if an EC2-compatible service does not. */
  launchTime: Date;
  version?: string;
  /** Why EC2 stopped or terminated it, when it says. */
  stateReason?: string;
}

function tagMap(i: Instance): Record<string, string> {
  return Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** A ClusterInstance from an EC2 instance's tags, or undefined when it carries no valid role and index. */
export function clusterInstance(i: Instance): ClusterInstance | undefined {
  const tags = tagMap(i);
  const role = tags[ROLE_TAG] as Role;
  const index = Number(tags[INDEX_TAG]);
  if (!ROLES.includes(role) || !Number.isInteger(index) || index < 0 || !i.InstanceId) return undefined;
  return {
    instanceId: i.InstanceId,
    name: `${role}-${index}`,
    role,
    index,
    state: i.State?.Name ?? 'unknown',
    publicIp: i.PublicIpAddress || undefined,
    privateIp: i.PrivateIpAddress || undefined,
    availabilityZone: i.Placement?.AvailabilityZone ?? '',
    spot: i.InstanceLifecycle === 'spot',
    launchTime: i.LaunchTime ?? new Date(0),
    version: tags[VERSION_TAG],
    stateReason: i.StateReason?.Message ?? i.StateTransitionReason ?? undefined,
  };
}

/** Every instance passing `filters`, across pages. */
async function describeAll(ec2: EC2Client, filters: { Name: string; Values: string[] }[], doing: string): Promise<Instance[]> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  const out: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const answer = await ec2Send(ec2, new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken }), doing);
    for (const r of answer.Reservations ?? []) out.push(...(r.Instances ?? []));
    NextToken = answer.NextToken;
  } while (NextToken);
  return out;
}

const byRoleThenIndex = (a: ClusterInstance, b: ClusterInstance) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role) || a.index - b.index;

/** The cluster's instances that are not terminated, in role then index order. */
export async function findClusterInstances(ec2: EC2Client, cluster: string): Promise<ClusterInstance[]> {
  const found = await describeAll(ec2, [{ Name: `tag:${CLUSTER_TAG}`, Values: [cluster] }, { Name: 'instance-state-name', Values: LIVE_STATES }], `finding the instances of cluster ${cluster}`);
  return found.map(clusterInstance).filter((i): i is ClusterInstance => i !== undefined).sort(byRoleThenIndex);
}

export interface ClusterSummary {
  cluster: string;
  /** The package version its instances were launched with (the newest, if they differ). */
  version?: string;
  instances: ClusterInstance[];
}

/** Every mesoscloud cluster with live instances in the client's region, by name. */
export async function listClusters(ec2: EC2Client): Promise<ClusterSummary[]> {
  const found = await describeAll(ec2, [{ Name: 'tag-key', Values: [CLUSTER_TAG] }, { Name: 'instance-state-name', Values: LIVE_STATES }], 'listing mesoscloud clusters');
  const byCluster = new Map<string, ClusterInstance[]>();
  for (const raw of found) {
    const cluster = tagMap(raw)[CLUSTER_TAG];
    const instance = clusterInstance(raw);
    if (!cluster || !instance) continue;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), instance]);
  }
  return [...byCluster.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cluster, instances]) => {
      const versions = [...new Set(instances.map((i) => i.version).filter((v): v is string => !!v))].sort();
      return { cluster, version: versions[versions.length - 1], instances: instances.sort(byRoleThenIndex) };
    });
}

/** How far a node has come: no instance yet, booting, running with an address, SSH answering. */
export type NodeStage = 'missing' | 'pending' | 'running' | 'ssh';

export interface WaitProgress {
  name: string;
  stage: NodeStage;
  instanceId?: string;
  address?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  sshPort?: number;
  /** Between DescribeInstances calls (default 2000). */
  pollMs?: number;
  /** For each SSH banner read (default 3000). */
  probeTimeoutMs?: number;
  /**
   * The instance each node must be (name -> instance id, from the stack's outputs). Without it a
   * node is whichever live instance carries its tags; with it, an instance of an earlier launch
   * (terminated ones stay listed for an hour) is never mistaken for the node.
   */
  instanceIds?: Record<string, string>;
  /** False: running is enough (instances with no machine behind them, as LocalStack's, answer no SSH). */
  ssh?: boolean;
  /** Called when a node reaches a new stage. */
  onProgress?: (p: WaitProgress) => void;
  signal?: AbortSignal;
}

/** Whether `host:port` answers with an SSH banner ('SSH-2.0-...') within `timeoutMs`. */
export function sshBanner(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let seen = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(seen.startsWith('SSH-')));
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      // RFC 4253: the server may send other lines before the version line.
      const lines = seen.split('\n');
      if (lines.some((l) => l.startsWith('SSH-'))) finish(true);
      else if (seen.length > 8192) finish(false);
    });
  });
}

const FAILED_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/**
 * Waits until each named node ('agent-3') is running with an address (public, else private) and
 * answers on its SSH port; returns them in the order of `names`. A node whose instance was
 * terminated or stopped is an error naming it and EC2's reason; so is the timeout, naming the nodes
 * still waited for and how far each got.
 */
export async function waitForInstances(ec2: EC2Client, cluster: string, names: string[], opts: WaitOptions): Promise<ClusterInstance[]> {
  const sshPort = opts.sshPort ?? 22;
  const pollMs = opts.pollMs ?? 2_000;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 3_000;
  const deadline = Date.now() + opts.timeoutMs;
  const stages = new Map<string, NodeStage>(names.map((n) => [n, 'missing']));
  const ready = new Map<string, ClusterInstance>();
  const report = (p: WaitProgress) => {
    if (stages.get(p.name) === p.stage) return;
    stages.set(p.name, p.stage);
    opts.onProgress?.(p);
  };

  for (;;) {
    if (opts.signal?.aborted) throw new ProviderError('INTERRUPTED', `stopped waiting for the instances of ${cluster}`);
    const all = (await describeAll(ec2, [{ Name: `tag:${CLUSTER_TAG}`, Values: [cluster] }], `waiting for the instances of ${cluster}`))
      .map(clusterInstance)
      .filter((i): i is ClusterInstance => i !== undefined);
    const probes: Promise<void>[] = [];
    for (const name of names) {
      if (ready.has(name)) continue;
      const wanted = opts.instanceIds?.[name];
      const candidates = all.filter((i) => i.name === name && (wanted === undefined || i.instanceId === wanted));
      // A node replaced by a newer instance is judged by the live one.
      const instance = candidates.find((i) => !FAILED_STATES.has(i.state)) ?? candidates.sort((a, b) => b.launchTime.getTime() - a.launchTime.getTime())[0];
      if (!instance) continue;
      if (FAILED_STATES.has(instance.state)) {
        throw new ProviderError('AWS_INSTANCE_FAILED', `instance ${name} (${instance.instanceId}) of cluster ${cluster} is ${instance.state}${instance.stateReason ? `: ${instance.stateReason}` : ''}`, [
          'spot instances can be reclaimed at any time: launch again, or use on-demand instances for this role',
          `the instance's console (aws ec2 get-console-output --instance-id ${instance.instanceId}) may say why it stopped`,
        ]);
      }
      const address = instance.publicIp ?? instance.privateIp;
      if (instance.state !== 'running' || !address) {
        report({ name, stage: 'pending', instanceId: instance.instanceId });
        continue;
      }
      report({ name, stage: 'running', instanceId: instance.instanceId, address });
      if (opts.ssh === false) {
        ready.set(name, instance);
        continue;
      }
      probes.push(sshBanner(address, sshPort, probeTimeoutMs).then((ok) => {
        if (!ok) return;
        ready.set(name, instance);
        report({ name, stage: 'ssh', instanceId: instance.instanceId, address });
      }));
    }
    await Promise.all(probes);
    if (ready.size === names.length) return names.map((n) => ready.get(n)!);
    if (Date.now() + pollMs > deadline) {
      const waiting = names.filter((n) => !ready.has(n)).map((n) => `${n} (${stageText(stages.get(n)!)})`);
      throw new ProviderError('AWS_INSTANCES_TIMEOUT', `instances of cluster ${cluster} not reachable over SSH after ${Math.round(opts.timeoutMs / 1000)} s: ${waiting.join(', ')}`, [
        'security groups must let this machine reach port ' + sshPort + ' (--allow-cidr)',
        `\`mesoscloud destroy --cluster ${cluster}\` removes what was created`,
      ]);
    }
    await delay(pollMs, undefined, { signal: opts.signal }).catch(() => undefined); // an abort ends the wait early
  }
}

function stageText(stage: NodeStage): string {
  return { missing: 'no instance found', pending: 'not running yet', running: 'running, SSH not answering', ssh: 'ready' }[stage];
}
