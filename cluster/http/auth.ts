/**
 * HTTP authentication as Mesos does it, for the master and the agent: HTTP basic with a principal and
 * secret from a credentials file, plus bearer tokens this cluster signs itself.
 *
 * Credentials files take Mesos's two forms: JSON `{"credentials":[{"principal":"p","secret":"s"}]}`
 * or text, one "principal secret" per line. A daemon's own credential (an agent's --credential) is
 * JSON `{"principal":"p","secret":"s"}` or one such line.
 *
 * Bearer tokens are `mct1.<principal, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`.
 * The HMAC key is derived from the whole credentials file, so every daemon that holds the same file
 * (the masters and agents of one cluster) accepts the tokens of the others, and changing any secret
 * revokes every token at once. Secrets and signatures are compared in constant time. Scoped tokens
 * (`mct1s.`, ScopedTokens) name what they open instead of a principal: an agent's executors get them.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';

export interface Credential {
  principal: string;
  secret: string;
}

/**
 * Who may call an endpoint: anyone ('open'); read-only and read-write HTTP endpoints (Mesos's
 * --authenticate_http_readonly and --authenticate_http_readwrite); the scheduler API
 * (--authenticate_frameworks); the agent channel (--authenticate_agents).
 */
export type Access = 'open' | 'readonly' | 'readwrite' | 'framework' | 'agent';

/** Which access classes require a principal; the others take one when given. */
export type AuthRequirements = Partial<Record<Exclude<Access, 'open'>, boolean>>;

/** Mesos's flag for each class. */
export const AUTH_FLAGS: Readonly<Record<keyof AuthRequirements, string>> = {
  framework: 'authenticate_frameworks',
  agent: 'authenticate_agents',
  readwrite: 'authenticate_http_readwrite',
  readonly: 'authenticate_http_readonly',
};

export const REALM = 'mesos';
const TOKEN_PREFIX = 'mct1';
/** How long a token `issueToken` hands out lives unless told otherwise. */
export const DEFAULT_TOKEN_SECONDS = 3600;

export class CredentialsError extends Error {}

/** `{"credentials":[...]}` (Mesos's JSON form) or "principal secret" lines; blank lines and # comments are skipped. */
export function parseCredentials(text: string, source = 'credentials'): Credential[] {
  const trimmed = text.trim();
  let credentials: Credential[];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new CredentialsError(`${source}: not valid JSON: ${(err as Error).message}`);
    }
    const list = (parsed as { credentials?: unknown }).credentials;
    if (!Array.isArray(list)) throw new CredentialsError(`${source}: expected {"credentials":[{"principal":...,"secret":...}]}`);
    credentials = list.map((entry, i) => credentialOf(entry, `${source}: credentials[${i}]`));
  } else {
    credentials = trimmed.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
      .map((line, i) => lineCredential(line, `${source}: line ${i + 1}`));
  }
  if (credentials.length === 0) throw new CredentialsError(`${source}: no credentials`);
  const seen = new Set<string>();
  for (const c of credentials) {
    if (seen.has(c.principal)) throw new CredentialsError(`${source}: principal '${c.principal}' is listed twice`);
    seen.add(c.principal);
  }
  return credentials;
}

