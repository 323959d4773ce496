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
 * A `Resources` value is immutable and normalised: one entry per identity (name, type, role, the whole
 * reservation stack and the disk info, as a canonical key string), scalars summed
 * (rounded to 3 decimal places as Mesos does), ranges sorted and merged, sets de-duplicated.
 * Entries whose quantity is zero or empty are dropped.
 *
 * Representation: a sorted array of entries, so plus/minus/contains are one linear merge over two
 * short arrays (an agent has ~5 entries) with no hashing, parsing or JSON on the allocator's hot path.
 * Scalars are held as integer thousandths, which is Mesos's fixed-point and keeps (a+b)-b === a exact.
 *
 * Reservations and volumes (Mesos's dynamic reservations and persistent volumes): an entry carries its
 * reservation stack (static/dynamic, role, principal, labels; refinements stacked) and its disk info.
 * Unreserved and singly statically reserved entries, the common case, have the short key of old, so
 * the hot path pays nothing for them. A persistent volume is non-splittable, as in Mesos: it is
 * contained in, or taken from, a value only as a whole.
 */
import type { DiskInfo, Labels, Resource } from './types';
import {
  FlatRanges, ValueSyntaxError, describeValue, normaliseRanges, normaliseSet, parseRangesText,
  parseScalarText, parseSetText, rangesContain, rangesDifference, rangesEqual, rangesToText,
  rangesUnion, setContains, setDifference, setEqual, setToText, setUnion,
} from './values';

export class ResourceParseError extends Error {
  /** `input` is the whole text, `position` the 0-based offset of the offending token. */
  constructor(message: string, readonly input: string, readonly position: number) {
    super(message);
  }
}

/** A v1 resource list failed validation; `path` is relative to the list, e.g. [2, 'scalar', 'value']. */
export class InvalidResourceError extends Error {
  constructor(message: string, readonly path: (string | number)[], readonly reason: string) {
    super(message);
  }
}

export const UNRESERVED = '*';

type ResourceType = 'SCALAR' | 'RANGES' | 'SET';

/** One level of a reservation stack (mesos.proto Resource.ReservationInfo). */
export interface Reservation {
  readonly type: 'STATIC' | 'DYNAMIC';
  readonly role: string;
  readonly principal?: string;
  readonly labels?: Labels;
}

/** The three v1 shapes Mesos writes resources in (src/common/resources_utils.cpp convertResourceFormat). */
export type ResourceFormat = 'pre-refinement' | 'post-refinement' | 'endpoint';

interface Entry {
  /** Sort and identity key: display rank, name, role, type, then reservations and disk when not plain. */
  readonly key: string;
  readonly name: string;
  /** The effective role: the last reservation's, '*' when unreserved. */
  readonly role: string;
  readonly type: ResourceType;
  /** SCALAR: quantity in thousandths (always > 0). */
  readonly milli: number;
  /** RANGES: flat, normalised, non-empty. */
  readonly ranges: FlatRanges;
  /** SET: sorted, unique, non-empty. */
  readonly items: readonly string[];
  /** Bottom first; empty when unreserved. */
  readonly reservations: readonly Reservation[];
  readonly disk: DiskInfo | undefined;
}

const NO_RANGES: FlatRanges = [];
const NO_ITEMS: readonly string[] = [];
const NO_RESERVATIONS: readonly Reservation[] = [];
// Largest scalar whose thousandths still fit a double exactly.
const MAX_SCALAR = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

// Well-known names first, in the order Mesos users are used to reading them.
const DISPLAY_RANK: Record<string, string> = { cpus: '0', gpus: '1', mem: '2', disk: '3', ports: '4' };

/** The reservation stack of a role given in text or legacy JSON: one STATIC level, or none for '*'. */
const staticStacks = new Map<string, readonly Reservation[]>();
function staticStack(role: string): readonly Reservation[] {
  if (role === UNRESERVED) return NO_RESERVATIONS;
  let stack = staticStacks.get(role);
  if (!stack) {
    stack = [{ type: 'STATIC', role }];
    if (staticStacks.size < 1024) staticStacks.set(role, stack);
  }
  return stack;
}

/** True when the stack says no more than the role does (unreserved, or one plain static level). */
function plainStack(stack: readonly Reservation[]): boolean {
  return stack.length === 0 || (stack.length === 1 && stack[0].type === 'STATIC' && stack[0].principal === undefined && stack[0].labels === undefined);
}

/** Canonical text of what, beyond name/role/type, makes an entry distinct ('' in the common case). */
function identitySuffix(stack: readonly Reservation[], disk: DiskInfo | undefined): string {
  if (disk === undefined && plainStack(stack)) return '';
  const levels = plainStack(stack) ? '' : JSON.stringify(stack.map((r) => [r.type, r.role, r.principal ?? null, r.labels?.labels ?? null]));
  const diskText = disk === undefined ? '' : JSON.stringify([
    disk.persistence?.id ?? null, disk.persistence?.principal ?? null, disk.volume?.container_path ?? null,
    disk.volume?.mode ?? null, disk.source ?? null,
  ]);
  return '\u0000' + levels + '\u0000' + diskText;
}

function entryKey(name: string, role: string, type: ResourceType, suffix = ''): string {
  return (DISPLAY_RANK[name] ?? '5') + name + '\u0000' + role + '\u0000' + type + suffix;
}

function isVolume(e: Entry): boolean {
  return e.disk?.persistence !== undefined;
}

function makeEntry(
  name: string, role: string, type: ResourceType, milli: number, ranges: FlatRanges, items: readonly string[],
  key?: string, reservations: readonly Reservation[] = staticStack(role), disk?: DiskInfo,
): Entry {
  return { key: key ?? entryKey(name, role, type, identitySuffix(reservations, disk)), name, role, type, milli, ranges, items, reservations, disk };
}

/** The same resource with another reservation stack or disk info (a new identity). */
function reshaped(e: Entry, reservations: readonly Reservation[], disk: DiskInfo | undefined): Entry {
  const role = reservations.length === 0 ? UNRESERVED : reservations[reservations.length - 1].role;
  return makeEntry(e.name, role, e.type, e.milli, e.ranges, e.items, undefined, reservations, disk);
}

function withMilli(e: Entry, milli: number): Entry {
  return makeEntry(e.name, e.role, e.type, milli, NO_RANGES, NO_ITEMS, e.key, e.reservations, e.disk);
}

function withRanges(e: Entry, ranges: FlatRanges): Entry {
  return makeEntry(e.name, e.role, e.type, 0, ranges, NO_ITEMS, e.key, e.reservations, e.disk);
}

function withItems(e: Entry, items: readonly string[]): Entry {
  return makeEntry(e.name, e.role, e.type, 0, NO_RANGES, items, e.key, e.reservations, e.disk);
}

function isEmptyEntry(e: Entry): boolean {
  switch (e.type) {
    case 'SCALAR': return e.milli <= 0;
    case 'RANGES': return e.ranges.length === 0;
    default: return e.items.length === 0;
  }
}

function entriesEqual(a: Entry, b: Entry): boolean {
  return a.key === b.key && a.milli === b.milli && rangesEqual(a.ranges, b.ranges) && setEqual(a.items, b.items);
}

function entryContains(sup: Entry, sub: Entry): boolean {
  switch (sup.type) {
    // A persistent volume is contained only as a whole (Mesos: volumes are not splittable).
    case 'SCALAR': return sup.disk !== undefined && isVolume(sup) ? sup.milli === sub.milli : sup.milli >= sub.milli;
    case 'RANGES': return rangesContain(sup.ranges, sub.ranges);
    default: return setContains(sup.items, sub.items);
  }
}

function entryPlus(a: Entry, b: Entry): Entry {
  switch (a.type) {
    case 'SCALAR': return withMilli(a, a.milli + b.milli);
    case 'RANGES': return withRanges(a, rangesUnion(a.ranges, b.ranges));
    default: return withItems(a, setUnion(a.items, b.items));
  }
}

/** a - b, clamped at nothing left; undefined when nothing is left. */
function entryMinus(a: Entry, b: Entry): Entry | undefined {
  let out: Entry;
  switch (a.type) {
    case 'SCALAR':
      if (a.milli <= b.milli) return undefined;
      // Part of a volume cannot be taken: what is not the whole volume leaves it as it is.
      if (a.disk !== undefined && isVolume(a)) return a;
      out = withMilli(a, a.milli - b.milli);
      break;
    case 'RANGES':
      out = withRanges(a, rangesDifference(a.ranges, b.ranges));
      break;
    default:
      out = withItems(a, setDifference(a.items, b.items));
  }
  return isEmptyEntry(out) ? undefined : out;
}

function valueText(e: Entry, separator: string): string {
  switch (e.type) {
    case 'SCALAR': return String(e.milli / 1000);
    case 'RANGES': return rangesToText(e.ranges, separator);
    default: return setToText(e.items, separator);
  }
}

/** Mesos's stringify for what the text syntax cannot say: `disk(reservations: [(DYNAMIC,web,ops)])[id:path]:64`. */
function entryText(e: Entry): string {
  let head = e.name;
  if (plainStack(e.reservations)) {
    if (e.role !== UNRESERVED) head += `(${e.role})`;
  } else {
    head += `(reservations: [${e.reservations.map((r) => `(${r.type},${r.role}${r.principal !== undefined ? ',' + r.principal : ''})`).join(',')}])`;
  }
  if (e.disk?.persistence) head += `[${e.disk.persistence.id}${e.disk.volume ? ':' + e.disk.volume.container_path : ''}]`;
  return `${head}:${valueText(e, ',')}`;
}

// Characters that would make the text form ambiguous, plus whitespace and control characters.
const BAD_NAME_CHARS = /[\s()[\]{}:;,\u0000-\u001f\u007f]/;

/** Why `name` is not a valid resource name, or undefined if it is. */
function nameProblem(name: string): string | undefined {
  if (name === '') return 'empty resource name';
  if (BAD_NAME_CHARS.test(name)) return `resource name '${name}' contains whitespace or one of ()[]{}:;,`;
  return undefined;
}

/** Why `role` is not a valid role (Mesos's rules for role names, applied to each '/' component). */
export function roleProblem(role: string): string | undefined {
  if (role === UNRESERVED) return undefined;
  if (role === '') return 'empty role';
  if (BAD_NAME_CHARS.test(role)) return `role '${role}' contains whitespace or one of ()[]{}:;,`;
  for (const part of role.split('/')) {
    if (part === '') return `role '${role}' has an empty path component`;
    if (part === '.' || part === '..' || part === '*') return `role '${role}' has the invalid component '${part}'`;
    if (part.startsWith('-')) return `role '${role}' has a component starting with '-'`;
  }
  return undefined;
}

/** True if resources reserved to `reservedRole` may be offered to `role` (Mesos: same role or an ancestor). */
function allocatable(reservedRole: string, role: string): boolean {
  return reservedRole === UNRESERVED || reservedRole === role || (role.length > reservedRole.length && role.startsWith(reservedRole) && role[reservedRole.length] === '/');
}

/**
 * Collects entries from an input list: entries with the same key are combined, ranges of the same
 * key must not overlap (a unit listed twice), a name must keep one type.
 */
class EntryCollector {
  private byKey = new Map<string, Entry>();
  private typeByName = new Map<string, ResourceType>();

  /** Returns an error reason, or undefined when added. */
  add(e: Entry): string | undefined {
    const known = this.typeByName.get(e.name);
    if (known !== undefined && known !== e.type) {
      return `resource '${e.name}' is both ${known} and ${e.type}; one name must have one type`;
    }
    this.typeByName.set(e.name, e.type);
    const prev = this.byKey.get(e.key);
    if (prev === undefined) {
      this.byKey.set(e.key, e);
      return undefined;
    }
    if (e.type === 'RANGES') {
      // normaliseRanges reports the overlap with both ranges named.
      try {
        this.byKey.set(e.key, withRanges(prev, normaliseRanges([...prev.ranges, ...e.ranges])));
      } catch (err) {
        return (err as Error).message;
      }
      return undefined;
    }
    this.byKey.set(e.key, entryPlus(prev, e));
    return undefined;
  }

  build(): Resources {
    const entries: Entry[] = [];
    for (const e of this.byKey.values()) if (!isEmptyEntry(e)) entries.push(e);
    return fromSortedEntries(entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }
}

/** One entry of a Resources value, for code that checks operations entry by entry. */
export interface ResourcePart {
  readonly name: string;
  readonly type: ResourceType;
  readonly role: string;
  readonly reservations: readonly Reservation[];
  readonly disk: DiskInfo | undefined;
  /** The entry alone, as a value. */
  readonly resources: Resources;
}

function entryToV1(e: Entry, allocationRole: string | undefined, format: ResourceFormat | undefined): Resource {
  const r: Resource = { name: e.name, type: e.type };
  if (e.type === 'SCALAR') r.scalar = { value: e.milli / 1000 };
  else if (e.type === 'RANGES') {
    const range: { begin: number; end: number }[] = [];
    for (let i = 0; i < e.ranges.length; i += 2) range.push({ begin: e.ranges[i], end: e.ranges[i + 1] });
    r.ranges = { range };
  } else r.set = { item: [...e.items] };
  const stack = e.reservations;
  if (stack.length === 0) {
    if (format === 'pre-refinement' || format === 'endpoint') r.role = UNRESERVED;
  } else if (stack.length === 1 && format !== 'post-refinement') {
    r.role = e.role;
    const only = stack[0];
    if (only.type === 'DYNAMIC') {
      r.reservation = {};
      if (only.principal !== undefined) r.reservation.principal = only.principal;
      if (only.labels !== undefined) r.reservation.labels = only.labels;
    }
  }
  // A refined stack has no pre-refinement form; such readers get the stack (Mesos does not offer it to them).
  if (stack.length > 0 && (format !== 'pre-refinement' || stack.length > 1)) r.reservations = stack.map(reservationToV1);
  if (e.disk !== undefined) r.disk = e.disk;
  if (allocationRole !== undefined) r.allocation_info = { role: allocationRole };
  return r;
}

function reservationToV1(level: Reservation): NonNullable<Resource['reservations']>[number] {
  const out: NonNullable<Resource['reservations']>[number] = { type: level.type, role: level.role };
  if (level.principal !== undefined) out.principal = level.principal;
  if (level.labels !== undefined) out.labels = level.labels;
  return out;
}

/** Entries must be sorted by key, non-empty and unique per key. Assigned inside the class, which owns the constructor. */
let fromSortedEntries: (entries: readonly Entry[]) => Resources;

function toMilli(value: number): number {
  return Math.round(value * 1000);
}

export class Resources {
  private static readonly EMPTY = new Resources([]);

  static {
    fromSortedEntries = (entries) => (entries.length === 0 ? Resources.EMPTY : new Resources(entries));
  }

  private constructor(private readonly entries: readonly Entry[]) {}

  static empty(): Resources {
    return Resources.EMPTY;
  }

  /** Parses the text syntax above (or a JSON array). Throws ResourceParseError naming the bad token and position. */
  static parse(text: string, defaultRole: string = UNRESERVED): Resources {
    const defaultRoleProblem = roleProblem(defaultRole);
    if (defaultRoleProblem) throw new ResourceParseError(`invalid default role: ${defaultRoleProblem}`, text, 0);
    const lead = text.search(/\S/);
    if (lead < 0) return Resources.EMPTY;
    if (text[lead] === '[' || text[lead] === '{') return parseJson(text, lead);
    const collector = new EntryCollector();
    for (const token of splitTopLevel(text)) {
      const fail = (reason: string): never => {
        throw new ResourceParseError(`invalid resource '${token.text}' at position ${token.position}: ${reason}`, text, token.position);
      };
      if (token.problem) fail(token.problem);
      const entry = parseToken(token.text, defaultRole, fail);
      const problem = collector.add(entry);
      if (problem) fail(problem);
    }
    return collector.build();
  }

  /** From v1 JSON resources; validates (throws InvalidResourceError with a message naming the bad entry). */
  static fromV1(list: Resource[]): Resources {
    return resourcesFromV1Checked(list, 'resources');
  }

  /**
   * v1 JSON. `format` is one of Mesos's three (convertResourceFormat): 'post-refinement' writes only the
   * `reservations` stack; 'pre-refinement' only `role` ('*' when unreserved) and, for a dynamic
   * reservation, `reservation` {principal, labels}; 'endpoint' both (a refined stack only as
   * `reservations`). Without a format: as 'endpoint' but without `role: "*"` on unreserved resources,
   * which every reader takes.
   */
  toV1(allocationRole?: string, format?: ResourceFormat): Resource[] {
    const out: Resource[] = [];
    for (const e of this.entries) out.push(entryToV1(e, allocationRole, format));
    return out;
  }

  /** Every entry as its own value, with what identifies it: for validating operations entry by entry. */
  parts(): ResourcePart[] {
    return this.entries.map((e) => ({
      name: e.name, type: e.type, role: e.role, reservations: e.reservations, disk: e.disk, resources: fromSortedEntries([e]),
    }));
  }

  /** The same resources with `stack` as reservation stack and `disk` as disk info (applied to every entry). */
  reshape(change: (part: { reservations: readonly Reservation[]; disk: DiskInfo | undefined }) => { reservations: readonly Reservation[]; disk: DiskInfo | undefined }): Resources {
    const collector = new EntryCollector();
    for (const e of this.entries) {
      const next = change({ reservations: e.reservations, disk: e.disk });
      const problem = collector.add(reshaped(e, next.reservations, next.disk));
      if (problem) throw new Error(problem);
    }
    return collector.build();
  }

  /** A one-entry scalar value with another amount and the same identity (reservations, disk info). */
  withAmount(value: number): Resources {
    const [e] = this.entries;
    if (this.entries.length !== 1 || e.type !== 'SCALAR') throw new Error(`withAmount needs one scalar entry, got '${this.toString()}'`);
    const milli = toMilli(value);
    return milli <= 0 ? Resources.EMPTY : fromSortedEntries([withMilli(e, milli)]);
  }

  /** The roles resources are reserved to (effective roles, '*' excluded), without building anything else. */
  reservedRoles(): string[] {
    const roles: string[] = [];
    for (const e of this.entries) if (e.role !== UNRESERVED && !roles.includes(e.role)) roles.push(e.role);
    return roles;
  }

  /** Role -> `render` of what is reserved to it, for every role something is reserved to (/state's `reserved_resources*`). */
  byReservedRole<T>(render: (reserved: Resources) => T): Record<string, T> {
    const out: Record<string, T> = {};
    for (const role of this.reservedRoles()) out[role] = render(this.reservedTo(role));
    return out;
  }

  /** Dynamically reserved resources and persistent volumes: what an agent checkpoints (Mesos's needCheckpointing). */
  checkpointable(): Resources {
    return this.filter((e) => isVolume(e) || (e.reservations.length > 0 && e.reservations[e.reservations.length - 1].type === 'DYNAMIC'));
  }

  /** Resources whose reservation is refined (more than one level); empty, without allocating, when none. */
  refinedReservations(): Resources {
    let any = false;
    for (const e of this.entries) if (e.reservations.length > 1) any = true;
    return any ? this.filter((e) => e.reservations.length > 1) : Resources.EMPTY;
  }

  /** Persistent volumes only. */
  persistentVolumes(): Resources {
    return this.filter(isVolume);
  }

  plus(other: Resources): Resources {
    const a = this.entries;
    const b = other.entries;
    if (b.length === 0) return this;
    if (a.length === 0) return other;
    const out: Entry[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const ka = a[i].key;
      const kb = b[j].key;
      if (ka === kb) out.push(entryPlus(a[i++], b[j++]));
      else if (ka < kb) out.push(a[i++]);
      else out.push(b[j++]);
    }
    while (i < a.length) out.push(a[i++]);
    while (j < b.length) out.push(b[j++]);
    return new Resources(out);
  }

  /** Throws if `other` is not contained in this. */
  minus(other: Resources): Resources {
    if (!this.contains(other)) {
      throw new Error(`cannot subtract '${other.toString()}' from '${this.toString()}': not contained`);
    }
    return this.subtractClamped(other);
  }

  /** Like minus, but never throws: takes away what is there. */
  subtractClamped(other: Resources): Resources {
    const a = this.entries;
    const b = other.entries;
    if (a.length === 0 || b.length === 0) return this;
    const out: Entry[] = [];
    let j = 0;
    for (let i = 0; i < a.length; i++) {
      const ka = a[i].key;
      while (j < b.length && b[j].key < ka) j++;
      if (j < b.length && b[j].key === ka) {
        const left = entryMinus(a[i], b[j]);
        if (left) out.push(left);
      } else {
        out.push(a[i]);
      }
    }
    return fromSortedEntries(out);
  }

  contains(other: Resources): boolean {
    const a = this.entries;
    const b = other.entries;
    let i = 0;
    for (let j = 0; j < b.length; j++) {
      const kb = b[j].key;
      while (i < a.length && a[i].key < kb) i++;
      if (i >= a.length || a[i].key !== kb || !entryContains(a[i], b[j])) return false;
    }
    return true;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Sum of a scalar resource across roles (0 if absent). */
  scalar(name: string): number {
    let milli = 0;
    for (const e of this.entries) if (e.name === name && e.type === 'SCALAR') milli += e.milli;
    return milli / 1000;
  }

  /** Names of all scalar resources present. */
  scalarNames(): string[] {
    const names: string[] = [];
    for (const e of this.entries) if (e.type === 'SCALAR' && !names.includes(e.name)) names.push(e.name);
    return names;
  }

  /**
   * Only the unreserved ('*') resources and those reserved to `role` — or to an ancestor of it, as
   * Mesos offers resources reserved to "eng" to a framework in role "eng/ci".
   */
  allocatableTo(role: string): Resources {
    return this.filter((e) => allocatable(e.role, role));
  }

  /** Resources reserved for `role` only. */
  reservedTo(role: string): Resources {
    return this.filter((e) => e.role === role);
  }

  /** Unreserved resources only. */
  unreserved(): Resources {
    return this.filter((e) => e.role === UNRESERVED);
  }

  /** Text syntax, e.g. "cpus:1;mem:128;ports:[31000-32000]". Round-trips through parse. */
  toString(): string {
    return this.entries.map(entryText).join(';');
  }

  /** The legacy /state JSON shape: { cpus: 1, mem: 128, disk: 0, gpus: 0, ports: "[31000-32000]" }. */
  toLegacyJson(): Record<string, number | string> {
    const scalars: Record<string, number> = { cpus: 0, disk: 0, gpus: 0, mem: 0 };
    const ranges = new Map<string, FlatRanges>();
    const sets = new Map<string, readonly string[]>();
    for (const e of this.entries) {
      if (e.type === 'SCALAR') scalars[e.name] = (scalars[e.name] ?? 0) + e.milli;
      else if (e.type === 'RANGES') ranges.set(e.name, rangesUnion(ranges.get(e.name) ?? NO_RANGES, e.ranges));
      else sets.set(e.name, setUnion(sets.get(e.name) ?? NO_ITEMS, e.items));
    }
    const out: Record<string, number | string> = {};
    for (const [name, milli] of Object.entries(scalars)) out[name] = milli / 1000;
    // Mesos's stringify puts ", " between ranges and set items in /state.
    for (const [name, r] of ranges) out[name] = rangesToText(r, ', ');
    for (const [name, s] of sets) out[name] = setToText(s, ', ');
    return out;
  }

  /** Picks `count` individual port numbers from the "ports" ranges (lowest first), or undefined if too few. */
  pickPorts(count: number): number[] | undefined {
    let ports: FlatRanges = NO_RANGES;
    for (const e of this.entries) if (e.name === 'ports' && e.type === 'RANGES') ports = rangesUnion(ports, e.ranges);
    const picked: number[] = [];
    for (let i = 0; i < ports.length && picked.length < count; i += 2) {
      for (let p = ports[i]; p <= ports[i + 1] && picked.length < count; p++) picked.push(p);
    }
    return picked.length === count ? picked : undefined;
  }

  equals(other: Resources): boolean {
    if (this === other) return true;
    const a = this.entries;
    const b = other.entries;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!entriesEqual(a[i], b[i])) return false;
    return true;
  }

  private filter(keep: (e: Entry) => boolean): Resources {
    const kept = this.entries.filter(keep);
    return kept.length === this.entries.length ? this : fromSortedEntries(kept);
  }
}

// ---- text parsing ----

interface Token {
  text: string;
  position: number;
  problem?: string;
}

/** Splits on ';' and ',' outside brackets, keeping each token's offset; reports unbalanced brackets. */
function splitTopLevel(text: string): Token[] {
  const tokens: Token[] = [];
  let start = 0;
  let open: string | undefined;
  let problem: string | undefined;
  const flush = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.search(/\S/);
    if (lead >= 0) tokens.push({ text: raw.trim(), position: start + lead, problem });
    problem = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (open) {
      if (c === (open === '[' ? ']' : '}')) open = undefined;
      else if (c === '[' || c === '{' || c === ';') problem ??= `unclosed '${open}'`;
      continue;
    }
    if (c === '[' || c === '{') open = c;
    else if (c === ']' || c === '}') problem ??= `unexpected '${c}'`;
    else if (c === ';' || c === ',') {
      flush(i);
      start = i + 1;
    }
  }
  if (open) problem ??= `unclosed '${open}'`;
  flush(text.length);
  return tokens;
}

const NAME_ROLE = /^([^()]*?)\s*(?:\(([^()]*)\))?$/;

function parseToken(token: string, defaultRole: string, fail: (reason: string) => never): Entry {
  const colon = token.indexOf(':');
  if (colon < 0) fail('expected name:value, e.g. cpus:2');
  const head = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();
  const m = NAME_ROLE.exec(head);
  if (!m) fail(`'${head}' is not name or name(role)`);
  const name = m![1];
  const role = m![2] === undefined ? defaultRole : m![2].trim();
  const problem = nameProblem(name) ?? roleProblem(role);
  if (problem) fail(problem);
  if (value === '') fail("missing value after ':'");
  try {
    if (value[0] === '[') return makeEntry(name, role, 'RANGES', 0, parseRangesText(value), NO_ITEMS);
    if (value[0] === '{') return makeEntry(name, role, 'SET', 0, NO_RANGES, parseSetText(value));
    if (/^[(<]/.test(value)) fail(`unknown bracket '${value[0]}' (ranges use [a-b], sets use {a,b})`);
    const scalar = parseScalarText(value);
    if (scalar > MAX_SCALAR) fail(`'${value}' is too large`);
    return makeEntry(name, role, 'SCALAR', toMilli(scalar), NO_RANGES, NO_ITEMS);
  } catch (err) {
    if (err instanceof ValueSyntaxError) fail(err.message);
    throw err;
  }
}

function parseJson(text: string, lead: number): Resources {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new ResourceParseError(`invalid resources JSON at position ${lead}: ${(err as Error).message}`, text, lead);
  }
  try {
    return resourcesFromV1Checked(list, 'resources');
  } catch (err) {
    if (err instanceof InvalidResourceError) throw new ResourceParseError(`invalid resources JSON: ${err.message}`, text, lead);
    throw err;
  }
}

// ---- v1 JSON validation ----

function pathText(field: string, path: (string | number)[]): string {
  let out = field;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates and converts a list of v1 Resource objects. Errors are InvalidResourceError whose
 * message starts with the field path, e.g. "task_infos[0].resources[1].scalar.value: must be ...".
 */
export function resourcesFromV1Checked(list: unknown, field: string): Resources {
  const fail = (path: (string | number)[], reason: string): never => {
    throw new InvalidResourceError(`${pathText(field, path)}: ${reason}`, path, reason);
  };
  if (!Array.isArray(list)) fail([], `must be an array of resources, got ${describeValue(list)}`);
  const collector = new EntryCollector();
  (list as unknown[]).forEach((item, i) => {
    const problem = collector.add(entryFromV1(item, i, fail));
    if (problem) fail([i], problem);
  });
  return collector.build();
}

function entryFromV1(item: unknown, i: number, fail: (path: (string | number)[], reason: string) => never): Entry {
  if (!isObject(item)) return fail([i], `must be a resource object, got ${describeValue(item)}`);
  const { name, type } = item;
  if (typeof name !== 'string') fail([i, 'name'], `required string, got ${describeValue(name)}`);
  const nameIssue = nameProblem(name as string);
  if (nameIssue) fail([i, 'name'], nameIssue);
  const { role, reservations } = stackFromV1(item, i, fail);
  const disk = diskFromV1(item, i, name as string, fail);
  switch (type) {
    case 'SCALAR': {
      const scalar = item.scalar;
      if (!isObject(scalar)) return fail([i, 'scalar'], `required for type SCALAR, got ${describeValue(scalar)}`);
      const v = scalar.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        return fail([i, 'scalar', 'value'], `must be a non-negative number, got ${describeValue(v)}`);
      }
      if (v > MAX_SCALAR) return fail([i, 'scalar', 'value'], `${v} is too large`);
      return makeEntry(name as string, role, 'SCALAR', toMilli(v), NO_RANGES, NO_ITEMS, undefined, reservations, disk);
    }
    case 'RANGES': {
      const ranges = item.ranges;
      if (!isObject(ranges)) return fail([i, 'ranges'], `required for type RANGES, got ${describeValue(ranges)}`);
      const range = ranges.range ?? [];
      if (!Array.isArray(range)) return fail([i, 'ranges', 'range'], `must be an array, got ${describeValue(range)}`);
      const pairs: number[] = [];
      range.forEach((r: unknown, k) => {
        if (!isObject(r)) fail([i, 'ranges', 'range', k], `must be {begin, end}, got ${describeValue(r)}`);
        const { begin, end } = r as Record<string, unknown>;
        for (const [field, v] of [['begin', begin], ['end', end]] as const) {
          if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
            fail([i, 'ranges', 'range', k, field], `must be a non-negative integer, got ${describeValue(v)}`);
          }
        }
        if ((begin as number) > (end as number)) fail([i, 'ranges', 'range', k], `begin ${begin} > end ${end}`);
        pairs.push(begin as number, end as number);
      });
      try {
        return makeEntry(name as string, role, 'RANGES', 0, normaliseRanges(pairs), NO_ITEMS, undefined, reservations, disk);
      } catch (err) {
        return fail([i, 'ranges'], (err as Error).message);
      }
    }
    case 'SET': {
      const set = item.set;
      if (!isObject(set)) return fail([i, 'set'], `required for type SET, got ${describeValue(set)}`);
      const items = set.item ?? [];
      if (!Array.isArray(items)) return fail([i, 'set', 'item'], `must be an array of strings, got ${describeValue(items)}`);
      items.forEach((s: unknown, k) => {
        if (typeof s !== 'string' || s === '') fail([i, 'set', 'item', k], `must be a non-empty string, got ${describeValue(s)}`);
      });
      return makeEntry(name as string, role, 'SET', 0, NO_RANGES, normaliseSet(items as string[]), undefined, reservations, disk);
    }
    default:
      return fail([i, 'type'], `must be one of SCALAR, RANGES, SET, got ${describeValue(type)}`);
  }
}

