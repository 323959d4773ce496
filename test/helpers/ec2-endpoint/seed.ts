/**
 * The catalogue a fresh endpoint starts with: regions and their zones, instance types and where
 * they are offered, and Canonical's Ubuntu images (owner 099720109477) for several releases, builds
 * and architectures, named as Canonical names them, plus a few look-alikes a careful image lookup
 * must pass over (an interim release, a non-LTS .04, a daily build, another owner's copy).
 */
import { stableId, type Ec2State, type Image, type InstanceTypeInfo, type Offering, type RegionInfo, type ZoneInfo } from './state';

export const CANONICAL_OWNER = '099720109477';
/** An account that publishes an image named like Canonical's: only the owner filter tells them apart. */
export const IMPOSTOR_OWNER = '666666666666';
export const DEFAULT_ACCOUNT = '123456789012';

/** Region -> [zone letters, zone-id prefix]. */
const REGIONS: [string, string, string, RegionInfo['optInStatus']][] = [
  ['us-east-1', 'abcdef', 'use1', 'opt-in-not-required'],
  ['us-east-2', 'abc', 'use2', 'opt-in-not-required'],
  ['us-west-1', 'bc', 'usw1', 'opt-in-not-required'],
  ['us-west-2', 'abcd', 'usw2', 'opt-in-not-required'],
  ['eu-west-1', 'abc', 'euw1', 'opt-in-not-required'],
  ['eu-west-2', 'abc', 'euw2', 'opt-in-not-required'],
  ['eu-central-1', 'abc', 'euc1', 'opt-in-not-required'],
  ['eu-north-1', 'abc', 'eun1', 'opt-in-not-required'],
  ['ap-southeast-1', 'abc', 'apse1', 'opt-in-not-required'],
  ['ap-northeast-1', 'acd', 'apne1', 'opt-in-not-required'],
  ['ap-south-1', 'abc', 'aps1', 'opt-in-not-required'],
  ['sa-east-1', 'abc', 'sae1', 'opt-in-not-required'],
  ['af-south-1', 'abc', 'afs1', 'not-opted-in'],
];

const SIZES: [string, number][] = [['nano', 0.5], ['micro', 1], ['small', 2], ['medium', 4], ['large', 8], ['xlarge', 16], ['2xlarge', 32], ['4xlarge', 64], ['8xlarge', 128]];

