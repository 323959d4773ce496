/**
 * The settings of the explicit AWS provider every resource of the stack uses. Against AWS: the
 * region, and credentials from the usual chain. Against LocalStack or another EC2-compatible
 * endpoint (`endpointUrl`): only the services the program uses point there (EC2; STS, which the
 * provider asks who the caller is), and the provider skips the checks such an endpoint cannot
 * answer (credentials, account id, instance metadata, region names), as LocalStack's Pulumi and
 * Terraform guides configure it. LocalStack takes any key, so when the environment names no
 * credentials the provider gets LocalStack's documented `test`/`test` instead of failing to sign.
 */
import type { ProviderArgs } from '@pulumi/aws';
import type { ClusterStackConfig } from '../aws/types';

/** Services the program calls through the provider. */
export const ENDPOINT_SERVICES = ['ec2', 'sts'] as const;

export function awsProviderArgs(config: Pick<ClusterStackConfig, 'region' | 'endpointUrl'>, env: NodeJS.ProcessEnv = process.env): ProviderArgs {
  if (!config.endpointUrl) return { region: config.region };
  const url = config.endpointUrl;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return {
    region: config.region,
    endpoints: [Object.fromEntries(ENDPOINT_SERVICES.map((service) => [service, url]))],
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
    skipRegionValidation: true,
    ...(hasCredentials ? {} : { accessKey: 'test', secretKey: 'test' }),
  };
}
