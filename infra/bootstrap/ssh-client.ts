/**
 * Opening one ssh2 Client: TCP (or a stream through a jump host), host key checked against known_hosts,
 * key or agent login, keepalives so a dead host is noticed within ~15 s instead of at the next TCP timeout.
 */
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import type { KnownHosts } from './known-hosts';
import type { ResolvedAuth } from './ssh-auth';
import { connectError, SshError, type ConnectContext } from './ssh-error';
import { keyTypeOfBlob } from './ssh-host-keys';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
}

export interface OpenClientOptions {
  auth: ResolvedAuth;
  knownHosts: KnownHosts;
  readyTimeoutMs: number;
  /** An established stream to the target (through a jump host) instead of a TCP connection. */
  sock?: Duplex;
  /** The jump host, host:port, for messages. */
  via?: string;
}

export const KEEPALIVE_INTERVAL_MS = 5000;
export const KEEPALIVE_COUNT_MAX = 3;

export function connectContext(target: SshEndpoint, opts: OpenClientOptions): ConnectContext {
  return { ...target, authDescription: opts.auth.description, via: opts.via, readyTimeoutMs: opts.readyTimeoutMs };
}

export function openClient(target: SshEndpoint, opts: OpenClientOptions): Promise<Client> {
  const ctx = connectContext(target, opts);
  return new Promise((resolve, reject) => {
    const client = new Client();
    let refusedKey: SshError | undefined;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(refusedKey ?? connectError(err, ctx));
    };
    // Stays attached for the client's life: a late error (keepalive timeout) must not crash the process.
    client.on('error', fail);
    client.once('close', () => fail(new Error('the connection closed during the SSH handshake')));
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    const serverHostKey = opts.knownHosts.hostKeyAlgorithms(target.host, target.port);
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      sock: opts.sock,
      readyTimeout: opts.readyTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      privateKey: opts.auth.privateKey,
      agent: opts.auth.agent,
      algorithms: serverHostKey ? { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } : undefined,
      hostVerifier: (key: Buffer): boolean => {
        try {
          opts.knownHosts.verify(target.host, target.port, keyTypeOfBlob(key), key);
          return true;
        } catch (err) {
          refusedKey =
            err instanceof SshError
              ? err
              : new SshError('HOST_KEY_CHANGED', target.host, `cannot check the host key of ${target.host}:${target.port}: ${(err as Error).message}`);
          return false;
        }
      },
    };
    try {
      client.connect(config);
      // Commands are many small request/reply exchanges: Nagle's algorithm would hold each for a delayed ACK.
      if (!opts.sock) client.setNoDelay(true);
    } catch (err) {
      fail(err);
    }
  });
}
