/**
 * POST /auth/token: trades credentials (HTTP basic, or a token still valid) for a short-lived bearer
 * token (cluster/http/auth.ts), for the web UI's login and `mesoscloud ui`. Not a Mesos endpoint.
 */
import { DEFAULT_TOKEN_SECONDS, unauthorized, type Authenticator } from '../../http/auth';
import type { Handler } from '../../http/server';
import { apiError } from '../../protocol/errors';

export const TOKEN_PATH = '/auth/token';

export function tokenHandler(auth: Authenticator | undefined): Handler {
  return (req) => {
    if (!auth) throw apiError('NOT_FOUND', 'authentication is not configured on this master (no --credentials)');
    if (req.principal === undefined) return unauthorized(req.headers.authorization);
    const { token, expires } = auth.issueToken(req.principal, DEFAULT_TOKEN_SECONDS);
    return { json: { principal: req.principal, token, expires_in: DEFAULT_TOKEN_SECONDS, expires }, headers: { 'Cache-Control': 'no-store' } };
  };
}
