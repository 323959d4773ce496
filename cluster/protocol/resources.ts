/**
 * Resource parsing and arithmetic, Mesos style.
 *
 * Text syntax (the agent's --resources flag and `exec --resources`), as in Mesos:
 *   "cpus:2;mem:1024;disk:4096;ports:[31000-32000];gpus:0"
 *   "cpus(role1):2;cpus:1"              -> 2 cpus statically reserved to role1, 1 unreserved
 *   "ports:[80-80,443-443,8000-9000]"   -> RANGES
 *   "zones:{a,b,c}"                     -> SET
 * Separators `;` between resources (`,` is also accepted between scalar resources when unambiguous,
 * as Mesos does not, so prefer `;`). Whitespace around tokens is ignored. A JSON array of v1 Resource
 * objects is accepted too (Mesos accepts JSON for --resources).
 *
 * A `Resources` value is immutable and normalised: one entry per (name, type, role), scalars summed
 * (rounded to 3 decimal places as Mesos does), ranges sorted and merged, sets de-duplicated.
 * Entries whose quantity is zero or empty are dropped.
 *
 * IMPLEMENTATION PENDING: the signatures below are the contract other modules code against.
 */
import type { Resource } from './types';

export class ResourceParseError extends Error {
  /** `input` is the whole text, `position` the 0-based offset of the offending token. */
  constructor(message: string, readonly input: string, readonly position: number) {
    super(message);
  }
}

export declare class Resources {
  private constructor();
  static empty(): Resources;
  /** Parses the text syntax above (or a JSON array). Throws ResourceParseError naming the bad token and position. */
  static parse(text: string, defaultRole?: string): Resources;
  /** From v1 JSON resources; validates (throws Error with a message naming the bad entry). */
  static fromV1(list: Resource[]): Resources;
  /** v1 JSON, with `role` set only for reserved resources ('*' is omitted) and `reservations` mirrored. */
  toV1(allocationRole?: string): Resource[];
  plus(other: Resources): Resources;
  /** Throws if `other` is not contained in this. */
  minus(other: Resources): Resources;
  /** Like minus, but never throws: takes away what is there. */
  subtractClamped(other: Resources): Resources;
  contains(other: Resources): boolean;
  isEmpty(): boolean;
  /** Sum of a scalar resource across roles (0 if absent). */
  scalar(name: string): number;
  /** Names of all scalar resources present. */
  scalarNames(): string[];
  /** Only the unreserved ('*') resources and those reserved to `role`. */
  allocatableTo(role: string): Resources;
  /** Resources reserved for `role` only. */
  reservedTo(role: string): Resources;
  /** Unreserved resources only. */
  unreserved(): Resources;
  /** Text syntax, e.g. "cpus:1;mem:128;ports:[31000-32000]". Round-trips through parse. */
  toString(): string;
  /** The legacy /state JSON shape: { cpus: 1, mem: 128, disk: 0, gpus: 0, ports: "[31000-32000]" }. */
  toLegacyJson(): Record<string, number | string>;
  /** Picks `count` individual port numbers from the "ports" ranges (lowest first), or undefined if too few. */
  pickPorts(count: number): number[] | undefined;
  equals(other: Resources): boolean;
}
