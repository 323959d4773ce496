/**
 * CIDR blocks as numbers, IPv4 and IPv6, so the layout can split, compare and check them without
 * a network library. Only canonical blocks are accepted: an address with host bits set under its
 * prefix ("10.42.1.0/16") is refused, because it rarely means what the operator thinks it means.
 */

export interface CidrBlock {
  family: 4 | 6;
  /** The network address. */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function familyBits(family: 4 | 6): number {
  return BITS[family];
}

/** The block, or what is wrong with the text. A bare address is a block of one (/32 or /128). */
export function parseCidr(text: string): CidrBlock | { error: string } {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return { error: `'${text}' is not a CIDR block (address/prefix)` };
  const v4 = parseIpv4(address);
  const v6 = v4 === undefined ? parseIpv6(address) : undefined;
  if (v4 === undefined && v6 === undefined) return { error: `'${text}' is not an IPv4 or IPv6 CIDR block like 203.0.113.7/32 or 2001:db8::/64` };
  const family: 4 | 6 = v4 !== undefined ? 4 : 6;
  const bits = BITS[family];
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return { error: `'${text}' has prefix '${prefixText}'; an IPv${family} prefix is 0 to ${bits}` };
  const base = (v4 ?? v6)!;
  const network = base & ~hostMask(family, prefix) & allOnes(bits);
  if (network !== base) {
    return { error: `'${text}' has host bits set under /${prefix}; the block is ${formatCidr({ family, base: network, prefix })}` };
  }
  return { family, base, prefix };
}

export function formatCidr(block: CidrBlock): string {
  return `${block.family === 4 ? formatIpv4(block.base) : formatIpv6(block.base)}/${block.prefix}`;
}

/** How many addresses the block holds. */
export function blockSize(block: CidrBlock): bigint {
  return 1n << BigInt(BITS[block.family] - block.prefix);
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: CidrBlock, inner: CidrBlock): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix
    && (inner.base & ~hostMask(outer.family, outer.prefix)) === outer.base;
}

export function overlaps(a: CidrBlock, b: CidrBlock): boolean {
  return contains(a, b) || contains(b, a);
}

/** The `index`-th block of length `prefix` inside `block`. */
export function subBlock(block: CidrBlock, prefix: number, index: number): CidrBlock {
  return { family: block.family, prefix, base: block.base + BigInt(index) * (1n << BigInt(BITS[block.family] - prefix)) };
}

function allOnes(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

function hostMask(family: 4 | 6, prefix: number): bigint {
  return allOnes(BITS[family] - prefix);
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 255n)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