type Fail = (path: (string | number)[], reason: string) => never;

/**
 * The reservation stack, from any format Mesos accepts: post-refinement `reservations` (which wins
 * when both are given, as in the endpoint format, and must then agree with `role`), or pre-refinement
 * `role` plus `reservation` {principal, labels}, which makes it DYNAMIC.
 */
function stackFromV1(item: Record<string, unknown>, i: number, fail: Fail): { role: string; reservations: readonly Reservation[] } {
  const { role, reservation, reservations } = item;
  if (role !== undefined && typeof role !== 'string') fail([i, 'role'], `must be a string, got ${describeValue(role)}`);
  if (reservation !== undefined && !isObject(reservation)) fail([i, 'reservation'], `must be an object, got ${describeValue(reservation)}`);
  if (reservations !== undefined && !Array.isArray(reservations)) fail([i, 'reservations'], `must be an array, got ${describeValue(reservations)}`);
  const levels = (reservations ?? []) as unknown[];
  if (levels.length === 0) {
    const legacyRole = (role as string | undefined) ?? UNRESERVED;
    const problem = roleProblem(legacyRole);
    if (problem) fail([i, 'role'], problem);
    if (reservation === undefined) return { role: legacyRole, reservations: staticStack(legacyRole) };
    if (legacyRole === UNRESERVED) fail([i, 'reservation'], 'role "*" cannot be dynamically reserved');
    const { principal, labels } = reservation as Record<string, unknown>;
    return { role: legacyRole, reservations: [levelOf({ type: 'DYNAMIC', role: legacyRole, principal, labels }, [i, 'reservation'], fail)] };
  }
  const last = levels[levels.length - 1];
  if (isObject(last) && typeof last.role === 'string' && role !== undefined && role !== UNRESERVED && role !== last.role) {
    fail([i, 'role'], `'${role}' differs from the reservation role '${last.role}'`);
  }
  const stack: Reservation[] = [];
  levels.forEach((level, k) => {
    const path = [i, 'reservations', k];
    if (!isObject(level)) return fail(path, `must be a reservation object, got ${describeValue(level)}`);
    if (typeof level.role !== 'string') return fail([...path, 'role'], `required string, got ${describeValue(level.role)}`);
    const problem = roleProblem(level.role);
    if (problem || level.role === UNRESERVED) fail([...path, 'role'], problem ?? 'role "*" cannot be reserved');
    if (level.type !== 'STATIC' && level.type !== 'DYNAMIC') fail([...path, 'type'], `must be STATIC or DYNAMIC, got ${describeValue(level.type)}`);
    const below = stack[k - 1];
    if (below && !(level.role.startsWith(below.role + '/'))) {
      fail([...path, 'role'], `'${level.role}' is not a refinement of '${below.role}' (a role below it)`);
    }
    if (below?.type === 'DYNAMIC' && level.type === 'STATIC') fail([...path, 'type'], 'a STATIC reservation cannot refine a DYNAMIC one');
    stack.push(levelOf(level, path, fail));
  });
  if (reservation !== undefined && stack.length === 1 && stack[0].type !== 'DYNAMIC') {
    fail([i, 'reservation'], 'is set but the reservation is STATIC');
  }
  return { role: stack[stack.length - 1].role, reservations: stack };
}

