/**
 * The agent daemon, as wiring: serves /health, /state and /files (http-routes.ts), registers with
 * the leading master and keeps doing so (master-connection.ts, registration.ts), runs the tasks the
 * master sends (task-launch.ts), and delivers every state change through the status update manager
 * until the master acknowledges it (task-updates.ts, status-updates.ts). Started again on the same
 * work dir, it first recovers what the previous agent process left running (recover-tasks.ts) and
 * re-registers as the same agent, with its current resources and attributes even if they changed.
 */
import { v1Route } from '../http/v1-media';
import { V1_MESSAGES } from '../protocol/wire-codec';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as http from 'node:http';
import type { MasterDetector } from '../election';
import { createDetector, isZooKeeperUrl, leaderBaseUrl, StandaloneMasterDetector } from '../election';
import { parseAttributes } from '../protocol/attributes';
import { Resources } from '../protocol/resources';
import type { Attribute } from '../protocol/types';
import { close as closeServer, createServer, listen, Router } from '../http/server';
import { createTlsServer, loadTlsMaterial, type TlsMaterial } from '../http/tls';
import { buildInfo } from '../util/build-info';
import type { Logger } from '../util/log';
import { createLogger } from '../util/log';
import type { Isolator } from './cgroups';
import { createIsolator } from './cgroups';
import { registerAgentRoutes } from './http-routes';
import { SandboxReader } from './files-routes';
import { AgentCounters, agentMetricsSnapshot, usedResources } from './metrics';
import { monitorContainers } from './monitor';
import { registerAgentOperatorRoutes } from './operator-api';
import { authorizerFromFlag } from '../authz/acls-flag';
import type { Authorizer } from '../authz/authorizer';
import { sandboxAuthorizer, visibleTasks } from './visibility';
import { authenticatorFromFlags, authorizationHeaders, readCredentialFile, type Credential } from '../http/auth';
import type { MasterConnectionOptions } from './master-connection';
import { MasterConnection, parseMasterUrl } from './master-connection';
import type { AgentOptions } from './options';
import { httpLimitsOf } from '../http/limit-options';
import { agentFlags, resolveAgentOptions } from './options';
import { recoverTasks } from './recover-tasks';
import { advertiseIp, agentHostname, Registration } from './registration';
import { agentResources, probeHost } from './resources-probe';
import { prepareWorkDir, sandboxesRoot } from './sandbox-paths';
import { agentStateJson } from './state-json';
import { realClock, StatusUpdateManager } from './status-updates';
import type { StatusUpdate } from './status-updates';
import { TaskControl } from './task-control';
import { createAgentFetcher } from './fetcher/fetcher';
import { TaskTable } from './task-table';
import { TaskUpdates } from './task-updates';
import { EXECUTOR_API_PATH, executorApiHandler, executorTokens } from './executor-api';
import { Executors } from './executors';
import { Volumes } from './volumes';
import { withCheckpointed } from './volume-spec';
import { canBindMount, type Attachment } from './volume-mounts';
import { metaDir } from './sandbox-paths';

export const AGENT_VERSION = '1.11.0-mesoscloud';

export interface Agent {
  /** Listens and begins registering; resolves once listening. */
  start(): Promise<void>;
  /** Stops the agent. Tasks keep running unless `killTasks` (then they are killed and the agent unregisters). */
  close(opts?: { killTasks?: boolean }): Promise<void>;
  readonly port: number;
  readonly url: string;
  readonly agentId: string | undefined;
  /** Resolves with the agent id once the master has accepted the registration. */
  whenRegistered(): Promise<string>;
}

