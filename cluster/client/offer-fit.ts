/**
 * Pure decisions of a one-task scheduler: which offer to take, and whether the cluster could ever
 * hold the task at all (so `exec` fails fast instead of waiting forever for an impossible ask).
 */
import { Resources } from '../protocol/resources';
import type { Offer, Resource } from '../protocol/types';
import type { OperatorAgent } from '../protocol/operator';

export interface OfferChoice {
  chosen?: { offer: Offer; taskResources: Resource[] };
  /** Every offer not chosen, to be declined. */
  rest: Offer[];
}

/**
 * The ask, read two ways: from unreserved resources, or (for a role other than '*') from the
 * role's reservations. Mixing both within one resource is not attempted.
 */
export function askVariants(text: string, role: string): Resources[] {
  const variants = [Resources.parse(text)];
  if (role !== '*') variants.push(Resources.parse(text, role));
  return variants;
}

/** The first offer that holds the ask takes it; the rest are returned for declining. */
export function chooseOffer(offers: Offer[], ask: Resources[], role: string): OfferChoice {
  const { chosen, rest } = chooseOfferForParts(offers, ask.map((variant) => [variant]), role);
  return { chosen: chosen && { offer: chosen.offer, taskResources: chosen.partResources[0] }, rest };
}

/**
 * The same for an ask of several parts taken from one offer together (the tasks of a group and
 * their executor): `variants` are the readings of the ask, each one Resources per part; the first
 * reading whose sum an offer holds gives each part its resources.
 */
export function chooseOfferForParts(offers: Offer[], variants: Resources[][], role: string): PartsChoice {
  const rest: Offer[] = [];
  let chosen: PartsChoice['chosen'];
  for (const offer of offers) {
    if (!chosen) {
      const fit = fitOffer(offer, variants, role);
      if (fit) {
        chosen = { offer, partResources: fit };
        continue;
      }
    }
    rest.push(offer);
  }
  return { chosen, rest };
}

export interface PartsChoice {
  chosen?: { offer: Offer; partResources: Resource[][] };
  rest: Offer[];
}

/** Each variant's parts added up: the whole ask, read each way. */
export function wholeAsk(variants: Resources[][]): Resources[] {
  return variants.map((parts) => parts.reduce((sum, part) => sum.plus(part), Resources.empty()));
}

/**
 * A resource list given whole (a TaskInfo's) read as askVariants reads text: as written, and for a
 * role other than '*' also with its unreserved resources reserved to the role.
 */
export function listVariants(list: Resource[], role: string): Resources[] {
  const variants = [Resources.fromV1(list)];
  if (role !== '*') {
    const reserved = list.map((r) => (r.reservations?.length || (r.role && r.role !== '*') ? r : { ...r, reservations: [{ type: 'STATIC' as const, role }] }));
    variants.push(Resources.fromV1(reserved));
  }
  return variants;
}

function fitOffer(offer: Offer, variants: Resources[][], role: string): Resource[][] | undefined {
  let offered: Resources;
  try {
    offered = Resources.fromV1(offer.resources);
  } catch {
    return undefined;
  }
  const allocationRole = offer.allocation_info?.role ?? role;
  const totals = wholeAsk(variants);
  for (const [i, parts] of variants.entries()) {
    if (offered.contains(totals[i])) return parts.map((part) => part.toV1(allocationRole));
  }
  return undefined;
}

export interface CapacityVerdict {
  /** Some registered agent's total (what it could offer when idle) holds the ask. */
  canEverFit: boolean;
  agentCount: number;
  /** The agent with the most cpus (then mem): what to quote when nothing fits. */
  largest?: { agentId: string; hostname: string; total: Resources };
}

export function judgeCapacity(agents: OperatorAgent[], ask: Resources[], role: string): CapacityVerdict {
  let largest: CapacityVerdict['largest'];
  let canEverFit = false;
  for (const agent of agents) {
    let total: Resources;
    try {
      total = Resources.fromV1(agent.total_resources ?? agent.agent_info.resources ?? []).allocatableTo(role);
    } catch {
      continue;
    }
    if (ask.some((variant) => total.contains(variant))) canEverFit = true;
    if (!largest || isLarger(total, largest.total)) {
      largest = { agentId: agent.agent_info.id?.value ?? '?', hostname: agent.agent_info.hostname, total };
    }
  }
  return { canEverFit, agentCount: agents.length, largest };
}

function isLarger(a: Resources, b: Resources): boolean {
  const cpus = a.scalar('cpus') - b.scalar('cpus');
  return cpus !== 0 ? cpus > 0 : a.scalar('mem') > b.scalar('mem');
}

/** The sentence `exec` fails with when no agent could ever run the task. */
export function describeUnsatisfiable(askText: string, ask: Resources, verdict: CapacityVerdict): string {
  const largest = verdict.largest;
  if (!largest) return `no agent can run a task asking for ${ask.toString()} (asked '${askText}')`;
  const short = ask.scalarNames()
    .filter((name) => ask.scalar(name) > largest.total.scalar(name))
    .map((name) => `${name} ${fmt(ask.scalar(name))} > ${fmt(largest.total.scalar(name))}`);
  return `no agent can ever run this task: it asks for ${ask.toString()}, but the largest of ${verdict.agentCount} agent(s) `
    + `(${largest.agentId} on ${largest.hostname}) has ${largest.total.toString()} in total`
    + (short.length ? ` (${short.join(', ')})` : '');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, '');
}
