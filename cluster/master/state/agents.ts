/**
 * Agent lifecycle on the master: registration and re-registration over the agent channel, the PING
 * health check, disconnection, unreachability and removal.
 *
 * An agent whose stream closes is deactivated at once (its offers are rescinded) but keeps its tasks;
 * pings keep counting while it is away, and after `maxAgentPingTimeouts` misses it is unreachable:
 * it leaves the allocator and its tasks are reported TASK_UNREACHABLE (TASK_LOST to frameworks that
 * are not partition-aware). When it re-registers, its running tasks are running again.
 */
import type { RecordIOStream } from '../../http/server';
import type { AgentCall } from '../../protocol/agent-channel';
import { applyCheckpointed, baseOf } from '../../protocol/resource-operations';
import { Resources } from '../../protocol/resources';
import type { AgentInfo, FrameworkID, FrameworkInfo } from '../../protocol/types';
import { sendToAgent, sendToFramework } from './channels';
import type { MasterContext } from '../context';
import type { FrameworkManager } from './frameworks';
import type { OfferManager } from './offers';
import type { AgentRecord, FrameworkRecord } from './records';
import type { ReservationManager } from './reservations';
import type { TaskManager } from './tasks';

export type RegisterCall = Extract<AgentCall, { type: 'REGISTER' }>['register'];

export interface ParsedRegistration {
  call: RegisterCall;
  /** What the agent declares (AgentInfo.resources), before its checkpointed resources are applied. */
  total: Resources;
  /** What the agent says it has checkpointed (dynamic reservations, volumes). */
  checkpointed?: Resources;
  /** Who registered it, when the channel authenticated the agent. */
  principal?: string;
}

/** Checks what cannot be checked by the schema: the agent's resources must parse. */
export function parseRegistration(call: RegisterCall): { ok: true; value: ParsedRegistration } | { ok: false; message: string } {
  let total: Resources;
  try {
    // The contract: AgentInfo.resources is the base; an agent that reports reservations there too is not counted twice.
    total = baseOf(Resources.fromV1(call.agent_info.resources ?? []));
  } catch (err) {
    return { ok: false, message: `Invalid 'register.agent_info.resources': ${(err as Error).message}` };
  }
  if (call.checkpointed_resources === undefined) return { ok: true, value: { call, total } };
  try {
    return { ok: true, value: { call, total, checkpointed: Resources.fromV1(call.checkpointed_resources).checkpointable() } };
  } catch (err) {
    return { ok: false, message: `Invalid 'register.checkpointed_resources': ${(err as Error).message}` };
  }
}

export class AgentManager {
  constructor(
    private readonly ctx: MasterContext,
    private readonly books: { offers: OfferManager; tasks: TaskManager; frameworks: FrameworkManager; reservations: ReservationManager },
  ) {}