export class AgentDaemon implements Agent {
  private readonly opts: AgentOptions;
  private readonly log: Logger;
  /** The fixed --master URL; undefined for zk://, where the detector says who leads. */
  private readonly masterUrl?: URL;
  /** The cluster's TLS files, read at construction; undefined without TLS. */
  private readonly tls?: TlsMaterial;
  private detector?: MasterDetector;
  private readonly givenResources: string | undefined;
  private readonly attributes: Attribute[];
  private readonly router = new Router();
  private server?: http.Server;
  private listeningPort = 0;
  private resources: Resources = Resources.empty();
  private isolator?: Isolator;
  private connection?: MasterConnection;
  private readonly updates: StatusUpdateManager;
  private readonly taskUpdates: TaskUpdates;
  private readonly taskControl: TaskControl;
  private readonly executors: Executors;
  private readonly registration: Registration;
  private readonly tasks = new TaskTable();
  /** Mesos's slave/* counters for /metrics/snapshot. */
  private readonly counters = new AgentCounters();
  private closed = false;
  private readonly startTime = Date.now() / 1000;
  /** What the agent registers with (--credential). */
  private readonly credential?: Credential;
  /** Fetches CommandInfo.uris, with the agent-wide cache. */
  private readonly fetcher: ReturnType<typeof createAgentFetcher>;
  /** Checkpointed resources and persistent volumes (volumes.ts). */
  private readonly volumes: Volumes;
  /** How volumes get into sandboxes: probed with the first volume (attachment()), not at every start. */
  private probedAttachment?: Attachment;

  constructor(options: AgentOptions) {
    this.opts = resolveAgentOptions(options);
    this.log = (this.opts.logger ?? createLogger('agent')).child('agent');
    // Checked by resolveAgentOptions; undefined for zk://, where the detector says who leads.
    this.tls = loadTlsMaterial(this.opts);
    if (!isZooKeeperUrl(this.opts.master)) this.masterUrl = parseMasterUrl(this.opts.master, this.scheme);
    this.givenResources = this.opts.resources;
    this.attributes = this.opts.attributes ? parseAttributes(this.opts.attributes) : [];
    this.updates = new StatusUpdateManager({
      clock: realClock,
      initialRetryMs: this.opts.statusUpdateRetrySeconds * 1000,
      send: (update) => this.sendUpdate(update),
      // The terminal update was acknowledged: the task's resources are free.
      onStreamClosed: (update) => this.tasks.complete(update.framework_id.value, update.status.task_id.value),
    });
    this.registration = new Registration({
      log: this.log,
      workDir: this.opts.workDir,
      version: AGENT_VERSION,
      hostname: () => agentHostname(this.opts),
      port: () => this.listeningPort,
      pid: () => `${advertiseIp(this.opts)}:${this.listeningPort}`,
      resources: () => this.resources,
      attributes: this.attributes,
      tasks: this.tasks,
      updates: this.updates,
      masterUrl: () => this.connection?.masterUrl,
      checkpointedResources: () => this.volumes.checkpointed,
    });
    const agentId = () => this.registration.agentId;
    this.volumes = new Volumes({ log: this.log.child('volumes'), workDir: this.opts.workDir, attachment: () => this.attachment() });
    this.taskUpdates = new TaskUpdates({ log: this.log, tasks: this.tasks, updates: this.updates, agentId, closed: () => this.closed, counters: this.counters });
    this.fetcher = createAgentFetcher({
      cacheDir: this.opts.fetcherCacheDir ?? path.join(this.opts.workDir, 'fetch'),
      cacheSizeBytes: this.opts.fetcherCacheSize ?? 2 * 2 ** 30,
      stallTimeoutSeconds: this.opts.fetcherStallTimeoutSeconds ?? 60,
      caFile: this.opts.fetcherCaFile,
    }, this.log);
    const runAs = {
      switchUser: this.opts.switchUser ?? true,
      allowRootTasks: this.opts.allowRootTasks ?? false,
      agentUid: process.getuid?.() ?? -1,
      agentUser: os.userInfo().username,
    };
    const tokens = this.opts.authenticateHttpExecutors ? executorTokens(this.opts.workDir, this.opts.executorSecretKey) : undefined;
    this.executors = new Executors({
      log: this.log,
      workDir: this.opts.workDir,
      isolator: () => this.isolator!,
      runAs,
      settings: {
        registrationTimeoutMs: this.opts.executorRegistrationTimeoutSeconds! * 1000,
        reregistrationTimeoutMs: this.opts.executorReregistrationTimeoutSeconds! * 1000,
        recoveryTimeoutMs: this.opts.recoveryTimeoutSeconds! * 1000,
        shutdownGracePeriodMs: this.opts.killGracePeriodSeconds * 1000,
        agentEndpoint: () => `${advertiseIp(this.opts)}:${this.listeningPort}`,
        agentInfo: () => this.registration.agentInfo(),
        ...(tokens ? { token: (scope: { fid: string; eid: string; cid: string }) => tokens.issue(scope) } : {}),
        fetcher: this.fetcher,
        ...(this.opts.tlsCaFile && this.opts.tlsCertFile ? { tlsCaFile: this.opts.tlsCaFile } : {}),
      },
      tasks: this.tasks,
      taskUpdates: this.taskUpdates,
      updates: this.updates,
      watchDone: (entry) => this.taskControl.watchDone(entry),
      agentId,
      toScheduler: (frameworkId, executorId, data) => this.sendExecutorMessage(frameworkId, executorId, data),
      volumes: this.volumes,
    });
    this.taskControl = new TaskControl({
      log: this.log,
      fetcher: this.fetcher,
      workDir: this.opts.workDir,
      killGracePeriodMs: this.opts.killGracePeriodSeconds * 1000,
      tasks: this.tasks,
      updates: this.updates,
      taskUpdates: this.taskUpdates,
      agentId,
      isolator: () => this.isolator!,
      runAs,
      executors: this.executors,
      volumes: this.volumes,
    });
    this.router.authenticator = authenticatorFromFlags(
      this.opts.httpCredentials, { readonly: this.opts.authenticateHttpReadonly === true, readwrite: this.opts.authenticateHttpReadwrite === true }, '--http_credentials',
    );
    this.credential = this.opts.credential === undefined ? undefined : readCredentialFile(this.opts.credential);
    this.router.on('POST', EXECUTOR_API_PATH, executorApiHandler({ executors: this.executors, tokens, maxStreamBacklogBytes: this.opts.maxStreamBacklogBytes }), { ...v1Route(V1_MESSAGES.executorCall), access: 'open' });
    const authorizer = authorizerFromFlag(this.opts.acls);
    const authorizeSandbox = sandboxAuthorizer(authorizer, () => this.tasks.snapshot());
    const flags = () => agentFlags(this.opts, agentHostname(this.opts));
    registerAgentRoutes(this.router, { workDir: this.opts.workDir, authorizer, flags, state: (principal) => this.stateJson(authorizer, principal), authorizeSandbox });
    registerAgentOperatorRoutes(this.router, {
      version: AGENT_VERSION,
      authorizer,
      flags,
      metrics: () => this.metrics(),
      // Before start() there is no isolator and nothing runs.
      containers: () => (this.isolator ? monitorContainers(this.isolator, this.tasks.activeTasks()) : Promise.resolve([])),
      tasks: (principal) => ({ agentId: this.registration.agentId, ...visibleTasks(this.tasks.snapshot(), authorizer, principal) }),
      agentInfo: () => this.registration.agentInfo(),
      sandboxes: new SandboxReader(sandboxesRoot(this.opts.workDir)),
      authorizeSandbox,
    });
  }

