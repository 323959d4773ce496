/**
 * The pure halves of the image lookup and the placement checks: reading Canonical's image names,
 * telling LTS releases apart, ordering builds, and judging a placement from EC2's facts.
 */
import { isLts, newerFirst, ubuntuRelease } from '../../infra/aws/ubuntu-releases';
import { placementVerdict, similarInstanceTypes } from '../../infra/aws/placement-checks';

describe('ubuntuRelease', () => {
  it('reads release, architecture, build and respin from a Canonical server image name', () => {
    expect(ubuntuRelease('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115.1')).toEqual({ year: 24, month: 4, arch: 'arm64', build: 20250115, respin: 1 });
    expect(ubuntuRelease('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240301')).toMatchObject({ year: 22, month: 4, arch: 'amd64', respin: 0 });
  });

  it('is undefined for daily, minimal, Pro and other names', () => {
    for (const name of [
      'ubuntu/images-testing/hvm-ssd-gp3/ubuntu-noble-daily-amd64-server-20250301',
      'ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20250201',
      'ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20250201',
      'debian-12-amd64-20250112-1993',
    ]) expect(ubuntuRelease(name)).toBeUndefined();
  });

  it('counts only even-year April releases as LTS', () => {
    const lts = (v: string) => isLts(ubuntuRelease(`ubuntu/images/hvm-ssd-gp3/ubuntu-x-${v}-amd64-server-20250101`)!);
    expect(['20.04', '22.04', '24.04'].map(lts)).toEqual([true, true, true]);
    expect(['23.04', '24.10', '25.04', '23.10'].map(lts)).toEqual([false, false, false, false]);
  });

  it('orders the newest release first, then its newest build and respin', () => {
    const img = (name: string) => ({ r: ubuntuRelease(name)!, creationDate: '' });
    const names = [
      'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250301',
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241109',
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115',
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115.1',
    ];
    const sorted = names.map(img).sort(newerFirst).map((i) => `${i.r.year}.${i.r.build}.${i.r.respin}`);
    expect(sorted).toEqual(['24.20250115.1', '24.20250115.0', '24.20241109.0', '22.20250301.0']);
  });
});

describe('placementVerdict', () => {
  const regions = [{ name: 'eu-west-1' }, { name: 'eu-west-2' }, { name: 'us-east-1' }];
  const zones = ['a', 'b', 'c', 'd'].map((l) => ({ name: `eu-west-1${l}`, state: 'available' }));
  const offerings = {
    inRegion: ['t3.small', 'm6i.large', 'm6i.xlarge', 'm7g.large'],
    byZone: [...zones.map((z) => ({ instanceType: 't3.small', zone: z.name })), ...['eu-west-1b', 'eu-west-1c', 'eu-west-1d'].map((zone) => ({ instanceType: 'm7g.large', zone }))],
  };

  it('defaults to the first three available zones that offer every type', () => {
    expect(placementVerdict({ region: 'eu-west-1', instanceTypes: ['t3.small'] }, regions, zones, offerings)).toEqual({ ok: true, zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] });
    expect(placementVerdict({ region: 'eu-west-1', instanceTypes: ['t3.small', 'm7g.large'] }, regions, zones, offerings)).toEqual({ ok: true, zones: ['eu-west-1b', 'eu-west-1c', 'eu-west-1d'] });
  });

  it('says when no zone offers every type', () => {
    const verdict = placementVerdict({ region: 'eu-west-1', instanceTypes: ['m6i.large'] }, regions, zones, offerings);
    expect(verdict).toMatchObject({ ok: false, problem: { code: 'AWS_NO_ZONE' } });
  });

  it('suggests the same family first, then the same size elsewhere', () => {
    expect(similarInstanceTypes('m6i.huge', offerings.inRegion)).toEqual(['m6i.large', 'm6i.xlarge', 'm7g.large', 't3.small']);
    expect(similarInstanceTypes('m7i.large', offerings.inRegion).slice(0, 2)).toEqual(['m6i.large', 'm7g.large']);
  });
});
