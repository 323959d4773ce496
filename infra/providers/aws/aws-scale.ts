/**
 * `scale` of an AWS cluster: the stack grows or shrinks to the agent count asked for. Shrinking
 * drains the agents that go (the highest indexes) first; growing bootstraps only the new hosts
 * (the others' recorded steps make them no-ops).
 */
import type { ClusterCatalog } from '../../cluster-catalog';
import type { ClusterSpec } from '../../plan/spec';
import { specFromSources } from '../../plan/spec';
import { ProviderError } from '../../errors';
import type { ProviderContext, ScaleOutcome, ScaleRequest } from '../provider';
import { readSshRecord } from '../ssh';
import { drainAgents } from '../master-access';
import { recordAccess } from '../record-access';
import { locateMaster } from '../../../cluster/client/leader';
import { planAws } from './aws-plan';
import { launchAws } from './aws-launch';
import { stackEngine } from './stack-engines';
import { hostSpecOf } from './aws-hosts';
import { findDaemonBundle } from '../../bootstrap/bundle';
import { planCluster } from '../../plan/planner';

export async function scaleAws(catalog: ClusterCatalog, name: string, request: ScaleRequest, ctx: ProviderContext): Promise<ScaleOutcome> {
  const record = readSshRecord(catalog, name, true, 'aws');
  if (request.addHosts && request.addHosts.length > 0) {
    throw new ProviderError('BAD_FLAG', `cluster '${name}' runs on EC2: it makes its own hosts, so --hosts does not apply`, [`give the number of agents: mesoscloud scale --cluster ${name} --agents 8`]);
  }
  if (request.agents === undefined) throw new ProviderError('MISSING_FLAG', 'say how many agents: --agents N');
  const launched = record.aws!.spec as unknown as ClusterSpec;
  const spec = specFromSources({ ...launched, agents: request.agents }, {}, 'the cluster record and the scale flags');
  const agentsBefore = record.aws!.nodes.filter((n) => n.role === 'agent');
  const going = agentsBefore.filter((n) => n.index >= request.agents!);
  // Everything that can refuse is asked before an agent is drained: draining cannot be undone.
  const plan = planAws(catalog, spec);
  await (await stackEngine()).check();
  if (going.length > 0) {
    const hosts = record.hosts.filter((h) => going.some((n) => (n.publicIp ?? n.privateIp) === h.host));
    const access = recordAccess(record);
    const locator = locateMaster(record.masterUrl, access);
    try {
      await drainAgents(await locator.leaderUrl(30_000), access, hosts, ctx.progress, ctx.timeoutMs ?? 120_000);
    } finally {
      await locator.close();
    }
  }
  const outcome = await launchAws(catalog, plan, ctx);
  const after = outcome.nodes.filter((n) => n.role === 'agent');
  const host = (n: { publicIp?: string; privateIp?: string; name: string }) => n.publicIp ?? n.privateIp ?? n.name;
  // A cluster that is not bootstrapped (LocalStack's) is still planned, to say what runs where.
  const bundle = ctx.bundle ?? findDaemonBundle();
  const planned = outcome.bootstrap?.plan ?? planCluster(hostSpecOf(spec, outcome.nodes, outcome.record.aws!.privateKeyFile), { bundle: { version: bundle.version, sha256: bundle.sha256 }, secure: true });
  return {
    added: after.filter((n) => !agentsBefore.some((b) => b.instanceId === n.instanceId)).map(host),
    removed: going.map(host),
    plan: planned,
  };
}