  get port(): number { return this.listeningPort }
  get agentId(): string | undefined { return this.registration.agentId }
  get url(): string { return `${this.scheme}://${advertiseIp(this.opts)}:${this.listeningPort}` }
  private get scheme(): 'http' | 'https' { return this.tls ? 'https' : 'http' }

  whenRegistered(): Promise<string> {
    return this.registration.whenRegistered();
  }

  async start(): Promise<void> {
    const workDir = this.opts.workDir;
    const closed = prepareWorkDir(workDir);
    this.fetcher.cache.prepare();
    if (closed.length > 0 && (this.opts.switchUser ?? true)) {
      this.log.warn('tasks running as other users cannot reach their sandboxes by path: directories above the work dir are closed to them', { directories: closed });
    }
    this.resources = agentResources(this.givenResources, probeHost(workDir));
    this.isolator = await createIsolator(this.opts.cgroups, { logger: this.log, rootName: this.opts.cgroupsRoot });
    // A probe directory left means an agent was killed mid-probe: probe now, which clears its mount.
    if (fs.existsSync(this.mountProbeDir)) this.attachment();
    try {
      // Before the tasks: a recovered task takes back the volumes it had.
      this.volumes.recover();
    } catch (err) {
      this.counters.recoveryErrors++;
      this.log.error('could not recover the checkpointed resources; the master\'s list will replace them', { error: (err as Error).message });
    }
    const recovered = await recoverTasks({
      log: this.log,
      workDir,
      mode: this.opts.recover ?? 'reconnect',
      isolator: this.isolator,
      tasks: this.tasks,
      taskControl: this.taskControl,
      executors: this.executors,
      updates: this.updates,
      resources: this.resources,
      attributes: this.attributes,
      adoptIdentity: (id, info) => this.registration.adopt(id, info),
    });
    this.counters.recoveryErrors += recovered.errors;
    // Volumes destroyed while a task used them go once the recovered runs show nobody does any more,
    // and mounts in the sandboxes of runs not taken back are undone.
    this.volumes.removeUnused();
    this.volumes.clearStrayMounts(sandboxesRoot(workDir), this.tasks.activeTasks().map((e) => e.sandbox));
    const onError = (err: unknown) => this.log.error('request failed', { error: (err as Error).message });
    const limits = httpLimitsOf(this.opts);
    this.server = this.tls
      ? createTlsServer(this.router, onError, { material: this.tls, ...clientCertificatePolicy(this.opts) }, limits)
      : createServer(this.router, onError, limits);
    this.listeningPort = await listen(this.server, this.opts.port, this.opts.ip);
    this.log.info('agent listening', { url: this.url, resources: this.resources.toString(), isolation: this.isolator.kind, work_dir: workDir });
    const fixed = this.masterUrl;
    this.detector = fixed ? new StandaloneMasterDetector(this.opts.master) : createDetector(this.opts.master, { logger: this.log.child('detector') });
    this.connection = new MasterConnection({
      detector: this.detector,
      leaderUrl: (leader) => fixed ?? new URL(leaderBaseUrl(leader, this.scheme)),
      tls: this.tls,
      logger: this.log.child('master'),
      pingTimeoutMs: this.opts.masterPingTimeoutSeconds * 1000,
      registerCall: () => this.registration.registerCall(),
      headers: authorizationHeaders(this.credential),
      agentId: () => this.registration.agentId,
      onRegistered: (event) => this.registration.onRegistered(event.registered),
      onEvent: (event) => this.onEvent(event),
    });
    this.connection.start();
  }

