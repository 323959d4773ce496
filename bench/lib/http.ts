/** Plain HTTP timing and small statistics shared by the benchmarks. */
import { benchRequest } from './secure';
import { performance } from 'node:perf_hooks';

export interface Fetched { ms: number; bytes: number; text: string }

/** A plain HTTP request; the time is until the last byte is in (no decoding counted). */
export function getText(url: string, init: { method?: string; body?: string; keepText?: boolean; accept?: string } = {}): Promise<Fetched> {
  const start = performance.now();
  const headers: Record<string, string> = init.body ? { 'Content-Type': 'application/json' } : {};
  if (init.accept) headers.Accept = init.accept;
  return new Promise((resolve, reject) => {
    const req = benchRequest(url, { method: init.method ?? 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const keep = init.keepText ?? true;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep || res.statusCode !== 200) chunks.push(chunk);
      });
      res.on('end', () => {
        const ms = performance.now() - start;
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode} ${body.subarray(0, 200).toString()}`));
        else resolve({ ms, bytes, text: keep ? body.toString('utf8') : '' });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The nearest-rank percentile: the smallest value with at least a `q` share of them at or below it. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
