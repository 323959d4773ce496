/**
 * Putting one host's share of the cluster in place over one SSH connection, step by step, each
 * step recorded on the host: inspect (one round trip), Node check, Java/ZooKeeper through the
 * package manager when a ZooKeeper host lacks them, the daemon bundle (skipped when the host has
 * this sha256), the services' config files (skipped when their hash matches), then each service
 * started or restarted only when it is not running or its definition changed.
 */
import { createHash } from 'node:crypto';
import type { SshConnection } from './ssh';
import type { DaemonBundle } from './bundle';
import type { HostProgress } from './progress';
import { factsScript, nodeProblem, packageRemoveCommand, parseFacts, zookeeperInstall, type HostFacts } from './host-facts';
import { emptyState, record, STEP, type HostState } from './host-state';
import { writeFilesScript, type RemoteFile } from './file-script';
import { removeCommand, restartCommand, systemdUnit, unitPath, type ServiceManager, type ServiceRef } from './service-commands';
import { shellQuote as q } from './ssh-quote';
import type { ClusterPlan, HostPlan, Role, ServicePlan } from '../plan/planner';
import { remoteLayout } from '../plan/remote-layout';
import { ensureUserCommand, removeUserCommand } from './daemon-user';

export class BootstrapError extends Error {
  constructor(readonly code: string, readonly host: string, message: string, readonly suggestions: string[] = []) {
    super(message);
  }
}

export type ServiceChange = 'started' | 'restarted' | 'unchanged';

export class HostBootstrap {
  facts?: HostFacts;
  private state: HostState = emptyState();

  constructor(
    readonly conn: SshConnection,
    readonly host: HostPlan,
    private readonly plan: ClusterPlan,
    private readonly bundle: DaemonBundle | undefined,
    private readonly progress: HostProgress,
  ) {}

  get label(): string { return this.host.host }
  private get layout() { return remoteLayout(this.plan.cluster) }
  private get manager(): ServiceManager { return this.facts?.systemd ? 'systemd' : 'supervisor' }

  private root(command: string): string { return this.conn.asRoot(command) }

  /** Every role that could have a service here, so inspection also sees services of roles this host lost. */
  private allRefs(): ServiceRef[] {
    return (['zookeeper', 'master', 'agent'] as Role[]).map((role) => refFor(this.plan.cluster, role, this.host.services.find((s) => s.role === role)));
  }

  async inspect(): Promise<HostFacts> {
    this.progress.step(this.label, 'inspecting');
    const out = await this.conn.run(this.root(factsScript(this.layout.statePath, this.allRefs())));
    this.facts = parseFacts(out);
    this.state = this.facts.state;
    return this.facts;
  }

  /** Node, packages, bundle, config files: everything short of starting services. */
  async prepare(): Promise<void> {
    const facts = this.facts ?? (await this.inspect());
    const problem = nodeProblem(facts);
    if (problem) throw new BootstrapError('NODE_MISSING', this.label, `${this.label}: ${problem}`);
    this.state = record(this.state, STEP.node, { detail: { version: facts.nodeVersion ?? '', path: facts.nodePath ?? '' } });

    if (this.host.roles.includes('zookeeper')) await this.installZooKeeper(facts);

    const bundle = this.bundle;
    if (bundle && this.state.steps[STEP.bundle]?.hash !== bundle.sha256) {
      this.progress.step(this.label, `uploading the daemon bundle (${(bundle.size / 1024).toFixed(0)} KiB)`);
      await this.conn.upload(bundle.content, this.plan.bundle.remotePath, { mode: 0o644, asRoot: true, compress: true });
      this.state = record(this.state, STEP.bundle, { hash: bundle.sha256, detail: { path: this.plan.bundle.remotePath, version: bundle.version } });
    }

    const stale = this.host.services.filter((s) => this.state.steps[STEP.config(s.role)]?.hash !== s.configHash);
    if (stale.length > 0) {
      this.progress.step(this.label, `writing config (${stale.map((s) => s.role).join(', ')})`);
      const files: RemoteFile[] = stale.flatMap((s) => s.files);
      if (this.manager === 'systemd') {
        for (const s of stale) files.push({ path: unitPath(s.unit), content: systemdUnit(refFor(this.plan.cluster, s.role, s), facts.nodePath!), mode: 0o644 });
      }
      const users = [...new Set(stale.flatMap((s) => (s.user ? [s.user] : [])))];
      const owned = stale.flatMap((s) => (s.user ? [`chown -R ${q(`${s.user}:`)} ${q(this.layout.workDir(s.role))}`] : []));
      const reload = this.manager === 'systemd' ? ['systemctl daemon-reload'] : [];
      // set -e first: a user that cannot be created stops here, named, not at a chown further down.
      await this.conn.run(this.root(['set -e', ...users.map(ensureUserCommand), writeFilesScript(files, stale.flatMap((s) => s.dirs)), ...owned, ...reload].join('\n')));
      for (const s of stale) await this.pushSecrets(s);
      for (const s of stale) this.state = record(this.state, STEP.config(s.role), { hash: s.configHash });
    }
    await this.saveState();
  }