  private get mountProbeDir(): string {
    return path.join(metaDir(this.opts.workDir), 'mount-probe');
  }

  /**
   * Whether volumes can be bind-mounted here, found out when the first volume needs it: the probe
   * runs mount and umount, about 100 ms that an agent with no volumes (most) would spend at every start.
   */
  private attachment(): Attachment {
    if (this.probedAttachment === undefined) {
      this.probedAttachment = canBindMount(this.mountProbeDir) ? 'bind mount' : 'symlink';
      if (this.probedAttachment === 'symlink') this.log.warn('cannot bind-mount here (not root, or no CAP_SYS_ADMIN): persistent volumes are symlinked into sandboxes, and mode RO is not enforced');
    }
    return this.probedAttachment;
  }

  async close(opts: { killTasks?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (opts.killTasks) await this.killEverything();
    this.closed = true;
    this.fetcher.cache.close();
    this.updates.close();
    this.connection?.stop();
    await this.detector?.close().catch(() => undefined);
    if (this.server) await closeServer(this.server);
  }

  /** Events arrive checked by the master connection (protocol/validate.ts). */
  private onEvent(event: Parameters<MasterConnectionOptions['onEvent']>[0]): void {
    if (this.closed) return;
    try {
      switch (event.type) {
        case 'RUN_TASK':
          return this.taskControl.runTask(event.run_task);
        case 'RUN_TASK_GROUP':
          return this.taskControl.runTaskGroup(event.run_task_group);
        case 'CHECKPOINT_RESOURCES': {
          // The master's list wins; one it cannot have meant is refused whole, as applying half of it would be worse.
          const problem = this.volumes.apply(event.checkpoint_resources.resources ?? []);
          if (problem) this.log.error('refusing checkpointed resources from the master', { problem });
          return;
        }
        case 'KILL_TASK':
          return this.taskControl.kill(event.kill_task);
        case 'ACKNOWLEDGE':
          return this.taskUpdates.acknowledge(event.acknowledge);
        case 'SHUTDOWN_FRAMEWORK':
          this.executors.shutdownFramework(event.shutdown_framework.framework_id.value);
          return this.taskControl.shutdownFramework(event.shutdown_framework.framework_id.value);
        case 'SHUTDOWN_EXECUTOR':
          return this.executors.shutdownExecutor(event.shutdown_executor.framework_id.value, event.shutdown_executor.executor_id.value);
        case 'FRAMEWORK_MESSAGE': {
          const { framework_id: frameworkId, executor_id: executorId, data } = event.framework_message;
          // Command tasks have no executor to hand messages to, as with Mesos's command executor; as in
          // Mesos, a message for an executor not subscribed is dropped.
          if (!this.executors.message(frameworkId.value, executorId.value, data)) {
            this.counters.invalidFrameworkMessages++;
            this.log.info('dropping a framework message: no subscribed executor takes it', { framework_id: frameworkId.value, executor_id: executorId.value });
          } else {
            this.counters.validFrameworkMessages++;
          }
          return;
        }
      }
    } catch (err) {
      this.log.error('failed to handle an event from the master', { type: event.type, error: (err as Error).message });
    }
  }

  private sendUpdate(update: StatusUpdate): void {
    const agentId = this.registration.agentId;
    if (!agentId || !this.connection) return;
    // Statuses queued before a change of agent id must carry the id the master knows now.
    const status = update.status.agent_id?.value === agentId ? update.status : { ...update.status, agent_id: { value: agentId } };
    void this.connection.call({ type: 'UPDATE', agent_id: { value: agentId }, update: { framework_id: update.framework_id, status } });
  }

  /** An executor's MESSAGE, to the master for its scheduler; no delivery guarantee, as in Mesos. */
  private sendExecutorMessage(frameworkId: string, executorId: string, data: string): void {
    const agentId = this.registration.agentId;
    if (!agentId || !this.connection) return;
    void this.connection.call({ type: 'MESSAGE', agent_id: { value: agentId }, message: { framework_id: { value: frameworkId }, executor_id: { value: executorId }, data } });
  }

  /** SIGUSR1 / close({killTasks}): kill every task, give their terminal updates a moment to be acknowledged, unregister. */
  private async killEverything(): Promise<void> {
    await Promise.all([this.taskControl.killAll(), this.executors.shutdownAll()]);
    const deadline = Date.now() + 2000;
    while (this.connection?.registered && Date.now() < deadline && !this.tasks.isEmpty) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const agentId = this.registration.agentId;
    if (agentId && this.connection?.registered) await this.connection.call({ type: 'UNREGISTER', agent_id: { value: agentId } });
  }

  private metrics(): Record<string, number> {
    return agentMetricsSnapshot({
      now: Date.now() / 1000,
      startTime: this.startTime,
      registered: this.connection?.registered ?? false,
      total: this.resources,
      tasks: this.tasks.activeTasks(),
      counters: this.counters,
    });
  }

  private stateJson(authorizer: Authorizer, principal: string | undefined): Record<string, unknown> {
    const checkpointed = this.volumes.checkpointed;
    const { total, remainingBase } = withCheckpointed(this.resources, checkpointed);
    return agentStateJson({
      version: AGENT_VERSION,
      build: buildInfo(),
      allocated: usedResources(this.tasks.activeTasks()),
      startTime: this.startTime,
      agentId: this.registration.agentId,
      hostname: agentHostname(this.opts),
      pid: `slave(1)@${advertiseIp(this.opts)}:${this.listeningPort}`,
      resources: total,
      checkpointed: { resources: checkpointed, staticResources: remainingBase },
      volumes: (containerId) => this.volumes.attachedIn(containerId),
      attributes: this.attributes,
      masterHostname: this.registration.masterHostname,
      // Mesos shows the flags in /state only to principals that may view them.
      flags: authorizer.authorized('view_flags', principal) ? agentFlags(this.opts, agentHostname(this.opts)) : undefined,
      ...visibleTasks(this.tasks.snapshot(), authorizer, principal),
    });
  }
}

/**
 * Which clients must present a certificate from the cluster CA. With --tls_require_cert, all of them;
 * but when executors authenticate with their own tokens (--authenticate_http_executors), the executor
 * API is left to the token: an executor holds no certificate (handing it the agent's key would let any
 * task act as the agent), and its token opens that API for its own run only.
 */
function clientCertificatePolicy(opts: AgentOptions): { requireCert: boolean; certRequiredFor?: (path: string) => boolean } {
  if (!opts.tlsRequireCert) return { requireCert: false };
  if (!opts.authenticateHttpExecutors) return { requireCert: true };
  return { requireCert: false, certRequiredFor: (p) => p !== EXECUTOR_API_PATH };
}
