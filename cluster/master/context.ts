/**
 * What the managers of the master's state (cluster/master/state/) are given: the records, ids, the
 * allocator, time, a logger, where to announce changes, and how to ask for an allocation run. Not
 * the managers themselves: one that needs another gets it by name in its constructor.
 */
import type { Allocator } from '../allocator/types';
import type { Authorizer } from '../authz/authorizer';
import type { IdGenerator } from '../protocol/ids';
import type { MasterInfo } from '../protocol/types';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/log';
import type { MasterOptions } from './options';
import type { MasterEvent } from './state/events';
import type { MasterRecords } from './state/records';

/** The emitting side of the master's event bus. */
export interface EventPublisher {
  emit(event: MasterEvent): void;
}

export interface MasterContext {
  readonly opts: MasterOptions;
  readonly records: MasterRecords;
  readonly ids: IdGenerator;
  readonly allocator: Allocator;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: EventPublisher;
  /** Decides what principals may do (--acls; allows everything without it). */
  readonly authorizer: Authorizer;
  /** This master as agents and schedulers are told of it (complete once the server listens). */
  readonly masterInfo: MasterInfo;
  /** Allocation runs soon (coalesced with everything else that changes in this turn of the event loop). */
  requestAllocation(): void;
}
