/**
 * The image the builder starts from, checked before anything is created: the region and the
 * instance type (as a launch checks them), that the type runs --arch, and --base-ami (it must exist
 * and match --arch) or else the newest Ubuntu LTS for --arch.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '../infra/errors';
import { checkPlacement, type PlacementOptions } from '../infra/providers/aws/aws-checks';
import { ec2Send } from '../infra/providers/aws/ec2-client';
import { describeImage, newestUbuntuLts } from '../infra/providers/aws/images';

export interface BaseImage { imageId: string; name: string }

export async function resolveBaseImage(
  ec2: EC2Client, opts: { baseAmi?: string; arch: 'x86_64' | 'arm64'; instanceType: string; region: string; subnetZone?: string }, placement: PlacementOptions = {},
): Promise<BaseImage> {
  await checkPlacement(ec2, { region: opts.region, instanceTypes: [opts.instanceType] }, placement);
  await checkArchitecture(ec2, opts.instanceType, opts.arch);
  if (!opts.baseAmi) return newestUbuntuLts(ec2, opts.arch);
  if (!/^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(opts.baseAmi)) {
    throw new ProviderError('BAD_FLAG', `--base-ami: expected an image id like ami-0123456789abcdef0, got '${opts.baseAmi}'`);
  }
  const image = await describeImage(ec2, opts.baseAmi);
  if (!image) throw new ProviderError('BAD_FLAG', `--base-ami: there is no image ${opts.baseAmi} in ${opts.region} that this account can use`, ['leave --base-ami out to build on the newest Ubuntu LTS']);
  if (image.architecture !== opts.arch) {
    throw new ProviderError('BAD_FLAG', `--base-ami: ${opts.baseAmi} is an ${image.architecture} image, but --arch is ${opts.arch}`, [`give --arch ${image.architecture}`]);
  }
  if (image.state !== 'available') throw new ProviderError('BAD_FLAG', `--base-ami: ${opts.baseAmi} is ${image.state}, not available`);
  return { imageId: image.imageId, name: image.name };
}

async function checkArchitecture(ec2: EC2Client, instanceType: string, arch: string): Promise<void> {
  const { DescribeInstanceTypesCommand } = await import('@aws-sdk/client-ec2');
  const out = await ec2Send(ec2, new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] }), `looking up instance type ${instanceType}`);
  const archs = out.InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? [];
  if (!archs.includes(arch as never)) {
    throw new ProviderError('BAD_FLAG', `--instance-type: ${instanceType} runs ${archs.join(', ') || 'no known architecture'}, not ${arch}`, [
      arch === 'arm64' ? 'an arm64 type such as t4g.small' : 'an x86_64 type such as t3.small', `or --arch ${archs[0] ?? 'x86_64'}`,
    ]);
  }
}
