/**
 * Waiting for the builder's sshd: an instance reports `running` well before its sshd listens, and
 * an open port alone may still be cloud-init restarting sshd, so an SSH banner is what counts.
 */
import { sshBanner } from '../infra/providers/aws/instances';
import { pollUntil, type PollOptions } from './poll';

export function waitForSsh(host: string, port: number, opts: PollOptions): Promise<true> {
  return pollUntil(`SSH on ${host}:${port}`, opts, async () => ((await sshBanner(host, port, 5_000)) ? true : undefined));
}
