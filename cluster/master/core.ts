/**
 * The master's brain without its HTTP server: the records, the allocator and the managers that change
 * them. HTTP handlers and timers call into it; it writes events on the streams it holds.
 *
 * The managers get the core as a MasterContext (what they all need) and each other by name, so none
 * of them depends on this file.
 */
import { performance } from 'node:perf_hooks';
import type { Allocator } from '../allocator/types';
import { authorizerFromFlag } from '../authz/acls-flag';
import type { Authorizer } from '../authz/authorizer';
import { LoggingLevel } from '../http/logging-level';
import { IdGenerator } from '../protocol/ids';
import type { MasterInfo } from '../protocol/types';
import { realClock, type Clock } from '../util/clock';
import type { Logger } from '../util/log';
import type { MasterContext } from './context';
import type { MasterOptions } from './options';
import { AgentManager } from './state/agents';
import { AllocationLoop } from './state/allocation-loop';
import { ClusterSettings, type SettingsListener } from './state/cluster-settings';
import { TerminalTaskCounters, Timer } from './state/counters';
import { MasterEventBus } from './state/events';
import { FrameworkManager } from './state/frameworks';
import { MachineMaintenance } from './state/machine-maintenance';
import { AgentMaintenance } from './state/maintenance';
import { OfferManager } from './state/offers';
import { MasterRecords } from './state/records';
import { ReservationManager } from './state/reservations';
import { TaskManager } from './state/tasks';

export class MasterCore implements MasterContext {
  readonly records: MasterRecords;
  readonly ids: IdGenerator;
  readonly offers: OfferManager;
  readonly tasks: TaskManager;
  readonly frameworks: FrameworkManager;
  readonly agents: AgentManager;
  /** Dynamic reservations and persistent volumes (ACCEPT and operator operations, checkpointed lists). */
  readonly reservations: ReservationManager;
  /** Weights, quotas and agent maintenance: what operators set, persisted by a replicated registry. */
  readonly settings: ClusterSettings;
  readonly maintenance: AgentMaintenance;
  /** The maintenance schedule and machine modes (UP, DRAINING, DOWN), also persisted in the settings. */
  readonly machines: MachineMaintenance;
  /** The logging level an operator may raise for a while (GET/SET_LOGGING_LEVEL, /logging/toggle). */
  readonly loggingLevel: LoggingLevel;
  /** Changes to tasks, agents and frameworks, for the operator event stream. */
  readonly events = new MasterEventBus();
  readonly terminalTasks = new TerminalTaskCounters(this.events);
  /** --acls, read at start-up. */
  readonly authorizer: Authorizer;
  readonly startTime: number;
  electedTime?: number;
  /** Known once the server listens (the port may be chosen by the OS). */
  masterInfo: MasterInfo;
  /** Each allocation run (the allocator alone), and turning its result into offers on the streams. */
  readonly allocationTimer = new Timer();
  readonly offerTimer = new Timer();
  private readonly loop: AllocationLoop;

  constructor(
    readonly opts: MasterOptions,
    readonly allocator: Allocator,
    readonly log: Logger,
    masterId: string,
    readonly clock: Clock = realClock,
  ) {
    this.startTime = clock.now();
    this.authorizer = authorizerFromFlag(opts.acls);
    this.records = new MasterRecords(opts.maxCompletedTasksPerFramework, opts.maxCompletedFrameworks);
    this.ids = new IdGenerator(masterId);
    const ctx: MasterContext = this;
    this.offers = new OfferManager(ctx);
    this.tasks = new TaskManager(ctx);
    this.frameworks = new FrameworkManager(ctx, { offers: this.offers, tasks: this.tasks });
    this.reservations = new ReservationManager(ctx, { offers: this.offers });
    this.agents = new AgentManager(ctx, { offers: this.offers, tasks: this.tasks, frameworks: this.frameworks, reservations: this.reservations });
    this.settings = new ClusterSettings(allocator);
    this.maintenance = new AgentMaintenance(ctx, {
      events: this.events, settings: this.settings, offers: this.offers, tasks: this.tasks, agents: this.agents,
    });
    this.machines = new MachineMaintenance(ctx, { events: this.events, settings: this.settings, offers: this.offers, agents: this.agents });
    this.loggingLevel = new LoggingLevel(log.threshold, clock);
    this.masterInfo = { id: masterId, ip: 0, port: opts.port };
    this.loop = new AllocationLoop(() => this.allocate(), opts.allocationIntervalMs, (err) => {
      log.error('allocation failed', { error: (err as Error).message, stack: (err as Error).stack });
    });
  }

  get id(): string { return this.ids.masterId }

  /** Puts back the settings a previous leader stored (before this master starts leading). */
  restoreSettings(json: unknown): void { this.settings.restore(json) }

  /** Every change of the settings, as the full JSON to store. */
  onSettingsChange(listener: SettingsListener): () => void { return this.settings.onChange(listener) }

  now(): number { return this.clock.now() }

  /** Allocation runs soon (coalesced with everything else that changes in this turn of the event loop). */
  requestAllocation(): void { this.loop.request() }

  start(masterInfo: MasterInfo): void {
    this.masterInfo = masterInfo;
    this.electedTime = this.now();
    this.loop.start();
  }

  /** Stops every timer and ends every stream; the records are left as it was. */
  stop(): void {
    this.loop.stop();
    this.loggingLevel.close();
    this.offers.clearTimers();
    this.events.close();
    for (const framework of this.records.frameworks.values()) {
      this.frameworks.stopTimers(framework);
      const stream = framework.stream;
      framework.stream = undefined;
      stream?.end();
    }
    for (const agent of this.records.agents.values()) {
      this.agents.stopPinging(agent);
      const stream = agent.stream;
      agent.stream = undefined;
      stream?.end();
    }
  }

  private allocate(): void {
    const start = performance.now();
    const allocations = this.allocator.allocate(this.now());
    const allocated = performance.now();
    this.allocationTimer.record(allocated - start);
    if (allocations.length === 0) return;
    this.offers.publish(allocations);
    this.offerTimer.record(performance.now() - allocated);
  }
}
