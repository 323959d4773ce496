/**
 * Waiting for the builder's sshd: a TCP connection that is answered with an SSH banner. An instance
 * reports `running` well before its sshd listens, and an open port alone may still be cloud-init's
 * restart of sshd, so the banner is what counts.
 */
import * as net from 'node:net';
import { pollUntil, type PollOptions } from './poll';

export function sshBanner(host: string, port: number, timeoutMs = 5_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n')) done(seen.startsWith('SSH-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export function waitForSsh(host: string, port: number, opts: PollOptions): Promise<true> {
  return pollUntil(`SSH on ${host}:${port}`, opts, async () => ((await sshBanner(host, port)) ? true : undefined));
}
