/**
 * An instance's SSH host keys, read from its console before anyone connects: cloud-init prints them
 * between `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----` on first boot,
 * and EC2's console output is written by the hypervisor, not over the network, so keys read there can
 * be pinned (known_hosts) instead of trusting whatever answers first on port 22.
 *
 * The console is noisy: kernel messages land between (and inside) lines, lines end in CRLF, and
 * output may be cut. So the parser takes only lines that hold a well-formed key of a known type,
 * only inside a complete block, and from the last complete block (the latest boot).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { awsCode, ec2Send } from './ec2-client';

const BEGIN = '-----BEGIN SSH HOST KEY KEYS-----';
const END = '-----END SSH HOST KEY KEYS-----';
const KEY = /(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521)\s+([A-Za-z0-9+/]+={0,2})(?=\s|$)/;

/** Reads the SSH wire strings of a key blob (length-prefixed), or undefined if it is malformed. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

const ECDSA_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/** Whether the base64 blob really is a public key of `type` (its own name inside, the right sizes). */
export function wellFormedKey(type: string, base64: string): boolean {
  const blob = Buffer.from(base64, 'base64');
  if (blob.toString('base64').replace(/=+$/, '') !== base64.replace(/=+$/, '')) return false;
  const parts = wireStrings(blob);
  if (!parts || parts[0]?.toString('latin1') !== type) return false;
  if (type === 'ssh-ed25519') return parts.length === 2 && parts[1].length === 32;
  if (type === 'ssh-rsa') return parts.length === 3 && parts[1].length >= 1 && parts[2].length >= 128; // e, n of 1024 bits or more
  const curve = type.slice('ecdsa-sha2-'.length);
  return parts.length === 3 && parts[1].toString('latin1') === curve && parts[2].length === ECDSA_POINT_BYTES[curve] && parts[2][0] === 4;
}

/** The host keys ('ssh-ed25519 AAAA...', without comments) of the last complete block of `text`; [] if none. */
export function hostKeysFromConsole(text: string): string[] {
  const lines = text.split(/\r?\n|\r/);
  let current: string[] | undefined;
  let last: string[] = [];
  for (const line of lines) {
    if (line.includes(BEGIN)) {
      current = [];
      continue;
    }
    if (line.includes(END)) {
      if (current) last = current;
      current = undefined;
      continue;
    }
    if (!current) continue;
    const m = KEY.exec(line);
    if (m && wellFormedKey(m[1], m[2])) {
      const key = `${m[1]} ${m[2]}`;
      if (!current.includes(key)) current.push(key);
    }
  }
  return last;
}

export interface ConsoleKeysOptions {
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

export interface ConsoleKeys {
  keys: string[];
  /** 'none': the console showed no keys in time; the caller decides whether to trust on first use or refuse. */
  source: 'console' | 'none';
}

/**
 * Polls the instance's console until its host key block appears or `timeoutMs` passes. Asks for the
 * latest output (Nitro instances) and falls back to the buffered output where that is not supported.
 */
export async function consoleHostKeys(ec2: EC2Client, instanceId: string, opts: ConsoleKeysOptions): Promise<ConsoleKeys> {
  const { GetConsoleOutputCommand } = await import('@aws-sdk/client-ec2');
  const deadline = Date.now() + opts.timeoutMs;
  let latest = true;
  for (;;) {
    let output: string | undefined;
    try {
      output = (await ec2Send(ec2, new GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest ? { Latest: true } : {}) }), `reading the console of ${instanceId}`)).Output;
    } catch (err) {
      const code = awsCode(err);
      if (!latest || (code !== 'UnsupportedOperation' && code !== 'InvalidParameterCombination' && code !== 'InvalidParameterValue')) throw err;
      latest = false;
      continue;
    }
    const keys = output ? hostKeysFromConsole(Buffer.from(output, 'base64').toString('utf8')) : [];
    if (keys.length > 0) return { keys, source: 'console' };
    if (Date.now() + opts.pollMs > deadline || opts.signal?.aborted) return { keys: [], source: 'none' };
    await delay(opts.pollMs, undefined, { signal: opts.signal }).catch(() => undefined); // an abort ends the wait early
  }
}
