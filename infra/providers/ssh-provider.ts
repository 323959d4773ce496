/** The SSH provider: clusters on hosts the operator already has, reached over SSH (ssh*.ts). */
import { renderPlan, planJson } from '../plan/render';
import type { ClusterSpec } from '../plan/spec';
import type { Provider } from './provider';
import { launchSsh, planSsh, type SshLaunchResult, type SshPlan } from './ssh';
import { destroySsh } from './ssh-destroy';
import { copyToHosts, runOnHosts } from './ssh-run';
import { scaleSsh } from './ssh-scale';
import { upgradeSsh } from './ssh-upgrade';

export type SshLaunched = { provider: 'ssh'; spec: ClusterSpec } & SshLaunchResult;
export type SshDestroyed = { provider: 'ssh'; name: string } & Awaited<ReturnType<typeof destroySsh>>;

export const sshProvider: Provider<SshPlan, SshLaunched, SshDestroyed> = {
  name: 'ssh',
  async plan(spec, ctx) {
    return planSsh(ctx.catalog, spec, ctx.bundle);
  },
  describePlan: ({ plan }) => ({ text: renderPlan(plan), json: planJson(plan) }),
  async launch(planned, ctx) {
    const result = await launchSsh(ctx.catalog, planned, { progress: ctx.progress, bundle: planned.bundle, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs });
    return { provider: 'ssh', spec: planned.spec, ...result };
  },
  async destroy(cluster, ctx) {
    const result = await destroySsh(ctx.catalog, cluster, { progress: ctx.progress, concurrency: ctx.concurrency });
    return { provider: 'ssh', name: cluster, ...result };
  },
  scale: (cluster, request, ctx) => scaleSsh(ctx.catalog, cluster, { ...request, progress: ctx.progress, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs, bundle: ctx.bundle }),
  upgrade: (cluster, ctx) => upgradeSsh(ctx.catalog, cluster, { progress: ctx.progress, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs, bundle: ctx.bundle }),
  run: (cluster, command, target, ctx) => runOnHosts(ctx.catalog, cluster, command, { ...target, progress: ctx.progress, concurrency: ctx.concurrency }),
  copy: (cluster, source, destination, target, ctx) => copyToHosts(ctx.catalog, cluster, source, destination, { ...target, progress: ctx.progress, concurrency: ctx.concurrency }),
};