function levelOf(level: Record<string, unknown>, path: (string | number)[], fail: Fail): Reservation {
  const { principal, labels } = level;
  if (principal !== undefined && typeof principal !== 'string') fail([...path, 'principal'], `must be a string, got ${describeValue(principal)}`);
  if (labels !== undefined && !(isObject(labels) && (labels.labels === undefined || Array.isArray(labels.labels)))) {
    fail([...path, 'labels'], `must be {labels: [{key, value}]}, got ${describeValue(labels)}`);
  }
  if (level.type === 'STATIC' && (principal !== undefined || labels !== undefined)) {
    fail([...path, 'principal'], 'a STATIC reservation has no principal or labels');
  }
  const out: { -readonly [K in keyof Reservation]: Reservation[K] } = { type: level.type as Reservation['type'], role: level.role as string };
  if (principal !== undefined) out.principal = principal as string;
  if (labels !== undefined) out.labels = { labels: (((labels as { labels?: unknown[] }).labels ?? [])).map((l, k) => labelOf(l, [...path, 'labels', 'labels', k], fail)) };
  return out;
}

function labelOf(label: unknown, path: (string | number)[], fail: Fail): Labels['labels'][number] {
  if (!isObject(label) || typeof label.key !== 'string') return fail(path, `must be {key, value}, got ${describeValue(label)}`);
  if (label.value !== undefined && typeof label.value !== 'string') return fail([...path, 'value'], `must be a string, got ${describeValue(label.value)}`);
  return label.value === undefined ? { key: label.key } : { key: label.key, value: label.value };
}

