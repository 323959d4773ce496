/**
 * Checks before a launch creates anything: the region, the zones and the instance types, asked of
 * EC2 in one round of parallel calls and judged by infra/aws/placement-checks.ts. A problem becomes
 * a ProviderError that names what was wrong, the value given and what would work.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { placementVerdict, regionVerdict, type OfferingFacts, type RegionFact, type ZoneFact } from '../../aws/placement-checks';
import { ProviderError } from '../../errors';
import { ec2Send } from './ec2-client';

export interface PlacementCheck {
  region: string;
  zones?: string[];
  instanceTypes: string[];
}

export interface PlacementOptions {
  /**
   * A client for DescribeRegions in a region known to exist (us-east-1): a client configured for
   * a misspelt region talks to an endpoint that does not exist, so it cannot say which regions do.
   * Default: `ec2` itself (right when an endpoint URL is given).
   */
  regionsClient?: EC2Client;
}

/** The zones to use (the ones given, or the first available ones offering every type); throws ProviderError otherwise. */
export async function checkPlacement(ec2: EC2Client, req: PlacementCheck, opts: PlacementOptions = {}): Promise<{ zones: string[] }> {
  const { DescribeRegionsCommand, DescribeAvailabilityZonesCommand, DescribeInstanceTypeOfferingsCommand } = await import('@aws-sdk/client-ec2');
  const instanceTypes = [...new Set(req.instanceTypes)];
  const doing = `checking region ${req.region}`;

  const regionsCall = ec2Send(opts.regionsClient ?? ec2, new DescribeRegionsCommand({ AllRegions: true }), doing).then(
    (a): RegionFact[] => (a.Regions ?? []).map((r) => ({ name: r.RegionName ?? '', optInStatus: r.OptInStatus })),
  );
  const zonesCall = ec2Send(ec2, new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: false }), `listing the availability zones of ${req.region}`).then(
    (a): ZoneFact[] => (a.AvailabilityZones ?? []).filter((z) => (z.ZoneType ?? 'availability-zone') === 'availability-zone').map((z) => ({ name: z.ZoneName ?? '', state: z.State ?? 'unknown' })),
  );
  const offerings = async (locationType: 'region' | 'availability-zone', types?: string[]) => {
    const found: { instanceType: string; location: string }[] = [];
    let NextToken: string | undefined;
    do {
      const answer = await ec2Send(ec2, new DescribeInstanceTypeOfferingsCommand({
        LocationType: locationType,
        ...(types ? { Filters: [{ Name: 'instance-type', Values: types }] } : {}),
        MaxResults: 1000,
        NextToken,
      }), `checking where instance types are offered in ${req.region}`);
      for (const o of answer.InstanceTypeOfferings ?? []) found.push({ instanceType: o.InstanceType ?? '', location: o.Location ?? '' });
      NextToken = answer.NextToken;
    } while (NextToken);
    return found;
  };
  // Every type of the region (to suggest similar ones), and the zones of the types asked for.
  const offeringsCall = Promise.all([offerings('region'), offerings('availability-zone', instanceTypes)]).then(
    ([inRegion, byZone]): OfferingFacts => ({ inRegion: inRegion.map((o) => o.instanceType), byZone: byZone.map((o) => ({ instanceType: o.instanceType, zone: o.location })) }),
  );

  const [regions, zones, offered] = await Promise.allSettled([regionsCall, zonesCall, offeringsCall]);
  if (regions.status === 'rejected') throw regions.reason;
  // A region that does not exist makes the other calls fail too; say what is wrong rather than how it failed.
  const regionProblem = regionVerdict(req.region, regions.value);
  if (regionProblem) throw new ProviderError(regionProblem.code, regionProblem.message, regionProblem.suggestions);
  if (zones.status === 'rejected') throw zones.reason;
  if (offered.status === 'rejected') throw offered.reason;

  const verdict = placementVerdict({ ...req, instanceTypes }, regions.value, zones.value, offered.value);
  if (!verdict.ok) throw new ProviderError(verdict.problem.code, verdict.problem.message, verdict.problem.suggestions);
  return { zones: verdict.zones };
}
