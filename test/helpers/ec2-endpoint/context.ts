/** What every action handler receives, and what it returns: the answer's fields under the root element. */
import type { Params } from './params';
import type { Ec2State } from './state';
import type { XmlValue } from './xml';

/** How long the endpoint's resources take to change state by themselves. */
export interface Ec2Timing {
  /** pending -> running (default 200 ms; 0: at the next request). */
  runningAfterMs: number;
  /** shutting-down -> terminated (default 200 ms). */
  terminatedAfterMs: number;
  /** How long a terminated instance stays listed (default 1 hour, as on EC2). */
  terminatedVisibleMs: number;
  /** How long after running the console output appears (default 0). */
  consoleAfterMs: number;
  /** CreateImage: pending -> available (default 300 ms). */
  imageAvailableAfterMs: number;
}

export const DEFAULT_TIMING: Ec2Timing = { runningAfterMs: 200, terminatedAfterMs: 200, terminatedVisibleMs: 3_600_000, consoleAfterMs: 0, imageAvailableAfterMs: 300 };

export interface ActionContext {
  state: Ec2State;
  params: Params;
  /** The region the request was signed for. */
  region: string;
  now: number;
  timing: Ec2Timing;
}

export type Handler = (ctx: ActionContext) => Record<string, XmlValue>;
