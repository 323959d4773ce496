/**
 * Pulumi's engine events, as the Automation API hands them over, turned into our EngineEvents, and
 * the failures of an `up` collected from them. Pure: the driver (pulumi-engine.ts) feeds events in,
 * so these rules are tested on recorded event shapes without the Pulumi CLI.
 */
import type { EngineEvent as PulumiEvent, OpType } from '@pulumi/pulumi/automation';
import type { EngineEvent, ResourceFailure } from './engine';

type Op = Extract<EngineEvent, { kind: 'resource' }>['op'];

/** Pulumi's step kinds folded into the few an operator tells apart. */
const OPS: Record<OpType, Op> = {
  same: 'same',
  create: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'delete',
  read: 'read',
  'read-replacement': 'read',
  refresh: 'refresh',
  discard: 'delete',
  'discard-replaced': 'delete',
  'remove-pending-replace': 'delete',
  import: 'read',
  'import-replacement': 'read',
};

/** The stack itself is a resource in Pulumi's events; its errors are the run's, not a resource's. */
const STACK_TYPE = 'pulumi:pulumi:Stack';

/** A resource's name in the program: the URN's last segment (`urn:pulumi:s::p::a$b::prod-agent-3`). */
export function urnName(urn: string): string {
  const at = urn.lastIndexOf('::');
  return at < 0 ? urn : urn.slice(at + 2);
}

/** A resource's type token: the last of the `$`-joined parent types before the name. */
export function urnType(urn: string): string {
  const parts = urn.split('::');
  if (parts.length < 4) return '';
  const qualified = parts[parts.length - 2];
  return qualified.slice(qualified.lastIndexOf('$') + 1);
}

/**
 * A diagnostic as an operator wants to read it: no terminal colours (ANSI or Pulumi's `<{%...%}>`
 * markup) and without the AWS provider's source-location prefix that every one of its errors carries.
 */
export function cleanMessage(message: string): string {
  return message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/<\{%[^%]*%\}>/g, '')
    .replace(/^\s*sdk-v2\/provider2\.go:\d+: sdk\.helper_schema: /, '')
    .trim();
}

function severityOf(s: string): 'info' | 'warning' | 'error' {
  if (s === 'error') return 'error';
  if (s === 'warning') return 'warning';
  return 'info';
}

function summaryLine(summary: NonNullable<PulumiEvent['summaryEvent']>): string {
  const counts = Object.entries(summary.resourceChanges ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([op, n]) => `${n} ${op}`);
  return `${counts.length > 0 ? counts.join(', ') : 'no changes'} in ${summary.durationSeconds} s`;
}

/**
 * Reads one run's events in order. Pulumi sends a resource's error diagnostic before the event that
 * says its step failed, so the translator remembers the last error per URN to name the cause.
 */
export class EventTranslator {
  private readonly lastError = new Map<string, string>();
  private readonly failed = new Map<string, ResourceFailure>();
  private readonly runErrors: string[] = [];

  translate(event: PulumiEvent): EngineEvent[] {
    const pre = event.resourcePreEvent;
    if (pre && !pre.planning) return [this.resource(pre.metadata, 'started')];
    const out = event.resOutputsEvent;
    if (out && !out.planning) return [this.resource(out.metadata, 'done')];
    const failed = event.resOpFailedEvent;
    if (failed) {
      const { urn, type } = failed.metadata;
      const message = this.lastError.get(urn) ?? `${failed.metadata.op} failed`;
      this.failed.set(urn, { type, name: urnName(urn), message });
      return [this.resource(failed.metadata, 'failed', message)];
    }
    const diag = event.diagnosticEvent;
    if (diag) return this.diagnostic(diag);
    if (event.summaryEvent) {
      const line = { kind: 'diagnostic' as const, severity: 'info' as const, message: summaryLine(event.summaryEvent) };
      if (!event.summaryEvent.maybeCorrupt) return [line];
      return [line, { kind: 'diagnostic', severity: 'warning', message: 'the stack may hold resources in an unknown state; a refresh reconciles them' }];
    }
    return [];
  }

  /** The resources that failed, one entry each, in the order they first failed. */
  failures(): ResourceFailure[] {
    return [...this.failed.values()];
  }

  /** Errors of the run as a whole (the program, the stack, the backend). */
  errors(): string[] {
    return [...this.runErrors];
  }

  private resource(meta: { op: OpType; urn: string; type: string }, status: 'started' | 'done' | 'failed', message?: string): EngineEvent {
    const event: EngineEvent = { kind: 'resource', type: meta.type, name: urnName(meta.urn), op: OPS[meta.op] ?? 'update', status };
    return message === undefined ? event : { ...event, message };
  }

  private diagnostic(diag: NonNullable<PulumiEvent['diagnosticEvent']>): EngineEvent[] {
    if (diag.ephemeral) return [];
    const message = cleanMessage(diag.message);
    if (message === '') return [];
    const severity = severityOf(diag.severity);
    const ownType = diag.urn ? urnType(diag.urn) : '';
    const ofResource = diag.urn !== undefined && diag.urn !== '' && ownType !== STACK_TYPE;
    if (severity === 'error') {
      if (ofResource) {
        this.lastError.set(diag.urn!, message);
        // Some failures (a rejected input, a provider that cannot start) never get a step-failed event.
        const known = this.failed.get(diag.urn!);
        this.failed.set(diag.urn!, { type: known?.type ?? ownType, name: urnName(diag.urn!), message });
      } else {
        this.runErrors.push(message);
      }
    }
    return [{ kind: 'diagnostic', severity, message, ...(ofResource ? { resourceName: urnName(diag.urn!) } : {}) }];
  }
}

/** The message of a failed `up`/`destroy`: the resources at fault first, else the run's own errors, else `reason`. */
export function failureMessage(what: string, tr: EventTranslator, reason: string): string {
  const failures = tr.failures();
  if (failures.length > 0) {
    const shown = failures.slice(0, 3).map((f) => `${f.name}: ${f.message}`).join('; ');
    return `${what} failed for ${failures.length} resource(s): ${shown}${failures.length > 3 ? '; ...' : ''}`;
  }
  const errors = tr.errors();
  return `${what} failed: ${errors.length > 0 ? errors[errors.length - 1] : reason}`;
}

/** What EC2 says when it has no spot (or on-demand) capacity for the asked type in that zone. */
export const CAPACITY_ERRORS = [
  'InsufficientInstanceCapacity',
  'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded',
  'capacity-not-available',
  'InsufficientCapacity',
] as const;

const NODE_SUFFIX = /(?:^|-)((?:master|zookeeper|agent)-\d+)$/;

/**
 * The nodes ('agent-3') whose instance failed for lack of capacity, so the provider can ask for
 * them on-demand in the next `up`. A resource is a node when its name ends in `<role>-<index>`
 * (`prod-agent-3`); other failures are not capacity the provider can work around.
 */
export function spotCapacityFailures(failures: readonly ResourceFailure[]): string[] {
  const nodes = new Set<string>();
  for (const f of failures) {
    const node = NODE_SUFFIX.exec(f.name)?.[1];
    if (node && CAPACITY_ERRORS.some((code) => f.message.includes(code))) nodes.add(node);
  }
  return [...nodes];
}
