/**
 * Pure decisions of a one-task scheduler: which offer to take, and whether the cluster could ever
 * hold the task at all (so `exec` fails fast instead of waiting forever for an impossible ask).
 */
import { Resources, UNRESERVED } from '../protocol/resources';
import type { Offer, Resource } from '../protocol/types';
import type { OperatorAgent } from '../protocol/operator';

export interface OfferChoice {
  chosen?: { offer: Offer; taskResources: Resource[] };
  /** Every offer not chosen, to be declined. */
  rest: Offer[];
}

/**
 * The ask as resources. Plain amounts ("cpus:1;mem:128") are taken, for a role other than '*', from
 * the role's reservations first, static or dynamic, then from unreserved resources (takeForRole); an
 * ask that names a role ("cpus(dev):1") is taken exactly as written.
 */
export function askVariants(text: string, _role: string): Resources[] {
  return [Resources.parse(text)];
}

/** The first offer that holds the ask takes it; the rest are returned for declining. */
export function chooseOffer(offers: Offer[], ask: Resources[], role: string, volumeId?: string): OfferChoice {
  const { chosen, rest } = chooseOfferForParts(offers, ask.map((variant) => [variant]), role, volumeId);
  return { chosen: chosen && { offer: chosen.offer, taskResources: chosen.partResources[0] }, rest };
}

/**
 * The same for an ask of several parts taken from one offer together (the tasks of a group and
 * their executor): `variants` are the readings of the ask, each one Resources per part; the first
 * reading whose sum an offer holds gives each part its resources.
 */
export function chooseOfferForParts(offers: Offer[], variants: Resources[][], role: string, volumeId?: string): PartsChoice {
  const rest: Offer[] = [];
  let chosen: PartsChoice['chosen'];
  for (const offer of offers) {
    if (!chosen) {
      const fit = fitOffer(offer, variants, role, volumeId);
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

/** A resource list given whole (a TaskInfo's), read as askVariants reads text. */
export function listVariants(list: Resource[], _role: string): Resources[] {
  return [Resources.fromV1(list)];
}

/**
 * What plain amounts take from `offered` for a framework in `role`, as a framework in a role does:
 * the role's reservations first (its own or an ancestor's, static or dynamic), then unreserved
 * resources; never a persistent volume (one is asked for by its id). Scalars may come from several
 * reservations; a range or set comes whole from one of them. undefined when `offered` falls short.
 */
export function takeForRole(offered: Resources, ask: Resources, role: string): Resources | undefined {
  const usable = offered.allocatableTo(role).subtractClamped(offered.persistentVolumes()).parts();
  // Reserved before unreserved; a stable sort keeps the offer's order otherwise.
  const places = [...usable.filter((p) => p.role !== UNRESERVED), ...usable.filter((p) => p.role === UNRESERVED)];
  let taken = Resources.empty();
  for (const want of ask.parts()) {
    if (want.type === 'SCALAR') {
      let need = Math.round(want.resources.scalar(want.name) * 1000);
      for (const place of places) {
        if (need <= 0) break;
        if (place.name !== want.name || place.type !== 'SCALAR') continue;
        const have = Math.round(place.resources.subtractClamped(taken).scalar(want.name) * 1000);
        const amount = Math.min(have, need);
        if (amount <= 0) continue;
        taken = taken.plus(place.resources.withAmount(amount / 1000));
        need -= amount;
      }
      if (need > 0) return undefined;
      continue;
    }
    const place = places.find((p) => p.name === want.name && p.type === want.type
      && p.resources.subtractClamped(taken).contains(want.resources.reshape(() => ({ reservations: p.reservations, disk: p.disk }))));
    if (!place) return undefined;
    taken = taken.plus(want.resources.reshape(() => ({ reservations: place.reservations, disk: place.disk })));
  }
  return taken;
}

/** Plain amounts go through takeForRole for a role other than '*'; anything else is taken as written. */
function take(offered: Resources, ask: Resources, role: string): Resources | undefined {
  if (role !== UNRESERVED && ask.unreserved().equals(ask)) return takeForRole(offered, ask, role);
  return offered.contains(ask) ? ask : undefined;
}

/** The persistent volume `id` among `offered` (to `role`), or undefined. */
export function volumeIn(offered: Resources, id: string): Resources | undefined {
  return offered.persistentVolumes().parts().find((p) => p.disk?.persistence?.id === id)?.resources;
}

function fitOffer(offer: Offer, variants: Resources[][], role: string, volumeId?: string): Resource[][] | undefined {
  let offered: Resources;
  try {
    offered = Resources.fromV1(offer.resources);
  } catch {
    return undefined;
  }
  const allocationRole = offer.allocation_info?.role ?? role;
  const volume = volumeId === undefined ? undefined : volumeIn(offered, volumeId);
  if (volumeId !== undefined && !volume) return undefined;
  for (const parts of variants) {
    let left = offered;
    const out: Resources[] = [];
    for (const part of parts) {
      const taken = take(left, part, role);
      if (!taken) break;
      out.push(taken);
      left = left.minus(taken);
    }
    if (out.length < parts.length) continue;
    // The volume goes with the first part: the task (exec --volume runs one task).
    if (volume) out[0] = out[0].plus(volume);
    return out.map((part) => part.toV1(allocationRole));
  }
  return undefined;
}

export interface CapacityVerdict {
  /** Some registered agent's total (what it could offer when idle) holds the ask. */
  canEverFit: boolean;
  agentCount: number;
  /** Some agent has the volume asked for (to the role), or none was asked for. */
  volumeFound: boolean;
  /** The agent with the most cpus (then mem): what to quote when nothing fits. */
  largest?: { agentId: string; hostname: string; total: Resources };
}

export function judgeCapacity(agents: OperatorAgent[], ask: Resources[], role: string, volumeId?: string): CapacityVerdict {
  let largest: CapacityVerdict['largest'];
  let canEverFit = false;
  let volumeFound = volumeId === undefined;
  for (const agent of agents) {
    let total: Resources;
    try {
      total = Resources.fromV1(agent.total_resources ?? agent.agent_info.resources ?? []).allocatableTo(role);
    } catch {
      continue;
    }
    const holdsVolume = volumeId === undefined || volumeIn(total, volumeId) !== undefined;
    volumeFound ||= holdsVolume;
    if (holdsVolume && ask.some((variant) => take(total, variant, role) !== undefined)) canEverFit = true;
    if (!largest || isLarger(total, largest.total)) {
      largest = { agentId: agent.agent_info.id?.value ?? '?', hostname: agent.agent_info.hostname, total };
    }
  }
  return { canEverFit, agentCount: agents.length, volumeFound, largest };
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
