/**
 * The flags every command that talks to AWS shares, and the connection they resolve to: --region
 * (else AWS_REGION, else AWS_DEFAULT_REGION), --endpoint-url (else MESOSCLOUD_AWS_ENDPOINT, else
 * AWS_ENDPOINT_URL: LocalStack or another EC2-compatible endpoint) and --profile (else AWS_PROFILE,
 * through the SDK). Credentials come from the SDK's usual chain; nothing here reads them.
 */
import { Flags } from '@oclif/core';
import { endpointFromEnv, type AwsConnection } from '../infra/providers/aws/aws-connection';
import { FlagError } from './errors';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const awsFlags = {
  region: Flags.string({ description: 'AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION)', helpGroup: 'AWS' }),
  'endpoint-url': Flags.string({ description: 'EC2 endpoint to talk to instead of AWS\'s, e.g. LocalStack (default: MESOSCLOUD_AWS_ENDPOINT, then AWS_ENDPOINT_URL)', helpGroup: 'AWS' }),
  profile: Flags.string({ description: 'shared config profile for credentials (default: AWS_PROFILE, then the SDK\'s default chain)', helpGroup: 'AWS' }),
};

export function awsConnection(flags: { region?: string; 'endpoint-url'?: string; profile?: string }, env: NodeJS.ProcessEnv = process.env): AwsConnection {
  const source = flags.region ? '--region' : env.AWS_REGION ? 'AWS_REGION' : env.AWS_DEFAULT_REGION ? 'AWS_DEFAULT_REGION' : undefined;
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new FlagError('no AWS region: give --region (or set AWS_REGION)', ['e.g. --region eu-west-1']);
  if (!REGION.test(region)) throw new FlagError(`${source}: expected an AWS region like us-east-1 or eu-west-1, got '${region}'`);
  const endpointUrl = flags['endpoint-url'] ?? endpointFromEnv(env);
  if (endpointUrl) {
    let url: URL | undefined;
    try {
      url = new URL(endpointUrl);
    } catch {
      // Reported below.
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      const from = flags['endpoint-url'] ? '--endpoint-url' : env.MESOSCLOUD_AWS_ENDPOINT ? 'MESOSCLOUD_AWS_ENDPOINT' : 'AWS_ENDPOINT_URL';
      throw new FlagError(`${from}: expected an http:// or https:// URL like http://localhost:4566, got '${endpointUrl}'`);
    }
  }
  const profile = flags.profile ?? (env.AWS_PROFILE || undefined);
  return { region, ...(endpointUrl ? { endpointUrl } : {}), ...(profile ? { profile } : {}) };
}