/** Resource.DiskInfo: persistence {id, principal}, volume {container_path, mode}; `source` kept as given. */
function diskFromV1(item: Record<string, unknown>, i: number, name: string, fail: Fail): DiskInfo | undefined {
  const { disk } = item;
  if (disk === undefined) return undefined;
  if (!isObject(disk)) return fail([i, 'disk'], `must be an object, got ${describeValue(disk)}`);
  if (name !== 'disk') fail([i, 'disk'], `DiskInfo should not be set for ${name} resource`);
  const out: DiskInfo = {};
  const { persistence, volume, source } = disk;
  if (persistence !== undefined) {
    if (!isObject(persistence) || typeof persistence.id !== 'string' || persistence.id === '') {
      fail([i, 'disk', 'persistence', 'id'], `required non-empty string, got ${describeValue(isObject(persistence) ? persistence.id : persistence)}`);
    }
    const p = persistence as Record<string, unknown>;
    if (p.principal !== undefined && typeof p.principal !== 'string') fail([i, 'disk', 'persistence', 'principal'], `must be a string, got ${describeValue(p.principal)}`);
    out.persistence = p.principal === undefined ? { id: p.id as string } : { id: p.id as string, principal: p.principal as string };
  }
  if (volume !== undefined) {
    if (!isObject(volume)) return fail([i, 'disk', 'volume'], `must be an object, got ${describeValue(volume)}`);
    if (typeof volume.container_path !== 'string' || volume.container_path === '') {
      fail([i, 'disk', 'volume', 'container_path'], `required non-empty string, got ${describeValue(volume.container_path)}`);
    }
    if (volume.mode !== 'RW' && volume.mode !== 'RO') fail([i, 'disk', 'volume', 'mode'], `must be RW or RO, got ${describeValue(volume.mode)}`);
    out.volume = { mode: volume.mode as 'RW' | 'RO', container_path: volume.container_path as string };
  }
  if (source !== undefined) {
    if (!isObject(source)) return fail([i, 'disk', 'source'], `must be an object, got ${describeValue(source)}`);
    out.source = source;
  }
  return out.persistence || out.volume || out.source ? out : undefined;
}
