/**
 * What changed in the master, as it happens: a typed, synchronous, in-process bus. The managers emit
 * plain references to the records they changed; listeners (the operator SUBSCRIBE streams) turn them
 * into wire events. Emitting with nobody listening costs one branch, so the managers emit
 * unconditionally.
 *
 * Listeners run inside the change, after it is complete: the records they see are current. A
 * listener must not throw or change the records; one that fails is logged by its owner, not here.
 */
import type { TaskStatus } from '../../protocol/types';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './records';

export type MasterEvent =
  /** A task became known: launched, or adopted from a re-registering agent. */
  | { type: 'TASK_ADDED'; task: TaskRecord }
  /** A task's state changed (or a status arrived for it); `status` is the latest one. */
  | { type: 'TASK_UPDATED'; task: TaskRecord; status: TaskStatus }
  /** An agent registered, re-registered, or came back from unreachable. */
  | { type: 'AGENT_ADDED'; agent: AgentRecord }
  /** An agent left for good, or became unreachable (it may be added again). */
  | { type: 'AGENT_REMOVED'; agentId: string }
  | { type: 'FRAMEWORK_ADDED'; framework: FrameworkRecord }
  /** Re-subscribed, failed over, disconnected. */
  | { type: 'FRAMEWORK_UPDATED'; framework: FrameworkRecord }
  | { type: 'FRAMEWORK_REMOVED'; framework: FrameworkRecord };

export type MasterEventType = MasterEvent['type'];

export interface MasterEventListener {
  onEvent(event: MasterEvent): void;
  /** The master is stopping: no more events will come. */
  onClose?(): void;
}

export class MasterEventBus {
  private readonly listeners = new Set<MasterEventListener>();

  get listening(): boolean { return this.listeners.size > 0 }

  /** Returns the function that removes the listener. */
  listen(listener: MasterEventListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener) };
  }

  emit(event: MasterEvent): void {
    if (this.listeners.size === 0) return;
    for (const listener of this.listeners) listener.onEvent(event);
  }

  /** The master stops; listeners that hold streams end them (and may stop listening), the others stay. */
  close(): void {
    for (const listener of [...this.listeners]) listener.onClose?.();
  }
}
