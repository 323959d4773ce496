/**
 * `destroy` of an AWS cluster: drain the agents (their tasks end with their kill grace period while
 * the masters still hear of it), destroy the stack, then sweep by tag for anything still there — a
 * resource made outside the stack, or one the stack lost track of — terminating stray instances
 * and naming everything else. The record goes only when nothing tagged for the cluster is left.
 */
import type { ClusterCatalog, SshClusterRecord } from '../../cluster-catalog';
import type { HostProgress } from '../../bootstrap/progress';
import { ProviderError } from '../../errors';
import type { ProviderContext } from '../provider';
import { readSshRecord } from '../ssh';
import { drainAgents } from '../master-access';
import { recordAccess } from '../record-access';
import { locateMaster } from '../../../cluster/client/leader';
import type { AwsConnection } from './aws-connection';
import { stackEngine, stackRefOf } from './stack-engines';
import { stackProgress } from './stack-events';
import { awsError, ec2Client } from './ec2-client';
import { sweepCluster, type Leftover } from './sweep';

export interface AwsDestroyResult {
  found: boolean;
  drained: string[];
  /** Warnings that did not stop the destroy (a drain that timed out). */
  notes: string[];
  /** Anything still tagged for the cluster after the stack was destroyed: empty means nothing left billed. */
  left: Leftover[];
  terminated: string[];
}

const DRAIN_MS = 60_000;

/** Best effort: an unreachable master or a stuck drain is reported, and the instances go anyway. */
async function drain(record: SshClusterRecord, progress: HostProgress): Promise<{ drained: string[]; note?: string }> {
  const agents = record.hosts.filter((h) => h.roles.includes('agent'));
  if (!record.aws?.bootstrapped || agents.length === 0 || !record.masterUrl) return { drained: [] };
  const access = recordAccess(record);
  const locator = locateMaster(record.masterUrl, access);
  try {
    const url = await locator.leaderUrl(10_000);
    progress.note(`Draining ${agents.length} agent(s)`);
    await drainAgents(url, access, agents, progress, DRAIN_MS);
    return { drained: agents.map((a) => a.host) };
  } catch (err) {
    return { drained: [], note: `agents not drained (${(err as Error).message}); their tasks end with the instances` };
  } finally {
    await locator.close();
  }
}

export async function destroyAws(catalog: ClusterCatalog, name: string, ctx: ProviderContext): Promise<AwsDestroyResult> {
  const { progress } = ctx;
  const record = readSshRecord(catalog, name, false, 'aws');
  if (!record?.aws) return { found: false, drained: [], notes: [], left: [], terminated: [] };
  const aws = record.aws;
  const notes: string[] = [];
  // Without the engine nothing can be destroyed: asked before the agents are drained.
  const engine = await stackEngine();
  await engine.check();
  const { drained, note } = await drain(record, progress);
  if (note) {
    notes.push(note);
    progress.note(`Note: ${note}`);
  }
  record.aws = { ...aws, stack: 'destroying' };
  record.updatedAt = new Date().toISOString();
  catalog.write(record);

  const conn: AwsConnection = { region: aws.region, ...(aws.endpointUrl ? { endpointUrl: aws.endpointUrl } : {}), ...(aws.profile ? { profile: aws.profile } : {}) };
  const ec2 = await ec2Client(conn);
  const ref = stackRefOf(catalog, name, aws.backendUrl);
  const events = stackProgress(progress);
  await engine.recover(ref, events);
  // Instances the stack does not know (made by a launch killed before the stack recorded them) would
  // keep its subnets and security group from being deleted: they go first.
  const known = new Set([...aws.nodes.map((n) => n.instanceId), ...((await engine.outputs(ref))?.nodes ?? []).map((n) => n.instanceId)]);
  const strays = await sweepUntilGone(ec2, name, progress, known, (l) => l.type !== 'instance' || known.has(l.id));
  progress.note(`Destroying stack '${name}' (${aws.backendUrl})`);
  await engine.destroy(ref, events);
  progress.note('Sweeping by tag for anything left');
  const { left, terminated } = await sweepUntilGone(ec2, name, progress, new Set(), () => false);
  if (left.length === 0) catalog.remove(name);
  return { found: true, drained, notes, left, terminated: [...strays.terminated, ...terminated] };
}

const SWEEP_WAIT_MS = 180_000;
const SWEEP_POLL_MS = 3_000;

/**
 * Terminates the cluster's instances but those in `keep`, then sweeps again until they and their
 * volumes are gone, so that "nothing left" is checked, not assumed; `expected` says which leftovers
 * are no concern now (the stack's own, before the stack is destroyed). What else is still there is
 * returned as is.
 */
async function sweepUntilGone(ec2: Awaited<ReturnType<typeof ec2Client>>, name: string, progress: HostProgress, keep: ReadonlySet<string>,
  expected: (l: Leftover) => boolean): Promise<{ left: Leftover[]; terminated: string[] }> {
  const first = await sweepCluster(ec2, name, { terminate: true, keep }).catch((err) => { throw awsError(err, `looking for resources tagged mesoscloud:cluster=${name}`) });
  const terminated = first.filter((l) => l.type === 'instance' && !keep.has(l.id)).map((l) => l.id);
  if (terminated.length > 0) progress.note(`Terminating ${terminated.length} instance(s) the stack does not know: ${terminated.join(', ')}`);
  let left = first.filter((l) => !expected(l));
  const deadline = Date.now() + SWEEP_WAIT_MS;
  // Only what terminating instances takes with it is waited for.
  const going = (l: Leftover) => l.type === 'instance' || l.type === 'volume';
  while (left.length > 0 && left.every(going) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, SWEEP_POLL_MS));
    left = (await sweepCluster(ec2, name)).filter((l) => !expected(l));
  }
  return { left, terminated };
}

export function leftError(name: string, left: AwsDestroyResult['left']): ProviderError {
  const onlyInstances = left.every((l) => l.type === 'instance' || l.type === 'volume');
  return new ProviderError('RESOURCES_LEFT', `after destroying the stack, ${left.length} resource(s) tagged mesoscloud:cluster=${name} are still there:\n${left.map((l) => `  ${l.type} ${l.id}${l.state ? ` (${l.state})` : ''}`).join('\n')}`, [
    ...(onlyInstances ? [`run it again once they are gone (instances terminate in a minute or two): mesoscloud destroy --cluster ${name}`] : []),
    'remove them in the EC2 console or with the AWS CLI (they are tagged mesoscloud:cluster); the stack no longer holds them',
  ]);
}