/** family, architecture, GiB per vCPU ('t' families are burstable: 2 vCPUs up to xlarge), sizes offered. */
const FAMILIES: [string, 'x86_64' | 'arm64', number, string[]][] = [
  ['t3', 'x86_64', 0, ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']],
  ['t3a', 'x86_64', 0, ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']],
  ['t4g', 'arm64', 0, ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']],
  ['m5', 'x86_64', 4, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['m6i', 'x86_64', 4, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['m6g', 'arm64', 4, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge']],
  ['m7i', 'x86_64', 4, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['m7g', 'arm64', 4, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['c6i', 'x86_64', 2, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['c7g', 'arm64', 2, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge']],
  ['r6i', 'x86_64', 8, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']],
  ['r7g', 'arm64', 8, ['medium', 'large', 'xlarge', '2xlarge', '4xlarge']],
];

/** Newer families are missing from some regions, and from one zone of us-east-1, as on EC2. */
const NOT_IN_REGION: Record<string, string[]> = { 'sa-east-1': ['m7i', 'm7g', 'c7g', 'r7g'], 'af-south-1': ['m7i', 'm7g', 'c7g', 'r7g', 't4g'], 'us-west-1': ['m7i'] };
const NOT_IN_ZONE: Record<string, string[]> = { 'us-east-1e': ['m6i', 'm7i', 'm7g', 'c6i', 'c7g', 'r6i', 'r7g', 'm6g'] };

function instanceTypes(): InstanceTypeInfo[] {
  return FAMILIES.flatMap(([family, architecture, gibPerCpu, sizes]) =>
    sizes.map((size) => {
      const units = SIZES.find(([s]) => s === size)![1];
      const vcpus = family.startsWith('t') ? (size === '2xlarge' ? 8 : 2) : Math.max(1, units / 4);
      const memoryMiB = family.startsWith('t') ? units * 512 : vcpus * gibPerCpu * 1024;
      return { name: `${family}.${size}`, architecture, vcpus, memoryMiB };
    }),
  );
}

function offerings(types: InstanceTypeInfo[], zones: ZoneInfo[]): Offering[] {
  const family = (t: string) => t.split('.')[0];
  const out: Offering[] = [];
  for (const [region] of REGIONS) {
    for (const t of types) {
      if (NOT_IN_REGION[region]?.includes(family(t.name))) continue;
      out.push({ instanceType: t.name, locationType: 'region', location: region });
      for (const z of zones.filter((z) => z.region === region)) {
        if (!NOT_IN_ZONE[z.name]?.includes(family(t.name))) out.push({ instanceType: t.name, locationType: 'availability-zone', location: z.name });
      }
    }
  }
  return out;
}

/** [release (codename-version), volume flavour, build dates]: several builds per release. */
const UBUNTU_RELEASES: [string, string, string[]][] = [
  ['focal-20.04', 'hvm-ssd', ['20240201', '20240229']],
  ['jammy-22.04', 'hvm-ssd', ['20240207', '20240301']],
  ['jammy-22.04', 'hvm-ssd-gp3', ['20240927']],
  ['noble-24.04', 'hvm-ssd-gp3', ['20241109', '20250115']],
  // Interim releases, newer than the LTS: a lookup for LTS images must skip them.
  ['mantic-23.10', 'hvm-ssd', ['20240410']],
  ['oracular-24.10', 'hvm-ssd-gp3', ['20250120']],
  ['plucky-25.04', 'hvm-ssd-gp3', ['20250424']],
];

function ubuntuImages(region: string): Image[] {
  const images: Image[] = [];
  const add = (name: string, ownerId: string, architecture: 'x86_64' | 'arm64', date: string) =>
    images.push({
      id: stableId('ami', `${region}/${ownerId}/${name}`),
      region,
      tags: {},
      name,
      ownerId,
      state: 'available',
      architecture,
      creationDate: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T10:21:${date.slice(6, 8)}.000Z`,
      description: `Canonical, Ubuntu, ${name.split('/').pop()}`,
      isPublic: true,
      rootDeviceName: '/dev/sda1',
    });
  for (const [release, flavour, dates] of UBUNTU_RELEASES) {
    for (const date of dates) {
      add(`ubuntu/images/${flavour}/ubuntu-${release}-amd64-server-${date}`, CANONICAL_OWNER, 'x86_64', date);
      add(`ubuntu/images/${flavour}/ubuntu-${release}-arm64-server-${date}`, CANONICAL_OWNER, 'arm64', date);
    }
  }
  add('ubuntu/images-testing/hvm-ssd-gp3/ubuntu-noble-daily-amd64-server-20250301', CANONICAL_OWNER, 'x86_64', '20250301');
  add('ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20250201', CANONICAL_OWNER, 'x86_64', '20250201');
  add('ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20250201', CANONICAL_OWNER, 'x86_64', '20250201');
  add('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20991231', IMPOSTOR_OWNER, 'x86_64', '20250301');
  return images;
}

/** A fresh catalogue; resources empty. */
export function seedState(accountId = DEFAULT_ACCOUNT): Ec2State {
  const regions: RegionInfo[] = REGIONS.map(([name, , , optInStatus]) => ({ name, optInStatus }));
  const zones: ZoneInfo[] = REGIONS.flatMap(([region, letters, zoneIdPrefix]) =>
    [...letters].map((letter, i) => ({ name: `${region}${letter}`, region, zoneId: `${zoneIdPrefix}-az${i + 1}`, state: 'available' as const })),
  );
  const types = instanceTypes();
  const images = new Map(REGIONS.flatMap(([region]) => ubuntuImages(region)).map((img) => [img.id, img]));
  return {
    accountId,
    regions,
    zones,
    instanceTypes: types,
    offerings: offerings(types, zones),
    instances: new Map(),
    images,
    vpcs: new Map(),
    subnets: new Map(),
    securityGroups: new Map(),
    internetGateways: new Map(),
    routeTables: new Map(),
    keyPairs: new Map(),
    volumes: new Map(),
    machines: [],
    machineHolders: [],
  };
}
