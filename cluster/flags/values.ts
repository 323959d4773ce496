/**
 * Flag value checks the daemons share with the CLI. Free of oclif so the daemon bundle can carry
 * them; the CLI rethrows their errors as its own (cli/flag-values.ts). Every message says what was
 * wrong, what was received and what is allowed.
 */
import * as fs from 'node:fs';
import { parseDuration } from '../protocol/duration';
import { Resources } from '../protocol/resources';

/** A refused flag value; the message names the flag and quotes the value. */
export class FlagValueError extends Error {
  readonly code = 'BAD_FLAG';
}

/** A whole number within [min, max]; oclif's own integer flag words its errors differently. */
export function integerValue(flag: string, input: string, min: number, max: number): number {
  const text = input.trim();
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new FlagValueError(`--${flag} must be a whole number from ${min} to ${max}, got '${input}'`);
  }
  return n;
}

export function resourcesValue(flag: string, input: string): string {
  try {
    const parsed = Resources.parse(input);
    if (parsed.isEmpty()) throw new Error('no resource with a positive quantity');
  } catch (err) {
    throw new FlagValueError(`--${flag} must be resources like "cpus:1;mem:128" (name:value pairs separated by ';'), got '${input}': ${(err as Error).message}`);
  }
  return input;
}

/** Milliseconds. */
export function durationValue(flag: string, input: string): number {
  try {
    return parseDuration(input);
  } catch (err) {
    throw new FlagValueError(`--${flag}: ${(err as Error).message}`);
  }
}

const BYTE_UNITS: readonly [string, number][] = [['TB', 2 ** 40], ['GB', 2 ** 30], ['MB', 2 ** 20], ['KB', 2 ** 10], ['B', 1]];

/** A size as Mesos's Bytes writes it ("2GB", "512MB", "100B"), or a plain number of bytes; returns bytes. */
export function bytesValue(flag: string, input: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(input.trim());
  const unit = m ? BYTE_UNITS.find(([name]) => name === (m[2] ?? 'B').toUpperCase()) : undefined;
  const n = m && unit ? Math.floor(Number(m[1]) * unit[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw new FlagValueError(`--${flag} must be a size like 2GB, 512MB or 100B, got '${input}'`);
  return n;
}

/** Bytes as Mesos prints them: the largest unit that divides them exactly. */
export function bytesText(bytes: number): string {
  const [name, size] = BYTE_UNITS.find(([, size]) => bytes >= size && bytes % size === 0) ?? ['B', 1];
  return `${bytes / size}${name}`;
}

export const ISOLATIONS = ['auto', 'cgroups/v1', 'cgroups/v2', 'none'] as const;
export type Isolation = typeof ISOLATIONS[number];

export function isolationToCgroups(isolation: Isolation): 'auto' | 'v1' | 'v2' | 'none' {
  switch (isolation) {
    case 'cgroups/v1': return 'v1';
    case 'cgroups/v2': return 'v2';
    default: return isolation;
  }
}

export interface HostPort { host: string; port: number }

/** "host:port" or "[v6]:port". */
export function hostPortValue(flag: string, input: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(input.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new FlagValueError(`--${flag} must be host:port (e.g. 10.0.0.5:2181, port 1-65535), got '${input}'`);
  }
  return { host: m[1] ?? m[2], port };
}

/** An http:// or https:// URL. */
export function httpUrlValue(flag: string, input: string): string {
  let url: URL | undefined;
  try {
    url = new URL(input);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new FlagValueError(`--${flag} must be an http:// or https:// URL (e.g. http://127.0.0.1:5050/health), got '${input}'`);
  }
  return input;
}

/**
 * The value itself, or with file:///path the file's content (its last newline dropped), as Mesos
 * takes --zk=file:///path: a value holding a password stays off the command line.
 */
export function textOrFileValue(flag: string, input: string): string {
  if (!input.startsWith('file://')) return input;
  const file = input.slice('file://'.length);
  if (!file.startsWith('/')) throw new FlagValueError(`--${flag}: a file:// value needs an absolute path (file:///path), got '${input}'`);
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new FlagValueError(`--${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
