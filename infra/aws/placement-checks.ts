/**
 * Whether a cluster can be placed where the operator asked, decided from what EC2 said about the
 * account's regions, the region's zones and where each instance type is offered: the region exists
 * and is enabled, the zones exist and are available (by default the region's first three available
 * zones that offer every type asked for), and each instance type is offered there. Pure: the EC2
 * calls are made by infra/providers/aws/aws-checks.ts, which turns a problem into a ProviderError.
 */
import { editDistance } from '../plan/nearest';

export interface RegionFact { name: string; optInStatus?: string }
export interface ZoneFact { name: string; state: string }
/** Where a type is offered: the region's offerings (for existence and suggestions) and each zone's. */
export interface OfferingFacts { inRegion: string[]; byZone: { instanceType: string; zone: string }[] }

export interface PlacementRequest {
  region: string;
  zones?: string[];
  instanceTypes: string[];
}

export interface PlacementProblem { code: string; message: string; suggestions: string[] }

export type PlacementVerdict = { ok: true; zones: string[] } | { ok: false; problem: PlacementProblem };

/** How many zones a cluster spreads across when the operator names none. */
export const DEFAULT_ZONE_COUNT = 3;

/** The `n` names of `known` closest to `word` (by edit distance, then alphabetically). */
export function nearestNames(word: string, known: readonly string[], n = 3): string[] {
  return [...known].sort((a, b) => editDistance(word, a) - editDistance(word, b) || a.localeCompare(b)).slice(0, n);
}

/** Types like `wanted`: its family's other sizes first, then the same size in the nearest families, then the nearest names. */
export function similarInstanceTypes(wanted: string, offered: readonly string[], n = 4): string[] {
  const [family, size] = wanted.split('.');
  const sameFamily = offered.filter((t) => t.split('.')[0] === family).sort();
  const sameSize = offered.filter((t) => t.split('.')[1] === size).sort((a, b) => editDistance(family, a.split('.')[0]) - editDistance(family, b.split('.')[0]) || a.localeCompare(b));
  return [...new Set([...sameFamily, ...sameSize, ...nearestNames(wanted, offered, n)])].filter((t) => t !== wanted).slice(0, n);
}

function problem(code: string, message: string, suggestions: string[] = []): { ok: false; problem: PlacementProblem } {
  return { ok: false, problem: { code, message, suggestions } };
}

export function regionVerdict(region: string, regions: RegionFact[]): PlacementProblem | undefined {
  const found = regions.find((r) => r.name === region);
  if (!found) {
    const near = nearestNames(region, regions.map((r) => r.name));
    return problem('AWS_UNKNOWN_REGION', `region "${region}" does not exist; nearest: ${near.join(', ')}`, [`use one of: ${regions.map((r) => r.name).sort().join(', ')}`]).problem;
  }
  if (found.optInStatus === 'not-opted-in') {
    return problem('AWS_REGION_NOT_ENABLED', `region ${region} is not enabled for this AWS account (it is an opt-in region)`, ['enable it in the AWS console (Account > AWS Regions), or choose another --region']).problem;
  }
  return undefined;
}

export function placementVerdict(req: PlacementRequest, regions: RegionFact[], zones: ZoneFact[], offerings: OfferingFacts): PlacementVerdict {
  const regionProblem = regionVerdict(req.region, regions);
  if (regionProblem) return { ok: false, problem: regionProblem };

  for (const type of req.instanceTypes) {
    if (!offerings.inRegion.includes(type)) {
      const similar = similarInstanceTypes(type, offerings.inRegion);
      return problem('AWS_INSTANCE_TYPE_UNAVAILABLE', `instance type "${type}" is not offered in ${req.region}`, [
        ...(similar.length > 0 ? [`similar types offered there: ${similar.join(', ')}`] : []),
        'or choose another --region',
      ]);
    }
  }

  const zoneNames = zones.map((z) => z.name).sort();
  const offersAll = (zone: string) => req.instanceTypes.every((t) => offerings.byZone.some((o) => o.zone === zone && o.instanceType === t));
  const available = zones.filter((z) => z.state === 'available').map((z) => z.name).sort();

  if (req.zones && req.zones.length > 0) {
    for (const zone of req.zones) {
      const found = zones.find((z) => z.name === zone);
      if (!found) {
        return problem('AWS_UNKNOWN_ZONE', `availability zone "${zone}" is not in ${req.region}; its zones are ${zoneNames.join(', ')}`, [
          ...nearestNames(zone, zoneNames, 1).map((n) => `did you mean ${n}?`),
          'leave out --zones to use the first available ones',
        ]);
      }
      if (found.state !== 'available') {
        return problem('AWS_ZONE_UNAVAILABLE', `availability zone ${zone} is ${found.state}, not available`, [`available zones in ${req.region}: ${available.join(', ')}`]);
      }
      for (const type of req.instanceTypes) {
        if (!offerings.byZone.some((o) => o.zone === zone && o.instanceType === type)) {
          const elsewhere = available.filter((z) => offerings.byZone.some((o) => o.zone === z && o.instanceType === type));
          return problem('AWS_INSTANCE_TYPE_NOT_IN_ZONE', `instance type ${type} is not offered in availability zone ${zone}`, [
            elsewhere.length > 0 ? `zones of ${req.region} that offer it: ${elsewhere.join(', ')}` : `no zone of ${req.region} offers it now`,
          ]);
        }
      }
    }
    return { ok: true, zones: [...req.zones] };
  }

  const chosen = available.filter(offersAll).slice(0, DEFAULT_ZONE_COUNT);
  if (chosen.length === 0) {
    return problem('AWS_NO_ZONE', `no available zone of ${req.region} offers every instance type asked for (${req.instanceTypes.join(', ')})`, ['use other instance types, or another --region']);
  }
  return { ok: true, zones: chosen };
}
