/**
 * Pinning the builder's SSH host key before the first connection: cloud-init prints the instance's
 * host keys to its console, which EC2 serves to the account (GetConsoleOutput), so the key is known
 * from a channel no one on the network path can forge. When the console shows none in time, the key
 * the builder offers is trusted on first use, and the caller says so.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { KnownHosts } from '../infra/bootstrap/known-hosts';
import { consoleHostKeys } from '../infra/providers/aws/console-host-keys';

export async function pinConsoleHostKeys(
  ec2: EC2Client, instanceId: string, knownHosts: KnownHosts, opts: { host: string; port: number; timeoutMs: number; pollMs: number; signal?: AbortSignal },
): Promise<'console' | 'first-use'> {
  const { keys } = await consoleHostKeys(ec2, instanceId, { timeoutMs: opts.timeoutMs, pollMs: opts.pollMs, signal: opts.signal });
  for (const line of keys) {
    const [type, blob] = line.trim().split(/\s+/);
    knownHosts.remember(opts.host, opts.port, type, Buffer.from(blob, 'base64'));
  }
  return keys.length > 0 ? 'console' : 'first-use';
}
