/**
 * Who the agent is to the master: the address and hostname it advertises, the AgentInfo and REGISTER
 * call it sends (rebuilt for every attempt, with every task it still holds, as the master must hear
 * of them after a stream drop, a master or an agent restart), and what REGISTERED gives back: the
 * id, checkpointed whenever the info changes. Apart from the daemon so that its few dependencies
 * (RegistrationDeps) are all it can touch.
 */
import * as os from 'node:os';
import type { AgentCall, AgentEvent } from '../protocol/agent-channel';
import type { Resources } from '../protocol/resources';
import type { AgentInfo, Attribute, FrameworkInfo, Resource, Task } from '../protocol/types';
import type { Logger } from '../util/log';
import { writeAgentCheckpoint } from './checkpoint';
import type { AgentOptions } from './options';
import type { StatusUpdateManager } from './status-updates';
import type { TaskEntry, TaskTable } from './task-table';

/** The first non-loopback IPv4 address, for agents listening on 0.0.0.0 without --advertise_ip. */
function guessAdvertiseIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function advertiseIp(opts: Pick<AgentOptions, 'advertiseIp' | 'ip'>): string {
  if (opts.advertiseIp) return opts.advertiseIp;
  return opts.ip === '0.0.0.0' ? guessAdvertiseIp() : opts.ip;
}

export function agentHostname(opts: Pick<AgentOptions, 'advertiseIp' | 'ip' | 'hostname'>): string {
  return opts.hostname ?? advertiseIp(opts);
}

export interface RegistrationDeps {
  log: Logger;
  workDir: string;
  version: string;
  hostname(): string;
  port(): number;
  /** Where the agent serves /files and /state, as host:port. */
  pid(): string;
  resources(): Resources;
  attributes: Attribute[];
  tasks: Pick<TaskTable, 'activeFrameworks'>;
  updates: Pick<StatusUpdateManager, 'pending' | 'flush'>;
  /** The master registered with, for the log. */
  masterUrl(): string | undefined;
  /** What the agent has checkpointed (reservations, volumes): the master falls back on it when it knows nothing. */
  checkpointedResources(): Resource[];
}

export class Registration {
  private id?: string;
  /** What the agent last registered with, as checkpointed. */
  private checkpointedInfo?: AgentInfo;
  private hostnameOfMaster?: string;
  private waiters: ((id: string) => void)[] = [];
  private registeredOnce = false;

  constructor(private readonly deps: RegistrationDeps) {}

  get agentId(): string | undefined { return this.id }
  get masterHostname(): string | undefined { return this.hostnameOfMaster }

  /** The identity a previous agent process checkpointed. */
  adopt(agentId: string | undefined, info: AgentInfo | undefined): void {
    this.id = agentId;
    this.checkpointedInfo = info;
  }

  whenRegistered(): Promise<string> {
    if (this.registeredOnce && this.id) return Promise.resolve(this.id);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  agentInfo(): AgentInfo {
    return {
      hostname: this.deps.hostname(),
      port: this.deps.port(),
      resources: this.deps.resources().toV1(),
      attributes: this.deps.attributes,
      ...(this.id ? { id: { value: this.id } } : {}),
    };
  }

  registerCall(): AgentCall {
    const tasks: Task[] = [];
    const frameworks: FrameworkInfo[] = [];
    // Tasks that ended but whose terminal update is not acknowledged yet are still ours to report: a
    // master that did not hear of them would otherwise declare them gone before their real end arrives.
    for (const framework of this.deps.tasks.activeFrameworks()) {
      if (framework.tasks.size === 0) continue;
      for (const entry of framework.tasks.values()) tasks.push(this.taskJson(entry));
      frameworks.push({ ...framework.info, id: { value: framework.id } });
    }
    return {
      type: 'REGISTER',
      register: {
        agent_info: this.agentInfo(), tasks, frameworks, checkpointed_resources: this.deps.checkpointedResources(), version: this.deps.version, pid: this.deps.pid(),
      },
    };
  }

  onRegistered(registered: Extract<AgentEvent, { type: 'REGISTERED' }>['registered']): void {
    const { log } = this.deps;
    const id = registered.agent_id.value;
    if (this.id && this.id !== id) log.warn('the master gave this agent a new id', { previous: this.id, agent_id: id });
    this.id = id;
    const info = this.agentInfo();
    // Flushed to disk, so written only when something changed.
    if (this.checkpointedInfo === undefined || JSON.stringify(info) !== JSON.stringify(this.checkpointedInfo)) {
      try {
        writeAgentCheckpoint(this.deps.workDir, { agent_id: { value: id }, agent_info: info });
        this.checkpointedInfo = info;
      } catch (err) {
        log.error('could not persist the agent id', { error: (err as Error).message });
      }
    }
    this.hostnameOfMaster = registered.master_info?.hostname;
    log.info(this.registeredOnce ? 're-registered with the master' : 'registered with the master', { agent_id: id, master: this.deps.masterUrl() });
    this.registeredOnce = true;
    for (const resolve of this.waiters.splice(0)) resolve(id);
    // Whatever was waiting for an acknowledgement goes out now rather than at its next retry.
    this.deps.updates.flush();
  }

  private taskJson(entry: TaskEntry): Task {
    const pending = this.deps.updates.pending(entry.frameworkId, entry.task.task_id.value)[0];
    const latest = entry.statuses[entry.statuses.length - 1];
    return {
      name: entry.task.name,
      task_id: entry.task.task_id,
      framework_id: { value: entry.frameworkId },
      executor_id: { value: entry.executorId },
      agent_id: { value: this.id ?? '' },
      state: entry.runner.state,
      resources: entry.task.resources,
      statuses: latest ? [latest] : [],
      ...(pending ? { status_update_state: pending.status.state, status_update_uuid: pending.status.uuid } : {}),
      ...(entry.task.labels ? { labels: entry.task.labels } : {}),
      ...(entry.task.command ? { command: entry.task.command } : {}),
      ...(entry.task.kill_policy ? { kill_policy: entry.task.kill_policy } : {}),
    };
  }
}