  /**
   * The service's secret files, each through the SSH session's input (never in a command), into its
   * secrets dir (0700), mode 0600, owned by the daemon's user.
   */
  private async pushSecrets(service: ServicePlan): Promise<void> {
    if (service.secrets.length === 0 || !service.secretsDir) return;
    const owner = service.user ?? 'root';
    await this.conn.run(this.root(`install -d -m 700 -o ${q(owner)} -g "$(id -g ${q(owner)})" ${q(service.secretsDir)}`));
    for (const secret of service.secrets) {
      if (secret.content === undefined) throw new BootstrapError('NO_SECRET', this.label, `${this.label}: the ${service.role}'s ${secret.kind} was not provided`);
      await this.conn.upload(secret.content, secret.path, { mode: 0o600, asRoot: true, owner });
    }
  }

  private async installZooKeeper(facts: HostFacts): Promise<void> {
    const install = zookeeperInstall(facts);
    if (!install) return;
    if ('problem' in install) throw new BootstrapError('ZOOKEEPER_MISSING', this.label, `${this.label}: ${install.problem}`);
    this.progress.step(this.label, `installing ${install.packages.join(', ')}`);
    const result = await this.conn.exec(this.root(install.command), { timeoutMs: 15 * 60_000 });
    if (result.code !== 0) {
      throw new BootstrapError('PACKAGE_INSTALL_FAILED', this.label, `${this.label}: installing ${install.packages.join(', ')} failed (exit ${result.code}): ${tailOf(result.stderr || result.stdout)}`, [
        `install them on ${this.label} by hand (${install.command}), then run launch again`,
      ]);
    }
    const before = (this.state.steps[STEP.packages]?.detail?.installed as string[] | undefined) ?? [];
    this.state = record(this.state, STEP.packages, { detail: { installed: [...new Set([...before, ...install.packages])], manager: facts.packageManager ?? '' } });
    facts.java = true;
    facts.zookeeper = true;
  }

  /** Starts the role's service unless it already runs with this very definition. */
  async ensureRunning(role: Role): Promise<ServiceChange> {
    const service = this.serviceOf(role);
    const running = this.facts?.running.has(role) ?? false;
    const recorded = this.state.steps[STEP.service(role)];
    if (running && recorded?.hash === restartKey(this.plan.cluster, service) && recorded.detail?.manager === this.manager) return 'unchanged';
    this.progress.step(this.label, `${running ? 'restarting' : 'starting'} ${role}`);
    await this.conn.run(this.root(restartCommand(refFor(this.plan.cluster, role, service), this.manager, this.facts!.nodePath!)));
    this.facts?.running.add(role);
    this.state = record(this.state, STEP.service(role), { hash: restartKey(this.plan.cluster, service), detail: { manager: this.manager } });
    await this.saveState();
    return running ? 'restarted' : 'started';
  }

  /** Probes the service from the host itself, so it works whether or not the operator can reach it. */
  async waitHealthy(role: Role, timeoutSeconds = 60): Promise<void> {
    const service = this.serviceOf(role);
    this.progress.step(this.label, `waiting for ${role} to answer`);
    const probe = [this.facts!.nodePath!, this.plan.bundle.remotePath, 'probe', ...service.probe, '--timeout', `${timeoutSeconds}secs`].map(q).join(' ');
    // With TLS the probe presents the daemon's own certificate, which only root (and the daemon) may read.
    const result = await this.conn.exec(service.secrets.length > 0 ? this.root(probe) : probe, { timeoutMs: (timeoutSeconds + 15) * 1000 });
    if (result.code !== 0) {
      const log = await this.conn.exec(this.root(`tail -n 20 ${q(String(service.definition.log))}`)).catch(() => undefined);
      throw new BootstrapError('SERVICE_UNHEALTHY', this.label, `${this.label}: ${role} did not become healthy within ${timeoutSeconds}s: ${tailOf(result.stderr || result.stdout)}` +
        (log?.stdout ? `\nlast lines of ${service.definition.log}:\n${log.stdout.trimEnd()}` : ''));
    }
  }

