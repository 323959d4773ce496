import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Authenticator, authenticatorFromFlags, basicAuthorization, constantTimeEqual, CredentialsError, parseAuthorization, parseCredential,
  parseCredentials, readCredentialsFile, ScopedTokens,
} from '../../cluster/http/auth';

describe('credentials files', () => {
  it("reads Mesos's JSON form", () => {
    expect(parseCredentials('{"credentials":[{"principal":"a","secret":"s1"},{"principal":"b","secret":"s2"}]}')).toEqual([
      { principal: 'a', secret: 's1' }, { principal: 'b', secret: 's2' },
    ]);
  });

  it('reads the legacy text form, skipping blank lines and comments', () => {
    expect(parseCredentials('# ops\na s1\n\n  b   s2  \n')).toEqual([{ principal: 'a', secret: 's1' }, { principal: 'b', secret: 's2' }]);
  });

  it('refuses malformed files without quoting secrets', () => {
    expect(() => parseCredentials('{"credentials":[{"principal":"a"}]}')).toThrow(CredentialsError);
    expect(() => parseCredentials('{"credentials":1}')).toThrow(/expected/);
    expect(() => parseCredentials('{oops')).toThrow(/not valid JSON/);
    expect(() => parseCredentials('a s1 extra-secret')).toThrow(/expected "principal secret"/);
    expect(() => parseCredentials('a s1 extra-secret')).not.toThrow(/extra-secret/);
    expect(() => parseCredentials('a s1\na s2')).toThrow(/listed twice/);
    expect(() => parseCredentials('\n# nothing\n')).toThrow(/no credentials/);
  });

  it("reads an agent's own credential in both forms", () => {
    expect(parseCredential('{"principal":"agent","secret":"x"}')).toEqual({ principal: 'agent', secret: 'x' });
    expect(parseCredential('agent x\n')).toEqual({ principal: 'agent', secret: 'x' });
    expect(() => parseCredential('{"principal":"agent"}')).toThrow(/'secret'/);
  });

  it('reads files and names the one it cannot read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creds-'));
    fs.writeFileSync(path.join(dir, 'c'), 'p s\n');
    expect(readCredentialsFile(path.join(dir, 'c'))).toEqual([{ principal: 'p', secret: 's' }]);
    expect(() => readCredentialsFile(path.join(dir, 'missing'))).toThrow(/cannot read .*missing: ENOENT/);
  });
});

describe('constant-time compare', () => {
  it('compares whole strings of any length', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
    expect(constantTimeEqual('secret', 'secret-longer')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('Authorization headers', () => {
  it('parses basic and bearer', () => {
    expect(parseAuthorization(basicAuthorization({ principal: 'p', secret: 'a:b' }))).toEqual({ scheme: 'basic', principal: 'p', secret: 'a:b' });
    expect(parseAuthorization('bearer tok')).toEqual({ scheme: 'bearer', token: 'tok' });
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('Basic')).toEqual({ scheme: 'invalid' });
    expect(parseAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toEqual({ scheme: 'invalid' });
    expect(parseAuthorization('Digest abc')).toEqual({ scheme: 'invalid' });
  });
});

describe('Authenticator', () => {
  const creds = [{ principal: 'ops', secret: 'right' }];
  const auth = new Authenticator(creds, { readonly: true });

  it('knows the right principal and nobody else', () => {
    expect(auth.identify(basicAuthorization({ principal: 'ops', secret: 'right' }))).toBe('ops');
    expect(auth.identify(basicAuthorization({ principal: 'ops', secret: 'wrong' }))).toBeUndefined();
    expect(auth.identify(basicAuthorization({ principal: 'eve', secret: 'right' }))).toBeUndefined();
  });

  it('answers 401 with the basic challenge only where the class requires it', () => {
    const result = auth.check('readonly', {});
    expect(result).toEqual({ rejected: expect.objectContaining({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="mesos"' } }) });
    expect(auth.check('readwrite', {})).toEqual({ principal: undefined });
    expect(auth.check('open', {})).toEqual({ principal: undefined });
    expect(auth.check('readonly', { authorization: 'Bearer nope' })).toEqual({ rejected: expect.objectContaining({ headers: { 'WWW-Authenticate': 'Bearer realm="mesos", error="invalid_token"' } }) });
  });

  it('signs tokens that every daemon with the same credentials accepts until they expire', () => {
    let now = 1_000_000_000_000;
    const issuer = new Authenticator(creds, {}, () => now);
    const other = new Authenticator([...creds], {}, () => now);
    const { token, expires } = issuer.issueToken('ops', 60);
    expect(expires).toBe(now / 1000 + 60);
    expect(other.identify(`Bearer ${token}`)).toBe('ops');
    expect(new Authenticator([{ principal: 'ops', secret: 'rotated' }], {}, () => now).verifyToken(token)).toBeUndefined();
    const [prefix, principal, expiry, sig] = token.split('.');
    expect(issuer.verifyToken([prefix, Buffer.from('root').toString('base64url'), expiry, sig].join('.'))).toBeUndefined();
    expect(issuer.verifyToken([prefix, principal, String(Number(expiry) + 1000), sig].join('.'))).toBeUndefined();
    now += 61_000;
    expect(issuer.verifyToken(token)).toBeUndefined();
  });

  it('needs a credentials file when a flag turns authentication on', () => {
    expect(() => authenticatorFromFlags(undefined, { framework: true, readonly: true }, '--credentials')).toThrow('--authenticate_frameworks, --authenticate_http_readonly need --credentials');
    expect(authenticatorFromFlags(undefined, {}, '--credentials')).toBeUndefined();
  });
});

describe('scoped tokens (executor tokens)', () => {
  const key = Buffer.alloc(32, 7);
  const tokens = new ScopedTokens(key);
  const scope = { fid: 'fw-1', eid: 'exec-1', cid: 'c-1' };

  it('give back the scope they were issued for, and only with the key that signed them', () => {
    const token = tokens.issue(scope);
    expect(token.startsWith('mct1s.')).toBe(true);
    expect(tokens.verify(token)).toEqual(scope);
    expect(tokens.fromHeader(`Bearer ${token}`)).toEqual(scope);
    expect(new ScopedTokens(Buffer.alloc(32, 8)).verify(token)).toBeUndefined();
  });

  it('refuse a changed scope, a principal token and malformed text', () => {
    const [prefix, , sig] = tokens.issue(scope).split('.');
    const other = Buffer.from(JSON.stringify({ ...scope, eid: 'exec-2' })).toString('base64url');
    expect(tokens.verify([prefix, other, sig].join('.'))).toBeUndefined();
    const principalToken = new Authenticator([{ principal: 'ops', secret: 's' }]).issueToken('ops').token;
    expect(tokens.verify(principalToken)).toBeUndefined();
    expect(new Authenticator([{ principal: 'ops', secret: 's' }]).verifyToken(tokens.issue(scope))).toBeUndefined();
    for (const bad of ['', 'mct1s', 'mct1s..', 'mct1s.e30', `mct1s.${Buffer.from('[1]').toString('base64url')}.x`]) expect(tokens.verify(bad)).toBeUndefined();
    expect(tokens.fromHeader(undefined)).toBeUndefined();
    expect(tokens.fromHeader(basicAuthorization({ principal: 'a', secret: 'b' }))).toBeUndefined();
  });

  it('need a key of at least 16 bytes', () => {
    expect(() => new ScopedTokens(Buffer.alloc(8))).toThrow(CredentialsError);
  });
});
