/**
 * Runs one command as a task, the way mesos-execute does: subscribe a fresh framework, take the
 * first offer that fits, follow the task's updates (acknowledging each), tear the framework down.
 * Instead of a command, a TaskInfo or a TaskGroupInfo may be given whole (exec-work.ts); a group
 * ends when every task of it has ended.
 * Output goes through callbacks so the CLI decides where lines land (or turns them into JSON).
 */
import { isZooKeeperUrl } from '../election/zookeeper-url';
import { buildCommandInfo } from './command-line';
import { ExecError } from './exec-error';
import { commandPlan, DEFAULT_TASK_RESOURCES, launchOperation, taskGroupPlan, taskPlan, type LaunchPlan } from './exec-work';
import { chooseOfferForParts, describeUnsatisfiable, judgeCapacity, wholeAsk } from './offer-fit';
import type { Credential } from './http';
import { OperatorClient } from './operator';
import { SchedulerClient, type SchedulerTimings } from './scheduler';
import type { ClientTls } from './tls';
import { exitCodeFor, killRequestedLine, statusUpdateLines, submittedGroupLine, submittedLine, subscribedLine } from './status-lines';
import { isTerminalState, type HealthCheck, type Offer, type Resource, type TaskGroupInfo, type TaskInfo, type TaskState, type TaskStatus } from '../protocol/types';
import type { Resources } from '../protocol/resources';

export interface ExecOptions {
  master: string;
  /** The cluster's CA (and the operator's certificate), when the cluster uses TLS. */
  tls?: ClientTls;
  /** The task to build (with command, shell, resources and env), unless `given` is set. */
  name?: string;
  command?: string;
  shell?: boolean;
  /** Resource text, e.g. "cpus:1;mem:128". */
  resources?: string;
  /** Persistence id of a volume of `role` the task runs on (mounted at the volume's container path). */
  volume?: string;
  env?: Record<string, string>;
  /** The built task's health check. */
  healthCheck?: HealthCheck;
  /** mesos-execute's --task or --task_group: what to launch, given whole (then name, command and resources stay unset). */
  given?: { task: TaskInfo } | { taskGroup: TaskGroupInfo };
  role: string;
  /** Kill the task this long after TASK_RUNNING. */
  killAfterMs?: number;
  checkpoint: boolean;
  user: string;
  frameworkName?: string;
  /** FrameworkInfo capability types (default: TASK_KILLING_STATE). */
  capabilities?: string[];
  principal?: string;
  /** Principal and secret for a cluster with authentication (its principal is the framework's unless `principal` is given). */
  credential?: Credential;
  /** mesos-execute's lines (stdout). */
  print: (line: string) => void;
  /** Side remarks such as "waiting for resources" (stderr). */
  note: (line: string) => void;
  /** Called once the task was sent to an agent. */
  onLaunched?: (info: { frameworkId: string; taskId: string; agentId: string }) => void;
  /** How long to wait for a fitting offer before asking the master whether any agent could ever fit. */
  capacityCheckAfterMs?: number;
}

export interface ExecResult {
  frameworkId?: string;
  /** The (first) task's id. */
  taskId: string;
  /** Every task launched (one, or the tasks of a group). */
  taskIds: string[];
  agentId?: string;
  state?: TaskState;
  statuses: TaskStatus[];
  exitCode: number;
  interrupted: boolean;
}

const REFUSE_WHILE_WAITING_SECONDS = 1;
const REFUSE_AFTER_LAUNCH_SECONDS = 3600;
const TEARDOWN_TIMEOUT_MS = 2000;

/** Long enough for a standby to take over and for us to find it; short enough not to strand a task. */
const LEADER_FAILOVER_TIMEOUT_SECONDS = 120;

