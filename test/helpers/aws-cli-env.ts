/**
 * The environments `launch --provider aws` runs in when the e2e suite and the benchmark drive the
 * built CLI: an operator with nothing at all (no credentials, no Pulumi, no network), and one whose
 * "AWS" is on loopback (the stand-in stack engine and the EC2 endpoint of the tests) with dummy
 * credentials; plus the endpoint's machine pool made of SSH test hosts. Not a test file.
 */
import * as path from 'node:path';
import { packageRoot } from '../../infra/package-root';
import type { Ec2Endpoint } from './ec2-endpoint';
import { bootConsole } from './ec2-endpoint';
import type { SshTestFleet } from './ssh-hosts';

/** Dummy credentials in AWS's documentation format: signed requests, nothing that could reach an account. */
export const DUMMY_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
} as const;

/** An operator with no AWS credentials, no Pulumi and no network; `home` should be an empty directory. */
export function bareAwsEnv(home: string): Record<string, string> {
  return {
    HOME: home, PATH: '/usr/bin:/bin', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_REGION: '', AWS_DEFAULT_REGION: '',
    MESOSCLOUD_AWS_ENDPOINT: '', AWS_ENDPOINT_URL: '', MESOSCLOUD_STACK_ENGINE: '', MESOSCLOUD_PRICING_ENDPOINT: '', AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * EC2 at `endpoint`, Pulumi's engine replaced by the stand-in (which needs `npm run build`), in
 * us-east-1. The stand-in is found from the package root: this file also runs compiled, from dist/.
 */
export function loopbackAwsEnv(endpoint: Pick<Ec2Endpoint, 'url'>): Record<string, string> {
  return {
    MESOSCLOUD_STACK_ENGINE: path.join(packageRoot(), 'test', 'fixtures', 'stand-in-stack-engine.js'),
    MESOSCLOUD_AWS_ENDPOINT: endpoint.url,
    ...DUMMY_CREDENTIALS,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    SSH_AUTH_SOCK: '',
  };
}

/** Every host of `fleet` as a machine the endpoint hands out, its host key in its console as cloud-init prints it. */
export function addFleetMachines(endpoint: Ec2Endpoint, fleet: SshTestFleet): void {
  endpoint.addMachines(fleet.hosts.map((h, i) => ({
    publicIp: h.ip,
    privateIp: h.ip,
    consoleOutput: bootConsole([fleet.hostKeys[i].split(' ').slice(1, 3).join(' ')]),
  })));
}
