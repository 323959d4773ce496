/**
 * Our images in a region, found by their `mesoscloud:image` tag (the package version they carry),
 * newest first: what `mesoscloud ami list` shows and what a launch takes for `--ami latest`.
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { ec2Send } from './ec2-client';

export const IMAGE_TAG = 'mesoscloud:image';
export const BUNDLE_TAG = 'mesoscloud:bundle-sha256';
export const NODE_TAG = 'mesoscloud:node';
export const BASE_IMAGE_TAG = 'mesoscloud:base-image';

export interface FoundImage {
  imageId: string;
  name: string;
  /** The package version (the `mesoscloud:image` tag). */
  version: string;
  arch: string;
  state: string;
  created: string;
  bundleSha256?: string;
  nodeVersion?: string;
  baseImage?: string;
}

/**
 * The account's own images tagged `mesoscloud:image` (of `version` and `arch` when given), newest
 * first; only available ones unless `states` says otherwise (an image is tagged while still pending).
 */
export async function findImages(ec2: EC2Client, opts: { version?: string; arch?: string; states?: string[] } = {}): Promise<FoundImage[]> {
  const filters = [
    { Name: 'state', Values: opts.states ?? ['available'] },
    opts.version ? { Name: `tag:${IMAGE_TAG}`, Values: [opts.version] } : { Name: 'tag-key', Values: [IMAGE_TAG] },
    ...(opts.arch ? [{ Name: 'architecture', Values: [opts.arch] }] : []),
  ];
  const images: Image[] = [];
  let token: string | undefined;
  do {
    const out = await ec2Send(ec2, new DescribeImagesCommand({ Owners: ['self'], Filters: filters, NextToken: token }), 'listing mesoscloud images');
    images.push(...(out.Images ?? []));
    token = out.NextToken;
  } while (token);
  return images.map(found).sort((a, b) => b.created.localeCompare(a.created) || b.imageId.localeCompare(a.imageId));
}

function found(image: Image): FoundImage {
  const tag = (key: string) => image.Tags?.find((t) => t.Key === key)?.Value;
  return {
    imageId: image.ImageId ?? '',
    name: image.Name ?? '',
    version: tag(IMAGE_TAG) ?? '',
    arch: image.Architecture ?? '',
    state: image.State ?? '',
    created: image.CreationDate ?? '',
    bundleSha256: tag(BUNDLE_TAG),
    nodeVersion: tag(NODE_TAG),
    baseImage: tag(BASE_IMAGE_TAG),
  };
}