export class ExecSession {
  private readonly client: SchedulerClient;
  private readonly plan: LaunchPlan;
  /** The whole ask, read each way it may be taken (for the capacity check). */
  private readonly ask: Resources[];
  private readonly askText: string;
  private readonly result: ExecResult;
  /** Tasks that have ended, with their last state. */
  private readonly ended = new Map<string, TaskState>();
  /** Each task's health as last reported, to say when it changes. */
  private readonly health = new Map<string, boolean>();
  private launched = false;
  private finished = false;
  private capacityChecked = false;
  private capacityTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private pendingAcks = new Set<Promise<void>>();
  private settle!: (err?: Error) => void;
  private readonly followsLeader: boolean;
  private readonly done: Promise<void>;

  constructor(private readonly opts: ExecOptions) {
    this.plan = planOf(opts);
    this.ask = wholeAsk(this.plan.variants);
    this.askText = opts.given ? this.ask[0].toString() : opts.resources ?? DEFAULT_TASK_RESOURCES;
    const taskIds = this.plan.tasks.map((t) => t.task_id.value);
    this.result = { taskId: taskIds[0], taskIds, statuses: [], exitCode: 1, interrupted: false };
    // Through ZooKeeper the leader may change under us: follow it instead of failing, and give the
    // framework a failover timeout so the new leader keeps the task while we re-subscribe.
    this.followsLeader = isZooKeeperUrl(opts.master);
    this.client = new SchedulerClient({
      master: opts.master,
      tls: opts.tls,
      credential: opts.credential,
      reconnect: this.followsLeader,
      frameworkInfo: {
        ...(this.followsLeader ? { failover_timeout: LEADER_FAILOVER_TIMEOUT_SECONDS } : {}),
        user: opts.user,
        name: opts.frameworkName ?? 'mesoscloud-exec',
        role: opts.role,
        checkpoint: opts.checkpoint,
        capabilities: (opts.capabilities ?? ['TASK_KILLING_STATE']).map((type) => ({ type })),
        ...(opts.principal ? { principal: opts.principal } : {}),
      },
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
  }

  get timings(): SchedulerTimings { return this.client.timings }

  /** The master the session talks to now (the current leader when following ZooKeeper). */
  get masterUrl(): string { return this.client.masterUrl }

  async run(): Promise<ExecResult> {
    // Synchronous with the event: OFFERS can follow SUBSCRIBED in the same chunk, before any await resumes.
    this.client.on('subscribed', (subscribed) => this.guard(() => this.onSubscribed(subscribed.frameworkId)));
    this.client.on('offers', (offers) => this.guard(() => this.onOffers(offers)));
    this.client.on('update', (status) => this.guard(() => this.onUpdate(status)));
    this.client.on('error', (message) => this.fail(new ExecError('FRAMEWORK_ERROR', `master removed the framework: ${message}`)));
    this.client.on('disconnected', (reason) => {
      if (this.finished) return;
      if (this.followsLeader) {
        this.opts.print(`Lost the leading master (${reason.message}); following the next leader`);
        return;
      }
      this.fail(new ExecError('MASTER_DISCONNECTED', `lost the master's event stream before the task ended: ${reason.message}`, [
        `the task may still be running; look with: mesoscloud status --master ${this.client.masterUrl}`,
      ]));
    });
    this.client.on('reconnected', () => this.guard(() => this.onReconnected()));
    try {
      await this.client.subscribe();
      await this.done;
      return this.result;
    } finally {
      this.clearTimers();
      await this.shutdown();
    }
  }

  /** First Ctrl-C: kill the task and keep waiting for its terminal update. */
  interrupt(): void {
    this.result.interrupted = true;
    if (this.finished) return;
    if (!this.launched || !this.result.agentId) {
      this.result.exitCode = 130;
      this.finish();
      return;
    }
    this.killTask();
  }

  /** Second Ctrl-C: stop waiting now. */
  abort(): void {
    this.result.interrupted = true;
    this.result.exitCode = 130;
    this.finish();
  }

  /** The agent re-sends whatever update the new leader's framework has not acknowledged: nothing to ask. */
  private onReconnected(): void {
    this.opts.print(`Re-subscribed to the leading master at ${this.client.masterUrl}`);
  }

  private onSubscribed(frameworkId: string): void {
    if (this.result.frameworkId) return;
    this.result.frameworkId = frameworkId;
    this.opts.print(subscribedLine(frameworkId));
    this.capacityTimer = setTimeout(() => void this.checkCapacity(), this.opts.capacityCheckAfterMs ?? 1000);
  }

  private onOffers(offers: Offer[]): void {
    if (this.launched || this.finished) {
      this.decline(offers, REFUSE_AFTER_LAUNCH_SECONDS);
      return;
    }
    const { chosen, rest } = chooseOfferForParts(offers, this.plan.variants, this.opts.role, this.plan.volume);
    if (chosen) this.launch(chosen.offer, chosen.partResources);
    this.decline(rest, this.launched ? REFUSE_AFTER_LAUNCH_SECONDS : REFUSE_WHILE_WAITING_SECONDS);
    if (!chosen) void this.checkCapacity();
  }

  private launch(offer: Offer, partResources: Resource[][]): void {
    this.launched = true;
    this.clearCapacityTimer();
    const agentId = offer.agent_id.value;
    const operation = launchOperation(this.plan, agentId, partResources, this.client.frameworkId ?? '');
    this.result.agentId = agentId;
    // Printed before the call returns: the first update can arrive on the stream before the 202 does.
    this.opts.print(this.plan.executor ? submittedGroupLine(this.result.taskIds, agentId) : submittedLine(this.result.taskId, agentId));
    this.client.accept([offer.id], [operation], { refuse_seconds: REFUSE_AFTER_LAUNCH_SECONDS })
      .then(() => {
        this.opts.onLaunched?.({ frameworkId: this.client.frameworkId ?? '', taskId: this.result.taskId, agentId });
        return this.client.suppress();
      })
      .catch((err: Error) => this.fail(err));
  }

  private decline(offers: Offer[], refuseSeconds: number): void {
    if (offers.length === 0) return;
    this.client.decline(offers.map((o) => o.id), { refuse_seconds: refuseSeconds }).catch(() => {
      // A lost decline only means the offer times out or is rescinded later.
    });
  }

  private onUpdate(status: TaskStatus): void {
    if (status.uuid) {
      const ack = this.client.acknowledge(status).catch((err: Error) => this.opts.note(`failed to acknowledge ${status.state}: ${err.message}`));
      this.pendingAcks.add(ack);
      void ack.finally(() => this.pendingAcks.delete(ack));
    }
    if (!this.result.taskIds.includes(status.task_id.value) || this.finished) return;
    for (const line of statusUpdateLines(status)) this.opts.print(line);
    this.result.statuses.push(status);
    this.result.state = status.state;
    if (status.agent_id) this.result.agentId = status.agent_id.value;
    if (status.healthy !== undefined && this.health.get(status.task_id.value) !== status.healthy) {
      this.health.set(status.task_id.value, status.healthy);
      this.opts.note(`Task '${status.task_id.value}' is ${status.healthy ? 'healthy' : 'unhealthy'}`);
    }
    if (status.state === 'TASK_UNREACHABLE') {
      // Not an end under PARTITION_AWARE: the agent may come back, so mesos-execute keeps waiting too.
      this.opts.note('The task\'s agent is unreachable; waiting for it to come back or be marked gone (Ctrl-C kills the task)');
    }
    if (status.state === 'TASK_RUNNING' && this.opts.killAfterMs !== undefined && !this.killTimer) {
      this.killTimer = setTimeout(() => this.killTask(), this.opts.killAfterMs);
    }
    if (isTerminalState(status.state)) {
      this.ended.set(status.task_id.value, status.state);
      if (this.ended.size < this.result.taskIds.length) return;
      // A group exits 0 only if every task finished; otherwise as its first task that did not.
      const failed = [...this.ended.values()].find((state) => state !== 'TASK_FINISHED');
      this.result.exitCode = this.result.interrupted && failed ? 130 : exitCodeFor(failed ?? 'TASK_FINISHED');
      this.finish();
    }
  }

  /** Kills every task not ended yet (mesos-execute kills each task of a group on its own). */
  private killTask(): void {
    const agentId = this.result.agentId;
    if (this.finished || !agentId) return;
    for (const taskId of this.result.taskIds) {
      if (this.ended.has(taskId)) continue;
      this.opts.print(killRequestedLine(taskId, agentId));
      this.client.kill({ value: taskId }, { value: agentId }).catch((err: Error) => this.fail(err));
    }
  }

  private async checkCapacity(): Promise<void> {
    if (this.capacityChecked || this.launched || this.finished) return;
    this.capacityChecked = true;
    this.clearCapacityTimer();
    const operator = new OperatorClient(this.client.masterUrl, { timeoutMs: 5000, tls: this.opts.tls, credential: this.opts.credential });
    try {
      const { agents } = await operator.getAgents();
      if (this.launched || this.finished) return;
      const verdict = judgeCapacity(agents, this.ask, this.opts.role, this.plan.volume);
      if (verdict.agentCount === 0) {
        this.opts.note(`Waiting for an agent to register with ${this.client.masterUrl}`);
      } else if (!verdict.volumeFound) {
        this.fail(new ExecError('RESOURCES_UNSATISFIABLE', `no agent has a volume '${this.plan.volume}' of role '${this.opts.role}'`, [
          'list the volumes with `mesoscloud volumes`',
          'create one with `mesoscloud volume create AGENT --role ROLE --id ID --size MB --path PATH`',
        ]));
      } else if (!verdict.canEverFit) {
        this.fail(new ExecError('RESOURCES_UNSATISFIABLE', describeUnsatisfiable(this.askText, this.ask[0], verdict), [
          'ask for less with --resources',
          'or launch agents with more, e.g. `mesoscloud launch --agent-resources "cpus:4;mem:8192"`',
        ]));
      } else {
        this.opts.note(`Waiting for resources: no agent has ${this.ask[0].toString()} free right now`);
      }
    } catch (err) {
      this.opts.note(`Waiting for resources (could not list agents: ${(err as Error).message})`);
    } finally {
      operator.close();
    }
  }

  /** A handler runs inside the stream's data callback, where a throw would end the process: end the session instead. */
  private guard(handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.settle(err);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
  }

  private clearCapacityTimer(): void {
    if (this.capacityTimer) clearTimeout(this.capacityTimer);
    this.capacityTimer = undefined;
  }

  private clearTimers(): void {
    this.clearCapacityTimer();
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = undefined;
  }

  /** Acknowledgements first, then TEARDOWN, bounded so a dead master cannot hold the CLI. */
  private async shutdown(): Promise<void> {
    if (this.client.frameworkId) {
      await Promise.allSettled([...this.pendingAcks]);
      await Promise.race([
        this.client.teardown().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, TEARDOWN_TIMEOUT_MS).unref()),
      ]);
    }
    this.client.close();
  }
}

