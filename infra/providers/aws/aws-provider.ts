/** The AWS provider: EC2 instances as one Pulumi stack per cluster, then the SSH bootstrap (aws-*.ts). */
import type { Provider } from '../provider';
import { copyToHosts, runOnHosts } from '../ssh-run';
import { upgradeSsh } from '../ssh-upgrade';
import { describeAwsPlan, planAws, type AwsPlan } from './aws-plan';
import { launchAws, type AwsLaunchResult } from './aws-launch';
import { destroyAws, type AwsDestroyResult } from './aws-destroy';
import { scaleAws } from './aws-scale';
import { costPreview } from './price-list';

export type AwsLaunched = { provider: 'aws'; plan: AwsPlan } & AwsLaunchResult;
export type AwsDestroyed = { provider: 'aws'; name: string } & AwsDestroyResult;

export const awsProvider: Provider<AwsPlan, AwsLaunched, AwsDestroyed> = {
  name: 'aws',
  abortable: false,
  async plan(spec, ctx) {
    const plan = planAws(ctx.catalog, spec);
    if (!ctx.dryRun) return plan;
    const { text, json } = await costPreview(plan.conn, { region: plan.conn.region, roles: plan.roles, cluster: spec.name });
    return { ...plan, cost: { text, json } };
  },
  describePlan: describeAwsPlan,
  async launch(plan, ctx) {
    return { provider: 'aws', plan, ...(await launchAws(ctx.catalog, plan, ctx)) };
  },
  async destroy(cluster, ctx) {
    return { provider: 'aws', name: cluster, ...(await destroyAws(ctx.catalog, cluster, ctx)) };
  },
  scale: (cluster, request, ctx) => scaleAws(ctx.catalog, cluster, request, ctx),
  upgrade: (cluster, ctx) => upgradeSsh(ctx.catalog, cluster, { progress: ctx.progress, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs, bundle: ctx.bundle }),
  run: (cluster, command, target, ctx) => runOnHosts(ctx.catalog, cluster, command, { ...target, progress: ctx.progress, concurrency: ctx.concurrency }),
  copy: (cluster, source, destination, target, ctx) => copyToHosts(ctx.catalog, cluster, source, destination, { ...target, progress: ctx.progress, concurrency: ctx.concurrency }),
};
