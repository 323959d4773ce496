/**
 * Host names, addresses and "[user@]host[:port]" endpoints as operators write them in --hosts,
 * --bastion and cluster files. IPv6 literals take brackets whenever a port may follow
 * ("[2001:db8::1]:2222"); a bare IPv6 literal is read whole, never as host:port.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Endpoint {
  /** Without brackets, also for IPv6. */
  host: string;
  port?: number;
  user?: string;
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** A DNS name (RFC 1123), an IPv4 address or an IPv6 address (without brackets). */
export function isHostNameOrAddress(text: string): boolean {
  if (isIPv4(text) || isIPv6(text)) return true;
  // "300.1.1.1" is neither a valid IPv4 address nor a name anyone means.
  if (/^[0-9.]+$/.test(text)) return false;
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

export function isUserName(text: string): boolean {
  return USER.test(text);
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** The host without the brackets an IPv6 literal may carry; undefined when it is not a host. */
export function hostOf(text: string): string | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (bare !== text && !isIPv6(bare)) return undefined;
  return isHostNameOrAddress(bare) ? bare : undefined;
}

/** "host:port", with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** "user@host:port" for messages and tables. */
export function endpointText(e: { host: string; port: number; user: string }): string {
  return `${e.user}@${hostPort(e.host, e.port)}`;
}

/** Parses "[user@]host[:port]"; the error says what is wrong with the text. */
export function parseEndpoint(input: string): Endpoint | { error: string } {
  const text = input.trim();
  if (text === '') return { error: 'is empty; expected [user@]host[:port]' };
  let rest = text;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!isUserName(user)) return { error: `'${text}' has an invalid user name '${user}' (letters, digits, '_', '.', '-', starting with a letter or '_')` };
  }
  let hostText = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { error: `'${text}' has an unclosed '[' (IPv6 addresses are written [2001:db8::1]:22)` };
    hostText = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return { error: `'${text}' has '${after}' after ']'; expected [address]:port` };
      portText = after.slice(1);
    }
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [hostText, portText] = rest.split(':');
  }
  const host = hostOf(hostText);
  if (host === undefined) return { error: `'${hostText}' is not a host name or address` };
  if (portText === undefined) return user === undefined ? { host } : { host, user };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!isPort(port)) return { error: `'${text}' has an invalid port '${portText}' (1-65535)` };
  return user === undefined ? { host, port } : { host, port, user };
}