  register(registration: ParsedRegistration, stream: RecordIOStream, streamId: string): AgentRecord {
    const { records, allocator, log } = this.ctx;
    const { call } = registration;
    const now = this.ctx.clock.now();
    const requestedId = call.agent_info.id?.value;
    let agent = requestedId ? records.agents.get(requestedId) : undefined;
    const id = agent?.id ?? requestedId ?? this.ctx.ids.nextAgentId();
    const info: AgentInfo = { ...call.agent_info, id: { value: id } };
    if (agent) {
      this.detachStream(agent);
      const total = this.books.reservations.settle(agent, registration.total, undefined);
      const totalChanged = !agent.total.equals(total);
      Object.assign(agent, describe(info, call), { total, reregisteredTime: now, unreachableTime: undefined });
      if (agent.inAllocator && totalChanged) allocator.updateAgentTotal(id, total);
      if (agent.inAllocator) allocator.updateAgentInfo(id, { hostname: agent.hostname, attributes: info.attributes });
    } else {
      agent = newAgentRecord({ id, ...describe(info, call), total: registration.total, registeredTime: now, reregisteredTime: requestedId ? now : undefined });
      agent.total = this.books.reservations.settle(agent, registration.total, registration.checkpointed);
      records.agents.set(id, agent);
    }
    const total = agent.total;
    const record = agent;
    record.connection = 'connected';
    record.principal = registration.principal;
    record.recovered = false;
    record.stream = stream;
    record.streamId = streamId;
    record.missedPings = 0;
    record.awaitingPong = false;

    const shutdown = this.reconcileTasks(record, call);
    if (record.inAllocator) {
      allocator.activateAgent(id);
    } else {
      allocator.addAgent({
        id,
        hostname: record.hostname,
        total,
        used: this.books.tasks.usedOnAgent(record),
        attributes: info.attributes,
      });
      record.inAllocator = true;
    }
    stream.onClose(() => {
      if (record.stream === stream) this.onStreamClosed(record);
    });
    stream.write({
      type: 'REGISTERED',
      registered: { agent_id: { value: id }, master_info: this.ctx.masterInfo, ping_interval_seconds: this.ctx.opts.agentPingTimeoutSeconds },
    });
    // The master's list wins: the agent keeps exactly what it is sent, volumes included.
    this.books.reservations.sendCheckpoint(record);
    for (const frameworkId of shutdown) {
      sendToAgent(record, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: frameworkId } } });
    }
    this.books.tasks.sendPendingKills(record);
    this.startPinging(record);
    log.info(requestedId ? 'agent re-registered' : 'agent registered', {
      agent_id: id, hostname: record.hostname, pid: record.pid, resources: total.toString(), tasks: record.tasks.size,
    });
    records.touch();
    this.ctx.requestAllocation();
    // On every (re-)registration, not only the first: operators see it active again, with its new resources.
    this.ctx.events.emit({ type: 'AGENT_ADDED', agent: record });
    return record;
  }

  /**
   * An agent a previous leader admitted (from the replicated registry): known but disconnected until
   * it re-registers, with no tasks until it reports them. Not offered; reconciliation waits for it.
   */
  addRecovered(id: string, info: AgentInfo, pid: string, checkpointed = Resources.empty()): AgentRecord | undefined {
    const { records } = this.ctx;
    if (records.agents.has(id)) return undefined;
    let base: Resources;
    try {
      base = baseOf(Resources.fromV1(info.resources ?? []));
    } catch {
      base = Resources.empty();
    }
    const port = info.port ?? portOf(pid) ?? 5051;
    const agent = newAgentRecord({
      id, info: { ...info, id: { value: id } }, hostname: info.hostname, port, pid: pid || `${info.hostname}:${port}`,
      version: '', total: base, checkpointed, registeredTime: this.ctx.clock.now(), recovered: true,
    });
    agent.total = applyCheckpointed(base, checkpointed).total;
    records.agents.set(id, agent);
    records.touch();
    return agent;
  }

  private reconcileTasks(agent: AgentRecord, call: RegisterCall): string[] {
    const reported = call.tasks ?? [];
    if (reported.length === 0 && agent.tasks.size === 0) return [];
    const infos = new Map<string, FrameworkInfo>();
    for (const info of call.frameworks ?? []) if (info.id?.value) infos.set(info.id.value, info);
    const frameworkFor = (id: FrameworkID): FrameworkRecord | undefined => {
      const known = this.ctx.records.frameworks.get(id.value);
      if (known) return known;
      const info = infos.get(id.value) ?? { id, name: '', user: '' };
      this.ctx.log.info('recovered framework from an agent', { framework_id: id.value, agent_id: agent.id });
      return this.books.frameworks.recover({ ...info, id });
    };
    return this.books.tasks.reconcileReregisteredAgent(agent, reported, frameworkFor);
  }

  onPong(agent: AgentRecord): void {
    agent.awaitingPong = false;
    agent.missedPings = 0;
  }

  /** UNREGISTER: the agent is leaving for good; its tasks are gone. */
  unregister(agent: AgentRecord): void {
    this.ctx.log.info('agent unregistered', { agent_id: agent.id });
    this.remove(agent, `Agent ${agent.id} unregistered`);
  }

  /**
   * MARK_AGENT_GONE (or a drain with mark_gone): the agent is told to shut its frameworks down, its
   * tasks are TASK_GONE_BY_OPERATOR, and it is forgotten; the caller refuses it if it comes back.
   */
  markGone(agent: AgentRecord): void {
    this.ctx.log.info('agent marked gone', { agent_id: agent.id });
    this.shutDownFrameworks(agent);
    this.remove(agent, `Agent ${agent.id} was marked gone by the operator`, true);
  }

  /**
   * Its machine went DOWN for maintenance: as Mesos, the agent is told to stop everything and is
   * removed, its tasks lost; it is refused while the machine stays DOWN.
   */
  shutDown(agent: AgentRecord, message: string): void {
    this.ctx.log.info('agent shut down', { agent_id: agent.id, reason: message });
    this.shutDownFrameworks(agent);
    this.remove(agent, message);
  }

  private shutDownFrameworks(agent: AgentRecord): void {
    const frameworkIds = new Set<string>();
    for (const task of agent.tasks.values()) frameworkIds.add(task.frameworkId);
    for (const executor of agent.executors.values()) frameworkIds.add(executor.frameworkId);
    for (const id of frameworkIds) sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: id } } });
  }

  private remove(agent: AgentRecord, message: string, byOperator = false): void {
    this.stopPinging(agent);
    this.detachStream(agent);
    this.leaveAllocator(agent);
    this.books.tasks.removeAllOnAgent(agent, message, byOperator);
    this.ctx.records.agents.delete(agent.id);
    this.ctx.events.emit({ type: 'AGENT_REMOVED', agentId: agent.id });
    this.notifyAgentLost(agent);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
  }

  /** Missed too many pings: out of the allocator, tasks unreachable; it may still come back. */
  markUnreachable(agent: AgentRecord): void {
    this.ctx.log.warn('agent unreachable', { agent_id: agent.id, missed_pings: agent.missedPings });
    this.stopPinging(agent);
    this.detachStream(agent);
    this.leaveAllocator(agent);
    agent.connection = 'unreachable';
    agent.unreachableTime = this.ctx.clock.now();
    this.books.tasks.markAgentUnreachable(agent);
    // As Mesos: an unreachable agent leaves the operators' view; it is added again if it comes back.
    this.ctx.events.emit({ type: 'AGENT_REMOVED', agentId: agent.id });
    this.notifyAgentLost(agent);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
  }

  private leaveAllocator(agent: AgentRecord): void {
    this.books.offers.rescindAllOnAgent(agent, false);
    if (agent.inAllocator) this.ctx.allocator.removeAgent(agent.id);
    agent.inAllocator = false;
  }

  /** Mesos tells every framework (v1 FAILURE with only agent_id) so they stop expecting anything there. */
  private notifyAgentLost(agent: AgentRecord): void {
    for (const framework of this.ctx.records.frameworks.values()) {
      sendToFramework(framework, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    }
  }

  private onStreamClosed(agent: AgentRecord): void {
    agent.stream = undefined;
    agent.streamId = undefined;
    if (agent.connection !== 'connected') return;
    agent.connection = 'disconnected';
    this.ctx.log.warn('agent disconnected', { agent_id: agent.id });
    if (agent.inAllocator) this.ctx.allocator.deactivateAgent(agent.id);
    this.books.offers.rescindAllOnAgent(agent, true);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
  }

  private detachStream(agent: AgentRecord): void {
    const stream = agent.stream;
    agent.stream = undefined;
    agent.streamId = undefined;
    stream?.end();
  }

  private startPinging(agent: AgentRecord): void {
    this.stopPinging(agent);
    agent.pingTimer = this.ctx.clock.setInterval(() => this.pingTick(agent), this.ctx.opts.agentPingTimeoutSeconds * 1000);
  }

  stopPinging(agent: AgentRecord): void {
    agent.pingTimer?.cancel();
    agent.pingTimer = undefined;
  }

  /** A tick without a PONG since the last PING, or without a stream at all, is a missed ping. */
  private pingTick(agent: AgentRecord): void {
    if (agent.awaitingPong || agent.connection !== 'connected') {
      agent.missedPings++;
      if (agent.missedPings >= this.ctx.opts.maxAgentPingTimeouts) {
        this.markUnreachable(agent);
        return;
      }
    }
    if (sendToAgent(agent, { type: 'PING' })) agent.awaitingPong = true;
  }
}

/** A disconnected agent, out of the allocator, with no tasks yet: where every agent record starts. */
function newAgentRecord(fields: Pick<AgentRecord, 'id' | 'info' | 'hostname' | 'port' | 'pid' | 'version' | 'total' | 'registeredTime'> & Partial<AgentRecord>): AgentRecord {
  return {
    connection: 'disconnected',
    inAllocator: false,
    missedPings: 0,
    awaitingPong: false,
    tasks: new Map(),
    executors: new Map(),
    offerIds: new Set(),
    checkpointed: Resources.empty(),
    ...fields,
  };
}

function describe(info: AgentInfo, call: RegisterCall): Pick<AgentRecord, 'info' | 'hostname' | 'port' | 'pid' | 'version'> {
  const port = info.port ?? portOf(call.pid) ?? 5051;
  return { info, hostname: info.hostname, port, pid: call.pid || `${info.hostname}:${port}`, version: call.version };
}

function portOf(pid: string): number | undefined {
  const port = Number(pid.slice(pid.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