/**
 * What the options ask to launch. Built before subscribing: a command that cannot be split, or a
 * command next to a given task, fails before any framework exists.
 */
function planOf(opts: ExecOptions): LaunchPlan {
  if (opts.given) {
    const set = (['name', 'command', 'resources', 'env', 'volume', 'healthCheck'] as const).filter((key) => opts[key] !== undefined);
    if (set.length > 0) throw new ExecError('BAD_TASK', `a task given whole cannot be combined with ${set.join(', ')}`);
    return 'task' in opts.given ? taskPlan(opts.given.task, opts.role) : taskGroupPlan(opts.given.taskGroup, opts.role);
  }
  if (opts.name === undefined || opts.command === undefined) throw new ExecError('BAD_TASK', 'a task needs a name and a command, or a TaskInfo or TaskGroupInfo given whole');
  let command;
  try {
    command = buildCommandInfo(opts.command, opts.shell ?? true, opts.env);
  } catch (err) {
    throw new ExecError('BAD_COMMAND', `cannot run command '${opts.command}': ${(err as Error).message}`);
  }
  if (opts.volume !== undefined && opts.role === '*') throw new ExecError('BAD_TASK', `a volume belongs to a role: give the role of volume '${opts.volume}' with --role`);
  return commandPlan(opts.name, command, opts.resources ?? DEFAULT_TASK_RESOURCES, opts.role, { healthCheck: opts.healthCheck, volume: opts.volume });
}
