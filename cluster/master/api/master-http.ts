/**
 * What the HTTP side serves from: the core, and the per-master objects it keeps next to it, all
 * built once by createMaster.
 */
import type { Authenticator } from '../../http/auth';
import type { MasterCore } from '../core';
import type { UsageCache } from '../views/usage-cache';
import type { OperatorEventStreams } from './operator-event-streams';
import type { SandboxProxy } from './sandbox-proxy';

export interface MasterHttp {
  readonly core: MasterCore;
  /** Per-agent resource sums kept between reads, shared by /state, the legacy views and operator events. */
  readonly usage: UsageCache;
  /** Task sandboxes read through the master (with the sandbox directories it found). */
  readonly sandboxes: SandboxProxy;
  /** The operator SUBSCRIBE streams now open. */
  readonly operatorEvents: OperatorEventStreams;
  /** Checks credentials (--credentials and the --authenticate_* switches); absent without --credentials. */
  readonly auth?: Authenticator;
}
