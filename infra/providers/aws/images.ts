/**
 * Which image the instances boot: by default the newest Ubuntu LTS server image Canonical publishes
 * in the region (owner 099720109477 only, since anyone can publish an image with the same name), or
 * the operator's --ami, checked to exist and be available before anything is created.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../errors';
import { isLts, newerFirst, ubuntuRelease, type UbuntuRelease } from '../../aws/ubuntu-releases';
import { ec2Send } from './ec2-client';

export const CANONICAL_OWNER = '099720109477';

export type Architecture = 'x86_64' | 'arm64';

export interface UbuntuImage {
  imageId: string;
  name: string;
  creationDate: string;
}

export interface ImageInfo {
  imageId: string;
  name: string;
  state: string;
  architecture: string;
  tags: Record<string, string>;
}

export async function newestUbuntuLts(ec2: EC2Client, arch: Architecture): Promise<UbuntuImage> {
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
  const answer = await ec2Send(ec2, new DescribeImagesCommand({
    Owners: [CANONICAL_OWNER],
    Filters: [
      { Name: 'name', Values: ['ubuntu/images/*ubuntu-*-server-*'] },
      { Name: 'architecture', Values: [arch] },
      { Name: 'state', Values: ['available'] },
    ],
  }), `looking up Ubuntu ${arch} images`);
  const wantedArch = arch === 'arm64' ? 'arm64' : 'amd64';
  const candidates = (answer.Images ?? [])
    .filter((i) => i.OwnerId === CANONICAL_OWNER && i.ImageId && i.Name)
    .map((i) => ({ i, r: ubuntuRelease(i.Name!), creationDate: i.CreationDate ?? '' }))
    .filter((c): c is { i: (typeof c)['i']; r: UbuntuRelease; creationDate: string } => c.r !== undefined && c.r.arch === wantedArch && isLts(c.r))
    .sort(newerFirst);
  const best = candidates[0];
  if (!best) {
    throw new ProviderError('AWS_NO_IMAGE', `found no Ubuntu LTS server image for ${arch} from Canonical (owner ${CANONICAL_OWNER}) in this region`, [
      'pass an image with --ami ami-...',
      'check --region: Canonical publishes in every commercial region',
    ]);
  }
  return { imageId: best.i.ImageId!, name: best.i.Name!, creationDate: best.creationDate };
}

const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** One image by id, or undefined when the region has none such. */
export async function describeImage(ec2: EC2Client, imageId: string): Promise<ImageInfo | undefined> {
  if (!AMI_ID.test(imageId)) {
    throw new ProviderError('BAD_AMI', `--ami must be an image id like ami-0123456789abcdef0, got "${imageId}"`);
  }
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
  try {
    const answer = await ec2Send(ec2, new DescribeImagesCommand({ ImageIds: [imageId] }), `looking up image ${imageId}`);
    const image = answer.Images?.find((i) => i.ImageId === imageId);
    if (!image) return undefined;
    return {
      imageId,
      name: image.Name ?? '',
      state: image.State ?? 'unknown',
      architecture: image.Architecture ?? 'unknown',
      tags: Object.fromEntries((image.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  } catch (err) {
    if (err instanceof ProviderError && err.code === 'AWS_IMAGE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** --ami checked: it exists in the region and is available (not pending, failed or deregistered). */
export async function requireUsableImage(ec2: EC2Client, imageId: string, region: string): Promise<ImageInfo> {
  const image = await describeImage(ec2, imageId);
  if (!image) {
    throw new ProviderError('AWS_IMAGE_NOT_FOUND', `image ${imageId} does not exist in ${region} (or this account may not use it)`, [
      'images belong to one region: copy it with `aws ec2 copy-image`, or pass the region it is in with --region',
      'leave out --ami to use the newest Ubuntu LTS image',
    ]);
  }
  if (image.state !== 'available') {
    throw new ProviderError('AWS_IMAGE_NOT_READY', `image ${imageId} (${image.name}) is ${image.state}, not available`, [
      image.state === 'pending' ? 'an image being built becomes available after a few minutes: try again then' : 'build a new one with `mesoscloud ami build`',
    ]);
  }
  return image;
}
