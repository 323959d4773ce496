/**
 * INTERIM: stand-ins with the names and signatures of infra/providers/aws/{ec2-client,images,
 * console-host-keys}.ts, which are being written alongside; once they are in, the imports of ami/
 * point there and this file goes.
 */
import { DescribeImagesCommand, EC2Client, GetConsoleOutputCommand, type Image } from '@aws-sdk/client-ec2';
import { ProviderError } from '../infra/errors';
import { clientConfig, type AwsConnection, type ClientTiming } from '../infra/providers/aws/aws-connection';
import { pollUntil } from './poll';

export const CANONICAL = '099720109477';

export function ec2Client(conn: AwsConnection, timing?: ClientTiming): EC2Client {
  return new EC2Client(clientConfig(conn, timing));
}

/** An SDK failure as the CLI shows it: what we were doing, EC2's code and message. */
export function awsError(err: unknown, doing: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { name?: string; message?: string; Code?: string };
  const code = e.Code ?? e.name ?? 'Error';
  const suggestions = /AuthFailure|UnauthorizedOperation|CredentialsProviderError|InvalidClientTokenId/.test(code + (e.message ?? ''))
    ? ['check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that they may do this']
    : [];
  return new ProviderError('AWS_ERROR', `${doing} failed: ${code}: ${e.message ?? String(err)}`, suggestions);
}

export interface ImageInfo { imageId: string; name: string; architecture: string; ownerId: string; creationDate: string }

const info = (i: Image): ImageInfo => ({ imageId: i.ImageId ?? '', name: i.Name ?? '', architecture: i.Architecture ?? '', ownerId: i.OwnerId ?? '', creationDate: i.CreationDate ?? '' });

/** Canonical's newest Ubuntu LTS server image (an even year's .04) for `arch`. */
export async function newestUbuntuLts(ec2: EC2Client, arch: 'x86_64' | 'arm64'): Promise<ImageInfo> {
  const dpkgArch = arch === 'x86_64' ? 'amd64' : 'arm64';
  const out = await ec2.send(new DescribeImagesCommand({
    Owners: [CANONICAL],
    Filters: [{ Name: 'name', Values: [`ubuntu/images/hvm-ssd*/ubuntu-*-${dpkgArch}-server-*`] }, { Name: 'architecture', Values: [arch] }, { Name: 'state', Values: ['available'] }],
  })).catch((err) => {
    throw awsError(err, 'looking up Ubuntu images');
  });
  const lts = (out.Images ?? []).flatMap((i) => {
    const m = /^ubuntu\/images\/hvm-ssd(?:-gp3)?\/ubuntu-[a-z]+-(\d\d)\.04-(?:amd64|arm64)-server-(\d{8}(?:\.\d+)?)$/.exec(i.Name ?? '');
    return m && Number(m[1]) % 2 === 0 && i.OwnerId === CANONICAL ? [{ i, release: Number(m[1]), date: m[2] }] : [];
  }).sort((a, b) => b.release - a.release || b.date.localeCompare(a.date));
  if (lts.length === 0) throw new ProviderError('NO_BASE_IMAGE', `no Ubuntu LTS image for ${arch} in this region`, ['give one with --base-ami ami-...']);
  return info(lts[0].i);
}

export async function describeImage(ec2: EC2Client, imageId: string): Promise<ImageInfo | undefined> {
  const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })).catch((err) => {
    if ((err as { name?: string }).name?.startsWith('InvalidAMIID')) return { Images: [] };
    throw awsError(err, `looking up image ${imageId}`);
  });
  const image = out.Images?.[0];
  return image ? info(image) : undefined;
}

const BLOCK = /-----BEGIN SSH HOST KEY KEYS-----([\s\S]*?)-----END SSH HOST KEY KEYS-----/;

/** The OpenSSH public key lines cloud-init printed to the instance's console. */
export async function consoleHostKeys(ec2: EC2Client, instanceId: string, opts: { timeoutMs: number; pollMs: number }): Promise<{ keys: string[]; source: string }> {
  return pollUntil(`SSH host keys in the console output of ${instanceId}`, opts, async () => {
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true })).catch((err) => {
      throw awsError(err, `reading the console output of ${instanceId}`);
    });
    const text = out.Output ? Buffer.from(out.Output, 'base64').toString('utf8') : '';
    const block = BLOCK.exec(text)?.[1];
    if (!block) return undefined;
    const keys = block.split(/\r?\n/).map((l) => l.replace(/^.*?(?=(ssh-|ecdsa-))/, '').trim()).filter((l) => /^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+/.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    return keys.length > 0 ? { keys, source: 'console' } : undefined;
  });
}
