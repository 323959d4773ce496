/**
 * `probe`: waits on the host until a service is healthy. HTTP: 200; ZooKeeper: `ruok` answered with
 * `imok`; TCP: a connection. Tries again until --timeout, then reports the last reason it was not.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fourLetterWord } from '../cluster/zookeeper/four-letter';
import { UsageError } from './usage-error';
import { durationFlag, parsedFlag, textFlag, type FlagValues } from '../cluster/flags/table';
import { httpsOptions, readClientTls, type ClientTls } from '../cluster/client/tls';
import { hostPortValue, httpUrlValue, type HostPort } from '../cluster/flags/values';

export const PROBE_FLAGS = {
  http: parsedFlag((input, name) => httpUrlValue(name, input), { description: 'healthy when a GET of this URL answers 200' }),
  zk: parsedFlag((input, name) => hostPortValue(name, input), { description: "healthy when the ZooKeeper server at host:port answers 'ruok' with 'imok'" }),
  tcp: parsedFlag((input, name) => hostPortValue(name, input), { description: 'healthy when host:port accepts a TCP connection' }),
  timeout: durationFlag({ description: 'give up after this long (e.g. 30secs)', default: 30_000 }),
  tls_ca_file: textFlag({ description: 'with an https:// --http: the cluster CA to verify the service against' }),
  tls_cert_file: textFlag({ description: 'with --tls_ca_file: a client certificate to present (for daemons started with --tls_require_cert)' }),
  tls_key_file: textFlag({ description: 'the key of --tls_cert_file' }),
};

export type ProbeTarget = { kind: 'http'; url: string; tls?: ClientTls } | { kind: 'zk' | 'tcp'; address: HostPort };

/** Exactly one of --http, --zk, --tcp. */
export function probeTarget(f: FlagValues<typeof PROBE_FLAGS>): ProbeTarget {
  const given = (['http', 'zk', 'tcp'] as const).filter((k) => f[k] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(`give exactly one of --http, --zk, --tcp; got ${given.length === 0 ? 'none' : given.map((k) => `--${k}`).join(' and ')}`);
  }
  if (f.http !== undefined) {
    if (!f.tls_ca_file) return { kind: 'http', url: f.http };
    return { kind: 'http', url: f.http, tls: readClientTls({ caFile: f.tls_ca_file, certFile: f.tls_cert_file, keyFile: f.tls_key_file }) };
  }
  return f.zk !== undefined ? { kind: 'zk', address: f.zk } : { kind: 'tcp', address: f.tcp! };
}

export function describeTarget(t: ProbeTarget): string {
  return t.kind === 'http' ? t.url : `${t.kind === 'zk' ? 'ZooKeeper' : 'TCP'} ${t.address.host}:${t.address.port}`;
}

/** Undefined once healthy; otherwise the last reason it was not. */
export async function probe(target: ProbeTarget, timeoutMs: number, pauseMs = 250): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attemptMs = Math.max(100, Math.min(5000, deadline - Date.now()));
    const reason = await check(target, attemptMs).catch((err: Error) => err.message);
    if (reason === undefined) return undefined;
    if (Date.now() + pauseMs >= deadline) return reason;
    await sleep(pauseMs);
  }
}

function check(target: ProbeTarget, timeoutMs: number): Promise<string | undefined> {
  switch (target.kind) {
    case 'http': return checkHttp(target.url, timeoutMs, target.tls);
    case 'zk': return checkZooKeeper(target.address, timeoutMs);
    case 'tcp': return checkTcp(target.address, timeoutMs);
  }
}

function checkHttp(url: string, timeoutMs: number, tls?: ClientTls): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < 500) body += chunk });
      res.on('end', () => {
        if (res.statusCode === 200) resolve(undefined);
        else resolve(`HTTP ${res.statusCode}${body.trim() ? `: ${body.trim().split('\n')[0].slice(0, 200)}` : ''}`);
      });
      res.on('error', reject);
    };
    const req = url.startsWith('https:')
      ? https.get(url, { timeout: timeoutMs, ...httpsOptions(tls) }, onResponse)
      : http.get(url, { timeout: timeoutMs }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function checkZooKeeper({ host, port }: HostPort, timeoutMs: number): Promise<string | undefined> {
  const answer = await fourLetterWord(host, port, 'ruok', timeoutMs);
  return answer === 'imok' ? undefined : `answered ${JSON.stringify(answer)} to 'ruok' instead of "imok"`;
}

function checkTcp({ host, port }: HostPort, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}