/** One credential: `{"principal":"p","secret":"s"}` or a single "principal secret" line. */
export function parseCredential(text: string, source = 'credential'): Credential {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return lineCredential(trimmed, source);
  try {
    return credentialOf(JSON.parse(trimmed), source);
  } catch (err) {
    if (err instanceof CredentialsError) throw err;
    throw new CredentialsError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
}

export function readCredentialsFile(file: string): Credential[] {
  return parseCredentials(readSecretFile(file), file);
}

export function readCredentialFile(file: string): Credential {
  return parseCredential(readSecretFile(file), file);
}

function readSecretFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CredentialsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function credentialOf(value: unknown, where: string): Credential {
  const { principal, secret } = (value ?? {}) as Record<string, unknown>;
  if (typeof principal !== 'string' || principal === '') throw new CredentialsError(`${where}: 'principal' must be a non-empty string`);
  if (typeof secret !== 'string' || secret === '') throw new CredentialsError(`${where}: 'secret' of '${principal}' must be a non-empty string`);
  return { principal, secret };
}

function lineCredential(line: string, where: string): Credential {
  const parts = line.split(/\s+/);
  // The secret is never quoted back.
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new CredentialsError(`${where}: expected "principal secret"`);
  return { principal: parts[0], secret: parts[1] };
}

/** Equal strings in time that depends on neither's content (both are hashed to one length first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** The Authorization header, split: Basic with its principal and secret, or Bearer with its token. */
export type Presented = { scheme: 'basic'; principal: string; secret: string } | { scheme: 'bearer'; token: string } | { scheme: 'invalid' };

export function parseAuthorization(header: string | string[] | undefined): Presented | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(value ?? '');
  if (!match) return { scheme: 'invalid' };
  const scheme = match[1].toLowerCase();
  if (scheme === 'bearer') return { scheme: 'bearer', token: match[2] };
  if (scheme !== 'basic') return { scheme: 'invalid' };
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { scheme: 'invalid' };
  return { scheme: 'basic', principal: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function basicAuthorization(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`, 'utf8').toString('base64')}`;
}

/** The headers a client adds to send `credential` (none without one). */
export function authorizationHeaders(credential: Credential | undefined): Record<string, string> {
  return credential ? { Authorization: basicAuthorization(credential) } : {};
}

/** The answer to a request without acceptable credentials. */
export interface Rejection {
  status: 401;
  text: string;
  headers: Record<string, string>;
}

export type AuthResult = { principal?: string } | { rejected: Rejection };

export class Authenticator {
  private readonly secrets: Map<string, string>;
  private readonly tokenKey: Buffer;

  constructor(credentials: readonly Credential[], private readonly required: AuthRequirements = {}, private readonly now = () => Date.now()) {
    this.secrets = new Map(credentials.map((c) => [c.principal, c.secret]));
    const material = credentials.map((c) => `${c.principal}\u0000${c.secret}`).sort().join('\u0001');
    this.tokenKey = createHash('sha256').update(`mesoscloud token key\u0000${material}`).digest();
  }

  /** True when `access` needs a principal on this daemon. */
  requires(access: Access): boolean {
    return access !== 'open' && this.required[access] === true;
  }

  /** The principal the credentials name, or undefined when there are none or they are wrong. */
  identify(header: string | string[] | undefined): string | undefined {
    const presented = parseAuthorization(header);
    if (!presented) return undefined;
    if (presented.scheme === 'basic') {
      const secret = this.secrets.get(presented.principal);
      // An unknown principal costs the same comparison as a known one.
      const ok = constantTimeEqual(secret ?? '\u0000unknown', presented.secret);
      return ok && secret !== undefined ? presented.principal : undefined;
    }
    if (presented.scheme === 'bearer') return this.verifyToken(presented.token);
    return undefined;
  }

  /**
   * A request for an endpoint of class `access`: its principal (when it gave valid credentials), or
   * the 401 to answer when the class requires one and it gave none or wrong ones.
   */
  check(access: Access, headers: http.IncomingHttpHeaders): AuthResult {
    const principal = this.identify(headers.authorization);
    if (principal !== undefined || !this.requires(access)) return { principal };
    return { rejected: unauthorized(headers.authorization) };
  }

  /** A token for `principal` that this daemon and every daemon holding the same credentials accept until it expires. */
  issueToken(principal: string, seconds = DEFAULT_TOKEN_SECONDS): { token: string; expires: number } {
    const expires = Math.floor(this.now() / 1000) + seconds;
    const body = `${TOKEN_PREFIX}.${Buffer.from(principal, 'utf8').toString('base64url')}.${expires}`;
    return { token: `${body}.${this.sign(body)}`, expires };
  }

  verifyToken(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX || !/^\d{1,12}$/.test(parts[2])) return undefined;
    const body = parts.slice(0, 3).join('.');
    if (!constantTimeEqual(this.sign(body), parts[3])) return undefined;
    if (Number(parts[2]) * 1000 <= this.now()) return undefined;
    const principal = Buffer.from(parts[1], 'base64url').toString('utf8');
    return principal === '' ? undefined : principal;
  }

  private sign(body: string): string {
    return signature(this.tokenKey, body);
  }
}

function signature(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** What a scoped token is bound to, e.g. an executor's {fid, eid, cid}; compared whole. */
export type TokenScope = Readonly<Record<string, string>>;

const SCOPED_PREFIX = 'mct1s';

/**
 * Tokens that name no principal but a scope (`mct1s.<scope as JSON, base64url>.<HMAC-SHA256>`): what
 * an agent hands each executor it starts (Mesos's executor secret), so that the token opens the
 * executor API for that executor only. They do not expire: one lives as long as the container it was
 * made for, whose id is part of the scope. The key is the agent's own; no principal token
 * (`mct1.`) is accepted as a scoped one or the other way round, the prefixes differ and are signed.
 */
export class ScopedTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new CredentialsError('a token key needs at least 16 bytes');
  }

  issue(scope: TokenScope): string {
    const body = `${SCOPED_PREFIX}.${Buffer.from(JSON.stringify(scope), 'utf8').toString('base64url')}`;
    return `${body}.${signature(this.key, body)}`;
  }

  /** The scope a token was issued for; undefined when it is no scoped token of this key. */
  verify(token: string): TokenScope | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== SCOPED_PREFIX) return undefined;
    const body = `${parts[0]}.${parts[1]}`;
    if (!constantTimeEqual(signature(this.key, body), parts[2])) return undefined;
    try {
      const scope: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) return undefined;
      return Object.values(scope).every((v) => typeof v === 'string') ? (scope as TokenScope) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The token of an Authorization header (Bearer), checked; undefined without a valid one. */
  fromHeader(header: string | string[] | undefined): TokenScope | undefined {
    const presented = parseAuthorization(header);
    return presented?.scheme === 'bearer' ? this.verify(presented.token) : undefined;
  }
}

/**
 * 401 with Mesos's challenge. A rejected bearer token is challenged as Bearer, so that a browser
 * (whose UI sends tokens) does not pop up its own password dialog.
 */
export function unauthorized(header?: string | string[]): Rejection {
  const bearer = parseAuthorization(header)?.scheme === 'bearer';
  return {
    status: 401,
    text: bearer ? 'the bearer token is invalid or has expired' : 'authentication required: send HTTP basic credentials or a bearer token',
    headers: { 'WWW-Authenticate': bearer ? `Bearer realm="${REALM}", error="invalid_token"` : `Basic realm="${REALM}"` },
  };
}

/**
 * The daemon's authenticator from its flags: undefined when no credentials file is given (nothing
 * can be checked). Throws when a flag requires authentication but no credentials are given.
 */
export function authenticatorFromFlags(credentialsFile: string | undefined, required: AuthRequirements, credentialsFlag: string): Authenticator | undefined {
  if (credentialsFile === undefined) {
    const on = (Object.keys(required) as (keyof AuthRequirements)[]).filter((k) => required[k]);
    if (on.length > 0) throw new CredentialsError(`${on.map((k) => `--${AUTH_FLAGS[k]}`).join(', ')} need${on.length === 1 ? 's' : ''} ${credentialsFlag}`);
    return undefined;
  }
  return new Authenticator(readCredentialsFile(credentialsFile), required);
}