  /** Deletes bundles other than the plan's (a running daemon keeps its code in memory). */
  async removeOtherBundles(): Promise<void> {
    const current = this.plan.bundle.remotePath;
    const dir = current.slice(0, current.lastIndexOf('/'));
    await this.conn.run(this.root(`for f in ${q(dir)}/mesoscloud-daemon-*.js; do [ "$f" = ${q(current)} ] || rm -f "$f"; done; true`));
  }

  /**
   * Removes the whole cluster from this host: every service stopped (agents kill their tasks
   * first), units, files, work dirs, logs, cgroups, and the packages we installed when no other
   * cluster is left on the host.
   */
  async removeEverything(): Promise<void> {
    const facts = this.facts ?? (await this.inspect());
    this.progress.step(this.label, 'stopping services');
    const manager = this.manager;
    const stops = this.allRefs().map((ref) => removeCommand(ref, manager));
    // Agents first, so tasks are killed while the masters still listen for their updates.
    await this.conn.run(this.root(stops.reverse().join('\n')));
    this.progress.step(this.label, 'removing files');
    const layout = this.layout;
    const installed = (this.state.steps[STEP.packages]?.detail?.installed as string[] | undefined) ?? [];
    const removePackages = packageRemoveCommand(facts.packageManager, installed);
    const script = [
      `rm -rf ${layout.clusterDirs.map(q).join(' ')}`,
      `for d in ${layout.parentDirs.map(q).join(' ')}; do rmdir "$d" 2>/dev/null; done`,
      ...cgroupCleanup(layout.cgroupsRoot),
      ...(removePackages ? [`if [ -z "$(ls -A /var/lib/mesoscloud 2>/dev/null)" ]; then ${removePackages} >/dev/null 2>&1; fi`] : []),
      `if [ -z "$(ls -A /var/lib/mesoscloud 2>/dev/null)" ]; then ${removeUserCommand()}; fi`,
      'true',
    ].join('\n');
    await this.conn.run(this.root(script));
  }

  private serviceOf(role: Role): ServicePlan {
    const service = this.host.services.find((s) => s.role === role);
    if (!service) throw new BootstrapError('NO_SUCH_SERVICE', this.label, `${this.label} has no ${role} in the plan`);
    return service;
  }

  private async saveState(): Promise<void> {
    await this.conn.run(this.root(writeFilesScript([{ path: this.layout.statePath, content: JSON.stringify(this.state, null, 2) + '\n', mode: 0o644 }])));
  }
}

/**
 * What decides a restart. ZooKeeper's process is Java with its zoo.cfg and myid: a new daemon
 * bundle changes its definition file but not the server, so only its own files count.
 */
function restartKey(cluster: string, service: ServicePlan): string {
  if (service.role !== 'zookeeper') return service.configHash;
  const definition = remoteLayout(cluster).definitionPath('zookeeper');
  const own = service.files.filter((f) => f.path !== definition).map((f) => `${f.path}\n${f.content}`).join('\n');
  return createHash('sha256').update(own).digest('hex');
}

/**
 * The service reference of a role: every path comes from the layout (the planner's definitions use
 * the same one); only the bundle is the plan's, and a host without that role in the plan (being
 * cleaned up) needs none.
 */
function refFor(cluster: string, role: Role, service?: ServicePlan): ServiceRef {
  const layout = remoteLayout(cluster);
  return {
    role,
    unit: layout.unit(role),
    definitionPath: layout.definitionPath(role),
    bundle: service?.definition.bundle ?? '',
    pidFile: layout.pidFile(role),
    supervisorPidFile: layout.supervisorPidFile(role),
    log: layout.logPath(role),
  };
}

/**
 * The cluster's cgroup root with its task cgroups, deepest first: in the unified v2 mount and in
 * every v1 hierarchy below it (the rule infra/providers/cgroup-roots.ts applies locally).
 */
function cgroupCleanup(root: string): string[] {
  return [`for d in /sys/fs/cgroup/${q(root)} /sys/fs/cgroup/*/${q(root)}; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done`];
}

function tailOf(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-3).join(' | ') || '(no output)';
}
