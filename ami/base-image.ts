/**
 * The image the builder starts from, checked before anything is created: --base-ami must exist and
 * match --arch (else the newest Ubuntu LTS for it), and the instance type must exist in the region
 * and run that architecture.
 */
import { DescribeInstanceTypesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '../infra/errors';
import { awsError, describeImage, newestUbuntuLts } from './ec2-interim';

export interface BaseImage { imageId: string; name: string }

export async function resolveBaseImage(ec2: EC2Client, opts: { baseAmi?: string; arch: 'x86_64' | 'arm64'; instanceType: string; region: string }): Promise<BaseImage> {
  await checkInstanceType(ec2, opts.instanceType, opts.arch, opts.region);
  if (!opts.baseAmi) return newestUbuntuLts(ec2, opts.arch);
  if (!/^ami-[0-9a-f]{8,17}$/.test(opts.baseAmi)) {
    throw new ProviderError('BAD_FLAG', `--base-ami: expected an image id like ami-0123456789abcdef0, got '${opts.baseAmi}'`);
  }
  const image = await describeImage(ec2, opts.baseAmi);
  if (!image) throw new ProviderError('BAD_FLAG', `--base-ami: there is no image ${opts.baseAmi} in ${opts.region} that this account can use`, ['leave --base-ami out to build on the newest Ubuntu LTS']);
  if (image.architecture !== opts.arch) {
    throw new ProviderError('BAD_FLAG', `--base-ami: ${opts.baseAmi} is an ${image.architecture} image, but --arch is ${opts.arch}`, [`give --arch ${image.architecture}`]);
  }
  return { imageId: image.imageId, name: image.name };
}

async function checkInstanceType(ec2: EC2Client, instanceType: string, arch: string, region: string): Promise<void> {
  const out = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] })).catch((err) => {
    if ((err as { name?: string }).name === 'InvalidInstanceType') {
      throw new ProviderError('BAD_FLAG', `--instance-type: '${instanceType}' is not an instance type in ${region}`, ['e.g. t3.small (x86_64) or t4g.small (arm64)']);
    }
    throw awsError(err, `looking up instance type ${instanceType}`);
  });
  const archs = out.InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? [];
  if (!archs.includes(arch as never)) {
    throw new ProviderError('BAD_FLAG', `--instance-type: ${instanceType} runs ${archs.join(', ') || 'no known architecture'}, not ${arch}`, [
      arch === 'arm64' ? 'an arm64 type such as t4g.small' : 'an x86_64 type such as t3.small', `or --arch ${archs[0] ?? 'x86_64'}`,
    ]);
  }
}
